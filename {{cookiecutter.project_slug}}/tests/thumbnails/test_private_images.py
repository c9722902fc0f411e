"""Thumbnails of private images stay private, against a real S3 server: in the private bucket, with
the private ACL, and served only by signed URLs (an anonymous request is refused), by every way of
making one."""

from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template import Context, Template
from easy_thumbnails.fields import ThumbnailerImageField
from easy_thumbnails.files import Thumbnailer, ThumbnailerFieldFile, get_thumbnailer

from mediakit.thumbnails.private import PrivateImageField, PrivateThumbnailError

from ..support.http_client import fetch
from ..support.images import JPEG

pytestmark = pytest.mark.django_db
EVERYONE = "http://acs.amazonaws.com/groups/global/AllUsers"


class Owner:
    """Stands in for a model instance: a field file only needs one to belong to."""


def field_file(field, name: str) -> ImageFieldFile:
    field.set_attributes_from_name("image")
    return field.attr_class(Owner(), field, name)


def thumbnail_by_storage(name):
    return get_thumbnailer(storages["private"], name).get_thumbnail({"size": (80, 80)})


def thumbnail_by_plain_field(name):
    return get_thumbnailer(field_file(models.ImageField(storage=storages["private"]), name)).get_thumbnail(
        {"size": (80, 80)}
    )


def thumbnail_by_opened_file(name):
    with storages["private"].open(name) as opened:
        return get_thumbnailer(opened, relative_name=name).get_thumbnail({"size": (80, 80)})


def thumbnail_by_thumbnailer_field_file(name):
    field = models.ImageField(storage=storages["private"])
    field.set_attributes_from_name("image")
    return ThumbnailerFieldFile(Owner(), field, name).get_thumbnail({"size": (80, 80)})


def thumbnail_by_private_field(name):
    return field_file(PrivateImageField(), name).get_thumbnail({"size": (80, 80)})


# Django template delimiters, spelled so that this file holds none (it is itself rendered by Jinja).
TAG, END_TAG, VARIABLE, END_VARIABLE = "{" + "%", "%" + "}", "{" * 2, "}" * 2


def thumbnail_by_template_tag(name):
    template = Template(
        f"{TAG} load thumbnail {END_TAG}{TAG} autoescape off {END_TAG}{TAG} thumbnail image 80x80 as thumb {END_TAG}"
        f"{VARIABLE} thumb.name {END_VARIABLE} {VARIABLE} thumb.url {END_VARIABLE}{TAG} endautoescape {END_TAG}"
    )
    rendered = template.render(Context({"image": field_file(models.ImageField(storage=storages["private"]), name)}))
    thumbnail_name, url = rendered.split()
    return SimpleNamespace(name=thumbnail_name, url=url)


@pytest.mark.parametrize(
    "make_thumbnail",
    [
        thumbnail_by_storage,
        thumbnail_by_plain_field,
        thumbnail_by_private_field,
        thumbnail_by_template_tag,
        thumbnail_by_opened_file,
        thumbnail_by_thumbnailer_field_file,
    ],
)
def test_a_private_images_thumbnail_is_private(s3_server, make_thumbnail):
    name = storages["private"].save("scans/passport.jpg", ContentFile(JPEG))

    thumbnail = make_thumbnail(name)

    assert s3_server.object_names(s3_server.MEDIA_BUCKET) == []  # nothing in the public bucket
    assert sorted(s3_server.object_names(s3_server.PRIVATE_BUCKET)) == sorted([name, thumbnail.name])
    grants = s3_server.client().get_object_acl(Bucket=s3_server.PRIVATE_BUCKET, Key=thumbnail.name)["Grants"]
    assert all(grant["Grantee"].get("URI") != EVERYONE for grant in grants)
    url = thumbnail.url
    assert "Signature=" in url
    assert fetch(url).status == 200
    assert fetch(url.split("?")[0]).status == 403  # anonymous: refused


def refused_by_explicit_thumbnailer(name):
    thumbnailer = Thumbnailer(name=name, source_storage=storages["private"], thumbnail_storage=storages["default"])
    return thumbnailer.get_thumbnail({"size": (80, 80)})


def refused_by_field_with_public_thumbnails(name):
    field = ThumbnailerImageField(storage=storages["private"], thumbnail_storage=storages["default"])
    return field_file(field, name).get_thumbnail({"size": (80, 80)})


@pytest.mark.parametrize("make_thumbnail", [refused_by_explicit_thumbnailer, refused_by_field_with_public_thumbnails])
def test_a_public_thumbnail_of_a_private_image_is_refused_before_it_is_written(s3_server, make_thumbnail):
    name = storages["private"].save("scans/passport.jpg", ContentFile(JPEG))
    with pytest.raises(PrivateThumbnailError, match="Refusing to write a thumbnail of the private file"):
        make_thumbnail(name)
    assert s3_server.object_names(s3_server.MEDIA_BUCKET) == []
    assert s3_server.object_names(s3_server.PRIVATE_BUCKET) == [name]


def test_public_thumbnails_stay_public(s3_server):
    name = storages["default"].save("photos/cat.jpg", ContentFile(JPEG))
    thumbnail = get_thumbnailer(storages["default"], name).get_thumbnail({"size": (80, 80)})
    assert thumbnail.name in s3_server.object_names(s3_server.MEDIA_BUCKET)
    assert fetch(thumbnail.url).status == 200
