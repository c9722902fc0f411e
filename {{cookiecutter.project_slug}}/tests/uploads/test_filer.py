"""django-filer's admin uploads on the direct path: the file goes to the bucket as a direct upload of filer's
File.file, then its row is made from what the upload's checks found, without reading the file again."""

import hashlib
import io
import json

import pytest
from django.test import Client
from filer.models import File, Folder, Image
from PIL import Image as PILImage
from PIL.ExifTags import IFD, Base

from mediakit.tasks import filer_checksum
from mediakit.uploads import filer_files, tokens

from ..support.images import image_bytes
from .helpers import editor, put_parts, step

pytestmark = pytest.mark.django_db


def filer_ticket(client) -> str:
    response = client.get("/uploads/filer/ticket/")
    assert response.status_code == 200, response.content
    return response.json()["ticket"]


def upload(client, name: str, content: bytes) -> tuple[int, dict]:
    status, started = step(client, "start", ticket=filer_ticket(client), name=name, size=len(content))
    if status != 200:
        return status, started
    put_parts(client, started, content)
    return step(client, "complete", token=started["token"])


def add_file(client, result: str, folder: int | None):
    response = client.post(
        "/uploads/filer/file/", json.dumps({"result": result, "folder": folder}), content_type="application/json"
    )
    return response.status_code, response.json()


def jpeg_taken(when: str) -> bytes:
    picture = PILImage.open(io.BytesIO(image_bytes("JPEG", (1600, 1200))))
    exif = picture.getexif()
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = when
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_an_image_uploaded_direct_becomes_a_filer_image_without_being_read_again(client, s3_server):
    folder = Folder.objects.create(name="Harbour")
    picture = jpeg_taken("2021:05:04 03:02:01")
    status, done = upload(client, "boats.jpg", picture)
    assert status == 200, done
    requests_before = len(s3_server.stats()["requests"])

    status, answer = add_file(client, done["result"], folder.pk)

    assert status == 200, answer
    assert s3_server.stats()["requests"][requests_before:] == []  # the row is made without reading the file
    image = Image.objects.get(pk=answer["file_id"])
    assert answer["label"] == "boats.jpg" and answer["thumbnail_180"].endswith(f"/{image.pk}/120")
    assert (image.width, image.height, image.size) == (1600, 1200, len(picture))
    assert image.folder == folder and image.mime_type == "image/jpeg" and image.original_filename == "boats.jpg"
    assert image.file.name == done["name"] and image.file.name.startswith("filer_public/")
    assert image.date_taken.isoformat().startswith("2021-05-04T03:02:01")
    assert s3_server.stats()["requests"][requests_before:] == []  # loading the row reads nothing either
    # The ETag until a worker computes filer's SHA-1 (never empty: filer would read the file to fill it).
    stored = s3_server.client().head_object(Bucket=s3_server.MEDIA_BUCKET, Key=image.file.name)
    assert image.sha1 == stored["ETag"].strip('"')

    filer_checksum(image.pk)  # what the worker runs, once the row is committed
    assert Image.objects.get(pk=image.pk).sha1 == hashlib.sha1(picture).hexdigest()  # noqa: S324


def test_a_file_goes_to_unsorted_uploads_as_a_plain_filer_file(client, s3_server):
    status, done = upload(client, "notes.txt", b"plain text")
    status, answer = add_file(client, done["result"], None)
    assert status == 200, answer
    file = File.objects.get(pk=answer["file_id"])
    assert type(file) is File and file.folder is None and file.size == 10


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("drawing.svg", "drawing.svg: SVG files go through filer's own upload, which checks and cleans them."),
        ("page.html", 'File "page.html": HTML upload denied by site security policy'),
        ("blob.unknownext", 'File "blob.unknownext": UNKNOWNEXT upload denied by site security policy'),
    ],
)
def test_filer_rules_refuse_by_name_before_anything_is_started(client, s3_server, name, message):
    status, answer = upload(client, name, b"<svg/>")
    assert status == 400 and answer["error"].startswith(message), answer
    assert not s3_server.client().list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads")


def test_a_result_of_another_user_or_field_is_refused(client, s3_server):
    status, done = upload(client, "boats.jpg", image_bytes("JPEG", (64, 48)))
    other = Client()
    other.force_login(editor("other"))
    thief = Client()
    thief_user = editor("thief")
    thief_user.is_superuser = True
    thief_user.save()
    thief.force_login(thief_user)
    assert add_file(thief, done["result"], None) == (403, {"error": "This upload was made by another user."})
    assert add_file(other, done["result"], None)[0] == 403  # no permission to add files at all
    elsewhere = tokens.Result(**{**tokens.read_result(done["result"]).__dict__, "field": "gallery.Document.file"})
    status, answer = add_file(client, tokens.dumps(elsewhere, tokens.RESULT_SALT), None)
    assert (status, answer) == (400, {"error": "This upload was made for another field: upload the file again."})
    assert File.objects.count() == 0


def test_a_missing_folder_is_refused(client, s3_server):
    status, done = upload(client, "boats.jpg", image_bytes("JPEG", (64, 48)))
    assert add_file(client, done["result"], 999) == (400, {"error": "That folder does not exist (any more)."})


def test_the_folder_page_loads_the_script_with_its_ticket_url(client, s3_server):
    page = client.get("/admin/filer/folder/").content.decode()
    assert 'src="/static/mediakit/direct-upload.js" data-filer-ticket-url="/uploads/filer/ticket/"' in page
    assert filer_files.enabled()
