"""Direct uploads against the strict S3 test server (SigV4 of presigned URLs checked, content length included):
the protocol's steps, what the stored object carries, and each refusal."""

import json
import time

import pytest
import requests
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from easy_thumbnails.signals import saved_file
from PIL import Image

from mediakit.uploads import inspection, tokens
from mediakit.uploads.fields import direct_uploads
from mediakit.uploads.files import DirectUpload

from ..gallery.models import Document, Poster
from ..support.images import PNG_TRANSPARENT, image_bytes
from .helpers import editor, put_parts, step, ticket, upload

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
DOCUMENT = Document._meta.get_field("file")
POSTER = Poster._meta.get_field("image")


class PosterForm(forms.ModelForm):
    class Meta:
        model = Poster
        fields = ["title", "image"]
        formfield_callback = direct_uploads


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file"]
        formfield_callback = direct_uploads

{%- if cookiecutter.private_media %}


class PrivateDocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file", "private_file"]
        formfield_callback = direct_uploads
{%- endif %}


@pytest.fixture
def client():
    client = Client()
    client.force_login(editor("editor", Document, Poster))
    return client


def no_uploads_left(s3_server) -> bool:
    return not s3_server.client().list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads")


def content(size: int) -> bytes:
    return (b"0123456789abcdef" * (size // 16 + 1))[:size]


def test_a_large_file_goes_up_in_parts_with_the_storage_write_parameters(client, s3_server):
    data = content(17 * MB + 5)  # three parts: 8 MiB, 8 MiB and the rest
    status, done = upload(client, DOCUMENT, "film.mp4", data)

    assert status == 200, done
    assert done["name"] == "documents/film.mp4" and done["size"] == len(data)
    s3 = s3_server.client()
    stored = s3.get_object(Bucket=s3_server.MEDIA_BUCKET, Key="documents/film.mp4")
    assert stored["Body"].read() == data
    assert stored["ContentType"] == "video/mp4"
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    grants = s3.get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key="documents/film.mp4")["Grants"]
    assert any(grant["Grantee"].get("URI", "").endswith("AllUsers") for grant in grants)  # the DSN's public-read
    assert no_uploads_left(s3_server)


def test_the_form_saves_the_checked_upload_without_reading_it_again(client, s3_server):
    picture = image_bytes("JPEG", (1200, 900))
    status, done = upload(client, POSTER, "harbour.jpg", picture)
    assert status == 200, done
    requests_before = len(s3_server.stats()["requests"])

    form = PosterForm({"title": "Harbour", "image__direct": done["result"]})
    assert form.is_valid(), form.errors
    poster = form.save()

    assert (poster.width, poster.height) == (1200, 900)  # from the header read when it was uploaded
    assert poster.image.name == done["name"] and poster.image.name.startswith(time.strftime("posters/%Y/"))
    assert s3_server.stats()["requests"][requests_before:] == []  # nothing read, nothing written again
    poster.refresh_from_db()
    assert (poster.width, poster.height) == (1200, 900)


def test_the_check_reads_only_the_head_of_the_object(client, s3_server):
    status, done = upload(client, POSTER, "big.jpg", image_bytes("JPEG", (3000, 2000)) + content(6 * MB))
    assert status == 200, done
    gets = [path for method, path, _ in s3_server.stats()["requests"] if method == "GET" and "big" in path]
    assert len(gets) == 2  # ListParts and one ranged GET (HEAD_BYTES), however large the file
    assert inspection.HEAD_BYTES <= 256 * 1024


def test_presigned_part_urls_are_sigv4_for_the_exact_length_and_carry_no_checksum(client, s3_server):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=9 * MB)
    status, signed = step(client, "sign", token=started["token"], parts=[1, 2])
    url = signed["urls"]["1"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    assert "X-Amz-SignedHeaders=content-length%3Bhost" in url
    assert "checksum" not in url.lower()
    assert f"uploadId={tokens.read_upload(started['token']).upload_id}" in url and "partNumber=1" in url
    assert "X-Amz-Expires=3600" in url


def test_the_file_without_javascript_comes_with_the_form(s3_server):
    form = DocumentForm({"title": "Notes"}, {"file": SimpleUploadedFile("notes.txt", b"plain text")})
    assert form.is_valid(), form.errors
    document = form.save()
    assert document.file.read() == b"plain text"


def test_no_step_posts_a_large_body_to_the_bucket(client, s3_server):
    """Exoscale SOS refuses POST bodies over 16 MB: the parts are PUTs, and a presigned POST upload would fail."""
    s3_server.limit_posts(16 * MB)
    data = content(17 * MB)
    status, done = upload(client, DOCUMENT, "film.mp4", data)
    assert status == 200, done
    post = s3_server.client().generate_presigned_post(s3_server.MEDIA_BUCKET, "documents/other.mp4")
    refused = requests.post(post["url"], data=post["fields"], files={"file": data}, timeout=60)
    assert refused.status_code == 400 and "EntityTooLarge" in refused.text


# The refusals, each at the step that must make it.


def test_a_file_over_the_field_limit_is_refused_before_anything_is_started(client, s3_server):
    status, answer = step(client, "start", ticket=ticket(DOCUMENT, max_size=10 * MB), name="big.mp4", size=10 * MB + 1)
    assert status == 400
    assert answer["error"] == "big.mp4 is 10,485,761 bytes; this field takes at most 10,485,760."
    assert no_uploads_left(s3_server)


def test_a_part_longer_than_signed_is_refused_by_s3(client, s3_server):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=1000)
    status, signed = step(client, "sign", token=started["token"], parts=[1])
    response = requests.put(signed["urls"]["1"], data=b"x" * 2000, timeout=10)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text


