"""Uploads through the admin, one way for each way a test reaches it (Django's test client, HTTP to a running
site, a browser), and images saved as a site saves them (so the upload hook runs) or put in place behind its
back (so it does not)."""

{% if cookiecutter.use_filer -%}
import math
{% endif -%}
from pathlib import Path

import requests
from django.core.files.base import ContentFile
{%- if not cookiecutter.use_filer %}
from django.core.files.storage import storages
{%- endif %}
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
{%- if cookiecutter.use_filer %}
from filer import settings as filer_settings
from filer.models import Image
{%- else %}

from tests.gallery.models import Photo
{%- endif %}

from .http_client import AdminSession

THUMBNAILS = "img:not([src*='/static/'])"  # every image on an admin page but the admin's own icons


def content_type(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"


def assert_every_thumbnail_loaded(page) -> None:
    """Every thumbnail on the browser's page actually loaded (naturalWidth > 0), not just one of them exists."""
    all_complete = "selector => [...document.querySelectorAll(selector)].every(image => image.complete)"
    page.wait_for_function(all_complete, arg=THUMBNAILS)
    images = page.eval_on_selector_all(THUMBNAILS, "images => images.map(i => [i.currentSrc, i.naturalWidth])")
    assert images, f"no thumbnail on {page.url}"
    assert [source for source, width in images if width == 0] == [], f"thumbnails that did not load on {page.url}"
{%- if cookiecutter.use_filer %}


FILER_STORAGES = [
    filer_settings.FILER_PUBLICMEDIA_STORAGE,
    filer_settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE,
    filer_settings.FILER_PRIVATEMEDIA_STORAGE,
    filer_settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE,
]
ADMIN_THUMBNAIL_SIZE = (120, 120)  # filer's admin icons are square crops
SITE_ENVIRON: dict[str, str] = {}  # a site whose admin takes uploads needs nothing more than the project
CLIPBOARD_UPLOAD = "/admin/filer/clipboard/operations/upload/no_folder/"  # where filer's uploader sends files


def filer_lookup_options(image) -> list[dict]:
    """The options django-filer's own lookups pass for an image, as filer 3.6 writes them (its default sizes).

    Its admin's icons (folder listing, FilerImageField widget, icon view: file_icon), the change page's
    preview (210 wide at the image's proportions, and twice that), image.icons and image.thumbnails (these
    two with the focal point; they share the 32 and 48 crops).
    """
    focal = {"subject_location": image.subject_location}
    preview = (210, math.ceil(210 / image.width * image.height))
    return [
        *({"size": (size, size), "crop": True} for size in (40, 80, 120, 240)),
        {"size": preview, "upscale": True},
        {"size": (420, 2 * preview[1]), "upscale": True},
        *({"size": (size, size), "crop": True, "upscale": True, **focal} for size in (16, 32, 48, 64)),
        {"size": (210, 0), "upscale": True, **focal},
    ]


def filer_upload(client, name: str, data: bytes) -> dict:
    """An upload through filer's admin, as an editor makes it: filer's answer (file_id, thumbnail_180, ...)."""
    upload = SimpleUploadedFile(name, data, content_type(name))
    response = client.post(reverse("admin:filer-ajax_upload"), {"file": upload})
    assert response.status_code == 200, response.content
    return response.json()


def admin_upload(client, name: str, data: bytes) -> FieldFile:
    """An upload through the admin with Django's test client: the stored file (its model is ``.instance``)."""
    return Image.objects.get(pk=filer_upload(client, name, data)["file_id"]).file


def upload_over_http(session: AdminSession, name: str, data: bytes) -> requests.Response:
    """An upload through the admin of a running site, as filer's uploader sends it."""
    files = {"file": (name, data, content_type(name))}
    return session.post(CLIPBOARD_UPLOAD, files=files, headers={"X-CSRFToken": session.csrf_token})


def admin_thumbnail_url(session: AdminSession, name: str, uploaded: requests.Response) -> str:
    """The thumbnail this site's admin shows for an upload (made by this site if need be)."""
    assert uploaded.status_code == 200, uploaded.text[:500]
    listing = session.get("/admin/filer/folder/unfiled_images/")
    assert name in listing.text
    icon = session.get(uploaded.json()["thumbnail_180"], allow_redirects=False)  # filer's icon view redirects
    assert icon.status_code == 302
    return icon.headers["Location"]


def original_url(s3_server, name: str, uploaded: requests.Response) -> str:
    """The uploaded original's URL, as filer answered it (the original is in the media bucket)."""
    assert any(key.endswith(name) for key in s3_server.object_names())
    return uploaded.json()["original_image"]


def upload_in_browser(page, site_url: str, picture: Path) -> None:
    """Upload through filer's own uploader, then open the image's page (which shows its thumbnail).

    The uploader sends the file straight to the bucket (mediakit/uploads) once the page has loaded and the
    site has given it a ticket: the test waits for that, so that it always takes the same path.
    """
    page.goto(f"{site_url}/admin/filer/folder/unfiled_images/")
    page.wait_for_function("() => document.querySelector('.js-upload-button').dropzone.mediakitDirect")
    with page.expect_response(lambda response: "/uploads/filer/file/" in response.url) as upload:
        page.set_input_files("input[type=file]", picture)
    assert upload.value.status == 200
    page.wait_for_url("**order_by=-modified_at**")  # when done, filer reloads the folder, newest first
    assert_every_thumbnail_loaded(page)  # the folder listing's icons (filer's icon view redirects to S3)
    page.click("a[href^='/admin/filer/image/'][href$='/change/']")


def filer_image_without_thumbnails(name: str, data: bytes) -> Image:
    """A filer image as an import or a migration leaves it: stored and in the database, no thumbnail made."""
    from easy_thumbnails.signals import saved_file

    from mediakit.thumbnails.signal_handlers import make_thumbnails_on_upload

    saved_file.disconnect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
    try:
        return Image.objects.create(file=ContentFile(data, name=name), original_filename=name)
    finally:
        saved_file.connect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
{%- else %}


ADMIN_THUMBNAIL_SIZE = (120, 90)  # the gallery's preview keeps the image's proportions
# A site whose admin takes uploads: the project plus a test-only model with an image (the project has none).
SITE_ENVIRON = {"DJANGO_SETTINGS_MODULE": "tests.gallery.settings"}
ADD_PHOTO = "/admin/gallery/photo/add/"


def admin_upload(client, name: str, data: bytes) -> FieldFile:
    """An upload through the admin with Django's test client: the stored file (its model is ``.instance``)."""
    upload = SimpleUploadedFile(name, data, content_type(name))
    response = client.post(reverse("admin:gallery_photo_add"), {"title": name, "image": upload})
    assert response.status_code == 302, response.content
    return Photo.objects.get(title=name).image


def upload_over_http(session: AdminSession, name: str, data: bytes) -> requests.Response:
    """An upload through the admin of a running site: the gallery's add form (titled with the file's name)."""
    return session.post(
        ADD_PHOTO,
        data={"title": name, "csrfmiddlewaretoken": session.csrf_token},
        files={"image": (name, data, content_type(name))},
        allow_redirects=False,
    )


def admin_thumbnail_url(session: AdminSession, name: str, uploaded: requests.Response) -> str:
    """The thumbnail this site's admin shows for an upload (made by this site if need be)."""
    assert uploaded.status_code == 302, uploaded.text[:500]
    listing = session.get("/admin/gallery/photo/")  # the list shows a preview of each photo
    assert name in listing.text
    return listing.text.split('class="preview" src="')[1].split('"')[0]


def original_url(s3_server, name: str, uploaded: requests.Response) -> str:
    """The uploaded original's URL in the media bucket (the gallery's add form answers with a redirect)."""
    assert uploaded.status_code == 302, uploaded.text[:500]
    original = next(key for key in s3_server.object_names() if key.endswith(name))
    return f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/{original}"


def upload_in_browser(page, site_url: str, picture: Path) -> None:
    """Upload through the gallery's add form, then see the list (which shows a preview of each photo)."""
    page.goto(f"{site_url}{ADD_PHOTO}")
    page.fill("#id_title", picture.name)
    page.set_input_files("#id_image", picture)
    page.click("input[name=_save]")
    page.wait_for_url(f"{site_url}/admin/gallery/photo/")


def photo_upload(name: str, data: bytes) -> Photo:
    """A photo saved with an uploaded file, as a form or the admin saves it."""
    photo = Photo(title=name, image=SimpleUploadedFile(name, data, "image/jpeg"))
    photo.save()
    return photo


def photos_without_thumbnails(files: dict[str, bytes]) -> list[Photo]:
    """Photos as an import or a migration leaves them: stored and in the database, no thumbnail made."""
    stored = {name: storages["default"].save(f"photos/{name}", ContentFile(data)) for name, data in files.items()}
    return Photo.objects.bulk_create(Photo(title=name, image=path) for name, path in stored.items())
{%- endif %}
