"""Images saved as a site saves them (so the upload hook runs), or put in place behind its back (so it does not)."""

from django.core.files.base import ContentFile
{%- if not cookiecutter.use_filer %}
from django.core.files.storage import storages
{%- endif %}
from django.core.files.uploadedfile import SimpleUploadedFile
{%- if cookiecutter.use_filer %}
from django.urls import reverse
from filer import settings as filer_settings
from filer.models import Image

# The sizes django-filer's admin asks for; settings.THUMBNAIL_ALIASES["filer"] makes them ahead of time.
FILER_ICON_SIZES = filer_settings.DEFERRED_THUMBNAIL_SIZES
FILER_STORAGES = [
    filer_settings.FILER_PUBLICMEDIA_STORAGE,
    filer_settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE,
    filer_settings.FILER_PRIVATEMEDIA_STORAGE,
    filer_settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE,
]


def filer_upload(client, name: str, data: bytes) -> Image:
    """An upload through filer's admin, as an editor makes it."""
    upload = SimpleUploadedFile(name, data, "image/png" if name.endswith(".png") else "image/jpeg")
    response = client.post(reverse("admin:filer-ajax_upload"), {"file": upload})
    assert response.status_code == 200, response.content
    return Image.objects.get(pk=response.json()["file_id"])


def filer_image_without_thumbnails(name: str, data: bytes) -> Image:
    """A filer image as an import or a migration leaves it: stored and in the database, no thumbnail made."""
    from easy_thumbnails.signals import saved_file

    from {{ cookiecutter.project_slug }}.thumbnails import make_thumbnails_on_upload

    saved_file.disconnect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
    try:
        return Image.objects.create(file=ContentFile(data, name=name), original_filename=name)
    finally:
        saved_file.connect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
{%- else %}

from tests.gallery.models import Photo


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