def test_parts_missing_at_completion_are_refused_and_the_upload_aborted(client, s3_server):
    data = content(9 * MB)
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=len(data))
    put_parts(client, started, data, numbers=[1])
    status, answer = step(client, "complete", token=started["token"])
    assert status == 400
    assert answer["error"] == (
        "The parts received (1, 8,388,608 bytes) are not the file announced (2, 9,437,184 bytes): upload it again."
    )
    assert no_uploads_left(s3_server) and s3_server.object_names() == []


def test_a_disguised_file_is_refused_and_deleted_at_once(client, s3_server):
    status, answer = upload(client, POSTER, "holiday.jpg", b"<!DOCTYPE html><script>alert(1)</script>")
    assert (status, answer) == (400, {"error": "holiday.jpg is not an image this site can read: it was not kept."})
    status, answer = upload(client, DOCUMENT, "report.pdf", b"<html><body>not a report</body></html>")
    assert (status, answer) == (400, {"error": "report.pdf is an HTML page, not a .pdf file: it was not kept."})
    status, answer = upload(client, POSTER, "logo.jpg", PNG_TRANSPARENT)
    assert (status, answer) == (400, {"error": "logo.jpg is a PNG image, not a JPEG one: rename it to match."})
    assert s3_server.object_names() == [] and no_uploads_left(s3_server)


def test_an_image_with_too_many_pixels_is_refused(client, s3_server, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000 * 1000)
    status, answer = upload(client, POSTER, "bomb.png", image_bytes("PNG", (1200, 1000), "L"))
    assert status == 400
    assert answer["error"] == (
        "bomb.png has 1200 x 1000 pixels, more than this site accepts (1,000,000): it was not kept."
    )
    assert s3_server.object_names() == []


def test_a_changed_token_is_refused(client, s3_server):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=100)
    token = started["token"]
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    refused = {"error": "This upload's token is not valid (changed, or from another site)."}
    for name in ("sign", "complete", "abort"):
        assert step(client, name, token=forged, parts=[1]) == (400, refused)
    status, answer = step(client, "start", ticket=ticket(DOCUMENT)[:-2] + "zz", name="a.bin", size=100)
    assert status == 400


def test_an_expired_token_is_refused(client, s3_server, monkeypatch):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=100)
    monkeypatch.setattr(tokens, "UPLOAD_AGE", -1)
    status, answer = step(client, "complete", token=started["token"])
    assert (status, answer) == (400, {"error": "This upload has expired: choose the file again."})


def test_a_token_of_another_user_is_refused(client, s3_server):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=100)
    other = Client()
    other.force_login(editor("other", Document))
    status, answer = step(other, "sign", token=started["token"], parts=[1])
    assert (status, answer) == (403, {"error": "This upload was started by another user."})


def test_a_result_is_refused_by_another_field(client, s3_server):
    status, done = upload(client, DOCUMENT, "not-a-poster.txt", b"text")
    form = PosterForm({"title": "Poster", "image__direct": done["result"]})
    assert not form.is_valid()
    assert form.errors["image"] == ["This upload was made for another field: choose the file again."]
    form = PosterForm({"title": "Poster", "image__direct": done["result"] + "x"})
    assert form.errors["image"] == ["This upload's token is not valid (changed, or from another site)."]


def test_a_result_of_another_user_is_refused_by_the_admin(client, s3_server):
    status, done = upload(client, DOCUMENT, "mine.txt", b"mine")
    other = Client()
    other.force_login(editor("other", Document))
    data = {"title": "Not yours", "file__direct": done["result"]}
    response = other.post("/admin/gallery/document/add/", data)
    assert response.status_code == 200  # the form again, with the reason
    assert "This upload was made by another user: choose the file again." in response.content.decode()
    assert client.post("/admin/gallery/document/add/", data).status_code == 302  # its own user saves it
    assert Document.objects.get().file.name == done["name"]


