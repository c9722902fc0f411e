"""easy-thumbnails on the media storage, against a real S3 server: where thumbnails land, and what they cost."""

import io
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template import Context, Template
from easy_thumbnails.files import get_thumbnailer
from PIL import Image, UnidentifiedImageError

from ..support.http_client import fetch
from ..support.images import JPEG, LARGE_JPEG, PNG_TRANSPARENT, image_size
from ..support.s3_requests import s3_requests

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "data", "box", "expected_size", "expected_format"),
    [
        ("photos/cat.jpg", JPEG, (200, 200), (200, 150), "JPEG"),
        ("photos/logo.png", PNG_TRANSPARENT, (100, 100), (100, 75), "PNG"),
        ("photos/large.jpg", LARGE_JPEG, (300, 300), (300, 225), "JPEG"),
    ],
)
def test_thumbnail_is_in_the_bucket_and_loads(s3_server, name, data, box, expected_size, expected_format):
    source = storages["default"].save(name, ContentFile(data))

    thumbnail = get_thumbnailer(storages["default"], source).get_thumbnail({"size": box})

    assert thumbnail.name in s3_server.object_names()
    assert thumbnail.url.startswith(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
    image = Image.open(io.BytesIO(fetch(thumbnail.url).body))  # its format and pixels too, not only its size
    assert (image.size, image.format) == (expected_size, expected_format)
    assert (thumbnail.width, thumbnail.height) == expected_size
    if expected_format == "PNG":
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0  # transparency kept


# Three sizes of one 800x600 image: (box, the thumbnail's size)
SIZES = [((40, 40), (40, 30)), ((120, 120), (120, 90)), ((300, 200), (267, 200))]


def assert_in_bucket_and_loads(s3_server, url: str, size: tuple[int, int]) -> None:
    assert url.startswith(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
    assert url.removeprefix(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/") in s3_server.object_names()
    assert image_size(fetch(url).body) == size


def image_field_file(name: str) -> ImageFieldFile:
    """The file as a model's ImageField holds it: easy-thumbnails then reads it through one file
    object, closed after each thumbnail and opened again for the next."""
    field = models.ImageField(storage=storages["default"])
    field.name = "image"
    return ImageFieldFile(None, field, name)


def test_every_size_of_one_image_with_get_thumbnailer(s3_server):
    source = storages["default"].save("photos/harbour.jpg", ContentFile(JPEG))
    thumbnailer = get_thumbnailer(image_field_file(source))

    thumbnails = [thumbnailer.get_thumbnail({"size": box}) for box, _ in SIZES]

    assert len({thumbnail.name for thumbnail in thumbnails}) == len(SIZES)
    for thumbnail, (_, size) in zip(thumbnails, SIZES, strict=True):
        assert (thumbnail.width, thumbnail.height) == size
        assert_in_bucket_and_loads(s3_server, thumbnail.url, size)


def render(template: str, **context) -> str:
    """Render a Django template written with <% %> and << >>: this file is itself a cookiecutter
    (Jinja) template, and no Django tag may be left in a generated project."""
    for jinja_safe, django in [("<%", "{" + "%"), ("%>", "%" + "}"), ("<<", "{" + "{"), (">>", "}" + "}")]:
        template = template.replace(jinja_safe, django)
    return Template(template).render(Context(context))


def test_every_size_of_one_image_with_the_template_tag(s3_server):
    source = storages["default"].save("photos/quay.jpg", ContentFile(JPEG))
    tag = "<% thumbnail source {}x{} as t %><< t.url >> << t.width >>x<< t.height >>\n"
    tags = "".join(tag.format(*box) for box, _ in SIZES)

    rendered = render("<% load thumbnail %>" + tags, source=image_field_file(source))

    lines = rendered.splitlines()
    assert len(lines) == len(SIZES)
    for line, (_, size) in zip(lines, SIZES, strict=True):
        url, dimensions = line.split()
        assert dimensions == "{}x{}".format(*size)
        assert_in_bucket_and_loads(s3_server, url, size)


def test_a_thumbnail_that_cannot_be_made_is_logged_with_name_and_reason(s3_server, caplog):
    source = storages["default"].save("photos/broken.jpg", ContentFile(b"not an image at all"))
    with caplog.at_level(logging.ERROR), pytest.raises(UnidentifiedImageError):
        get_thumbnailer(storages["default"], source).get_thumbnail({"size": (50, 50)})
    assert f"Cannot make a thumbnail of {source}: UnidentifiedImageError: cannot identify image file" in caplog.text
    # The template tag shows nothing for it, but the log still says why.
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        rendered = render(
            "<% load thumbnail %><% thumbnail source 50x50 %>", source=get_thumbnailer(storages["default"], source)
        )
    assert rendered == ""
    assert f"Cannot make a thumbnail of {source}" in caplog.text


def test_thumbnail_requests_first_and_cached(s3_server):
    media, thumbnails = storages["default"], storages["easy_thumbnails"]
    source = media.save("photos/dog.jpg", ContentFile(JPEG))

    with s3_requests(media, thumbnails) as first:
        thumbnail = get_thumbnailer(media, source).get_thumbnail({"size": (120, 120)})
    # Read the source, then easy-thumbnails' delete-before-save, then write the thumbnail.
    assert first == [f"GET {source}", f"DELETE {thumbnail.name}", f"PUT {thumbnail.name}"]

    with s3_requests(media, thumbnails) as cached:
        again = get_thumbnailer(media, source).get_thumbnail({"size": (120, 120)})
        assert (again.url, again.width, again.height) == (thumbnail.url, 120, 90)
    assert cached == []


def test_nothing_lands_on_local_disk(s3_server, settings):
    source = storages["default"].save("photos/local.jpg", ContentFile(JPEG))
    get_thumbnailer(storages["default"], source).get_thumbnail({"size": (50, 50)})
    assert settings.MEDIA_ROOT == ""
    assert not (settings.BASE_DIR / "media").exists()


def test_check_refuses_the_ignored_old_setting(settings):
    from mediakit.checks import check_thumbnail_storage

    settings.THUMBNAIL_DEFAULT_STORAGE = "storages.backends.s3.S3Storage"
    assert [error.id for error in check_thumbnail_storage(None)] == ["storage.E001"]


def test_check_refuses_thumbnails_elsewhere(monkeypatch, tmp_path):
    import easy_thumbnails.storage
    from django.core.files.storage import FileSystemStorage

    from mediakit.checks import check_thumbnail_storage

    assert check_thumbnail_storage(None) == []
    monkeypatch.setattr(easy_thumbnails.storage, "thumbnail_default_storage", FileSystemStorage(tmp_path))
    errors = check_thumbnail_storage(None)
    assert [error.id for error in errors] == ["storage.E002"]
    assert str(tmp_path) in errors[0].msg
