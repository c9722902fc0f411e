"""django-filer on the media storage{% if cookiecutter.private_media %} (and private files on the private storage){% endif %}, against a real S3 server."""

import io
import logging
from datetime import UTC, datetime

import pytest
from django.core.files.storage import storages
from filer import settings as filer_settings
from filer.models import Image as FilerImage
from PIL import Image
from PIL.ExifTags import IFD, Base

from ..support.http_client import fetch
from ..support.images import JPEG, PNG_TRANSPARENT, image_size
from ..support.s3_requests import s3_requests
from ..support.upload_helpers import FILER_STORAGES, filer_image_without_thumbnails, filer_upload

pytestmark = pytest.mark.django_db
EXIF_IFD, DATE_TIME_ORIGINAL = IFD.Exif, Base.DateTimeOriginal


def test_admin_upload_and_its_thumbnail_land_in_the_bucket(s3_server, admin_client):
    with s3_requests(storages["default"], *FILER_STORAGES) as sent:
        uploaded = filer_upload(admin_client, "cat.jpg", JPEG)
        icon = admin_client.get(uploaded["thumbnail_180"])

    image = FilerImage.objects.get(pk=uploaded["file_id"])
    original = image.file.name
    assert original.startswith("filer_public/")
    thumbnail = icon["Location"].removeprefix(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
    assert thumbnail.startswith(f"filer_public_thumbnails/{original}__120x120")
    assert {original, thumbnail} <= set(s3_server.object_names())
    assert fetch(uploaded["original_image"]).body == JPEG
    assert image_size(fetch(icon["Location"]).body) == (120, 120)
    # One PUT (filer's EXIF comes from the upload in hand, no read); the admin icon was made at upload with
    # the other sizes (tests/test_upload_thumbnails.py): no read.
    assert sent[0] == f"PUT {original}"
    assert f"PUT {thumbnail}" in sent[1:]
    assert all(request.startswith("PUT filer_public_thumbnails/") for request in sent[1:])


def test_the_date_taken_comes_from_the_upload_exif_with_no_request(s3_server, admin_client):
    picture = Image.new("RGB", (64, 48), "green")
    exif = picture.getexif()
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = "2021:05:04 03:02:01"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)

    with s3_requests(storages["default"], *FILER_STORAGES) as sent:
        uploaded = filer_upload(admin_client, "beach.jpg", buffer.getvalue())

    image = FilerImage.objects.get(pk=uploaded["file_id"])
    assert image.date_taken == datetime(2021, 5, 4, 3, 2, 1, tzinfo=UTC)  # the photo's, not the upload's time
    assert not [request for request in sent if not request.startswith("PUT ")]


def test_every_admin_icon_and_filer_thumbnail_of_one_image(s3_server, admin_client):
    uploaded = filer_upload(admin_client, "harbour.jpg", JPEG)
    image = FilerImage.objects.get(pk=uploaded["file_id"])
    original = image.file.name
    prefix = f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/"

    with s3_requests(*FILER_STORAGES) as sent:
        icons = image.icons  # filer swallows a failure: a missing size is the only sign
        thumbnails = image.thumbnails

    assert list(icons) == filer_settings.FILER_ADMIN_ICON_SIZES
    assert sorted(thumbnails) == sorted(FilerImage.DEFAULT_THUMBNAILS)
    for size, url in icons.items():
        assert url.removeprefix(prefix) in s3_server.object_names()
        assert image_size(fetch(url).body) == (int(size), int(size))
    for name, url in thumbnails.items():
        assert url.removeprefix(prefix) in s3_server.object_names()
        width, height = image_size(fetch(url).body)
        assert width <= FilerImage.DEFAULT_THUMBNAILS[name]["size"][0] and height > 0, name
    assert original in s3_server.object_names()
    assert sent == []  # made at upload, with the aliases (thumbnails/test_thumbnail_lookups.py counts every lookup)


def test_an_icon_that_cannot_be_made_is_logged_not_swallowed(s3_server, caplog):
    image = filer_image_without_thumbnails("harbour.jpg", JPEG)
    original = image.file.name
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=original, Body=b"damaged in the bucket")

    with caplog.at_level(logging.ERROR):
        assert image.icons == {}  # filer swallows the failure...
    # ... but the log names the file and the reason, once per size.
    reason = f"Cannot make a thumbnail of {original}: UnidentifiedImageError: cannot identify image file"
    assert caplog.text.count(reason) == len(filer_settings.FILER_ADMIN_ICON_SIZES)


def test_cached_filer_thumbnail_costs_no_request(s3_server, admin_client):
    uploaded = filer_upload(admin_client, "logo.png", PNG_TRANSPARENT)
    image = FilerImage.objects.get(pk=uploaded["file_id"])
    first = image.file.get_thumbnail({"size": (64, 64), "crop": True})
    assert first.name in s3_server.object_names()

    with s3_requests(*FILER_STORAGES) as sent:
        image = FilerImage.objects.get(pk=uploaded["file_id"])
        again = image.file.get_thumbnail({"size": (64, 64), "crop": True})
        assert (again.url, again.width, again.height) == (first.url, 64, 64)
    assert sent == []


def test_private_files_are_stored_privately_with_signed_urls(s3_server, admin_client):
    uploaded = filer_upload(admin_client, "contract.png", PNG_TRANSPARENT)
    image = FilerImage.objects.get(pk=uploaded["file_id"])
    image.is_public = False
    image.save()  # filer moves the file to its private storage
    image.refresh_from_db()
{%- if cookiecutter.private_media %}
    bucket = s3_server.PRIVATE_BUCKET
{%- else %}
    bucket = s3_server.MEDIA_BUCKET
{%- endif %}

    assert image.file.name.startswith("filer_private/")
    assert image.file.name in s3_server.object_names(bucket)
    assert not any(key.startswith("filer_public/") for key in s3_server.object_names())
    assert "Signature=" in image.url
    assert fetch(image.url).body == PNG_TRANSPARENT
    thumbnail = image.file.get_thumbnail({"size": (32, 32)})
    assert thumbnail.name.startswith("filer_private_thumbnails/")
    assert thumbnail.name in s3_server.object_names(bucket)


def test_check_refuses_a_filer_storage_without_a_bucket(monkeypatch):
    from storages.backends.s3 import S3Storage

    from mediakit.checks import check_thumbnail_storage

    assert check_thumbnail_storage(None) == []
    monkeypatch.setattr(filer_settings, "FILER_PUBLICMEDIA_THUMBNAIL_STORAGE", S3Storage())
    errors = check_thumbnail_storage(None)
    assert [error.id for error in errors] == ["storage.E003"]
    assert "FILER_PUBLICMEDIA_THUMBNAIL_STORAGE is an S3 storage without a bucket" in errors[0].msg