def test_a_key_outside_the_field_folder_is_refused(client, s3_server):
    """Even with a token signed by the site (say, a bug elsewhere): the key must be the field's."""
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=100)
    upload_state = tokens.read_upload(started["token"])
    for name, key in (("settings/secret.txt", "settings/secret.txt"), ("documents/a.bin", "elsewhere/a.bin")):
        moved = tokens.Upload(**{**upload_state.__dict__, "name": name, "key": key})
        status, answer = step(client, "sign", token=tokens.dumps(moved, tokens.UPLOAD_SALT), parts=[1])
        assert (status, answer) == (400, {"error": "This upload's file is outside the field's folder."})


def test_cancel_in_the_middle_leaves_no_object_and_no_upload(client, s3_server):
    data = content(9 * MB)
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=len(data))
    put_parts(client, started, data, numbers=[1])
    assert step(client, "abort", token=started["token"]) == (200, {"aborted": True})
    assert no_uploads_left(s3_server) and s3_server.object_names() == []
    status, answer = step(client, "complete", token=started["token"])
    assert (status, answer) == (400, {"error": "This upload was cancelled or has already been completed."})


def test_a_completed_upload_cannot_be_completed_again(client, s3_server):
    status, started = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=4)
    put_parts(client, started, b"abcd")
    assert step(client, "complete", token=started["token"])[0] == 200
    assert step(client, "complete", token=started["token"])[0] == 400


@pytest.mark.parametrize("who", ["anonymous", "no permission"])
def test_an_anonymous_or_unprivileged_user_gets_nothing_signed(who, s3_server):
    client = Client()
    if who != "anonymous":
        client.force_login(editor("visitor"))
    status, answer = step(client, "start", ticket=ticket(DOCUMENT), name="a.bin", size=100)
    assert status == 403 and "url" not in json.dumps(answer).lower()
    assert no_uploads_left(s3_server)


def test_names_are_the_servers(client, s3_server):
    """The browser names a file; the server picks the folder, and a free name when it is taken."""
    first = upload(client, DOCUMENT, "../../etc/passwd", b"one")[1]
    second = upload(client, DOCUMENT, "passwd", b"two")[1]
    assert first["name"] == "documents/passwd"
    assert second["name"].startswith("documents/passwd_") and second["name"] != first["name"]


def test_the_direct_upload_value_is_a_committed_file(client, s3_server):
    status, done = upload(client, DOCUMENT, "x.txt", b"hello")
    form = DocumentForm({"title": "X", "file__direct": done["result"]})
    assert form.is_valid(), form.errors
    value = form.cleaned_data["file"]
    assert isinstance(value, DirectUpload) and value._committed and value.size == 5


@pytest.mark.parametrize("broker", ["amqp://guest:guest@127.0.0.1:5672//", None])
def test_the_thumbnails_hear_of_a_saved_direct_upload_where_a_worker_makes_them(broker, client, s3_server, settings):
    """With a broker, easy-thumbnails' saved_file (which the thumbnails wing queues on); without one, nothing:
    the web process would have to download the whole image to render its thumbnails."""
    heard = []

    def listen(sender, fieldfile, **kwargs):
        heard.append((sender, fieldfile.name))

    saved_file.connect(listen, weak=False, dispatch_uid="test-listen")
    try:
        settings.CELERY_BROKER_URL = broker
        status, done = upload(client, POSTER, "harbour.jpg", image_bytes("JPEG", (640, 480)))
        form = PosterForm({"title": "Harbour", "image__direct": done["result"]})
        poster = form.save()
        poster.save()  # saved again: told once
    finally:
        saved_file.disconnect(dispatch_uid="test-listen")
    assert heard == ([(Poster, done["name"])] if broker else [])
{%- if cookiecutter.private_media %}


def test_a_private_field_uploads_privately(client, s3_server):
    field = Document._meta.get_field("private_file")
    status, done = upload(client, field, "payslip.pdf", b"%PDF-1.7 a private document")
    assert status == 200, done
    s3 = s3_server.client()
    stored = s3.get_object(Bucket=s3_server.PRIVATE_BUCKET, Key="documents/payslip.pdf")
    assert stored["CacheControl"].startswith("private, ")
    grants = s3.get_object_acl(Bucket=s3_server.PRIVATE_BUCKET, Key="documents/payslip.pdf")["Grants"]
    assert not any(grant["Grantee"].get("URI", "").endswith("AllUsers") for grant in grants)
    assert s3_server.object_names() == []  # nothing in the public bucket
    public = upload(client, DOCUMENT, "a.txt", b"a")[1]["result"]
    form = PrivateDocumentForm({"title": "Pay", "file__direct": public, "private_file__direct": done["result"]})
    assert form.is_valid(), form.errors
    document = Document.objects.get(pk=form.save().pk)
    assert "X-Amz-Signature=" in document.private_file.url  # a signed, expiring preview
{%- endif %}
