"""manage.py warm_thumbnails against a real S3 server: what it makes, records, costs and prints."""

import io
import re

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import get_thumbnailer
from easy_thumbnails.models import Thumbnail
from easy_thumbnails.options import ThumbnailOptions

from ..support.http_client import fetch
from ..support.images import image_bytes, image_size
from ..support.s3_requests import s3_requests
{%- if cookiecutter.use_filer %}
from ..support.upload_helpers import FILER_STORAGES, filer_image_without_thumbnails, filer_lookup_options

WATCHED = [storages["default"], *FILER_STORAGES]
THUMBNAIL_STORAGE = FILER_STORAGES[1]  # filer's public thumbnails
ALIAS_TARGET = "filer.Image.file"
ALIASES = ["large", "medium", "small"]
# And what filer asks for itself: 4 admin icons, the change page's preview (2), image.icons and image.thumbnails (5).
PER_IMAGE = len(ALIASES) + 4 + 2 + 5
FIELD = "file"
TEMPLATE = '{% raw %}{% load thumbnail %}{% for image in images %}{% thumbnail image "small" %} {% endfor %}{% endraw %}'
{%- else %}
from ..support.upload_helpers import photos_without_thumbnails

WATCHED = [storages["default"], storages["easy_thumbnails"]]
THUMBNAIL_STORAGE = storages["easy_thumbnails"]
ALIAS_TARGET = "gallery.Photo.image"
ALIASES = ["large", "medium", "small"]
PER_IMAGE = len(ALIASES)
FIELD = "image"
TEMPLATE = '{% raw %}{% load thumbnail %}{% for photo in images %}{% thumbnail photo.image "small" %} {% endfor %}{% endraw %}'
{%- endif %}

pytestmark = pytest.mark.django_db
SUMMARY = re.compile(
    r"warm_thumbnails: (?P<verb>made|would make) (?P<thumbnails>\d+) thumbnails of (?P<images>\d+) images "
    r"\((?P<skipped>\d+) already had theirs, (?P<failed>\d+) failed\) in \d+\.\d s"
)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def warm(*args, **options) -> tuple[str, str]:
    out, err = options.pop("stdout", io.StringIO()), io.StringIO()
    call_command("warm_thumbnails", *args, stdout=out, stderr=err, **{"processes": 1, **options})
    return out.getvalue(), err.getvalue()


def summary(output: str) -> dict:
    """The figures of the last line (the summary; on a terminal the bar's redraws come before it)."""
    match = SUMMARY.fullmatch(output.splitlines()[-1])
    assert match and output.endswith("\n"), output
    return {key: value if key == "verb" else int(value) for key, value in match.groupdict().items()}


@pytest.fixture
def images(s3_server):
    """Two images stored and in the database, with no thumbnail yet (as after an import)."""
{%- if cookiecutter.use_filer %}
    return [
        filer_image_without_thumbnails("cat.jpg", image_bytes("JPEG", (64, 48))),
        filer_image_without_thumbnails("logo.png", image_bytes("PNG", (48, 64), "RGBA")),
    ]
{%- else %}
    return photos_without_thumbnails(
        {"cat.jpg": image_bytes("JPEG", (64, 48)), "logo.png": image_bytes("PNG", (48, 64), "RGBA")}
    )
{%- endif %}


def source_of(image):
{%- if cookiecutter.use_filer %}
    return image
{%- else %}
    return image.image
{%- endif %}


def original(image) -> str:
{%- if cookiecutter.use_filer %}
    return image.file.name
{%- else %}
    return image.image.name
{%- endif %}


def expected_names(image, only=None) -> set[str]:
    """The names of the aliases (all, or only these){% if cookiecutter.use_filer %}, and with all of them what filer's own lookups ask for{% endif %}."""
    thumbnailer = get_thumbnailer(source_of(image))
    transparent = original(image).endswith(".png")
    options = [ThumbnailOptions(aliases.get(alias, ALIAS_TARGET)) for alias in only or ALIASES]
{%- if cookiecutter.use_filer %}
    if only is None:
        options += [ThumbnailOptions(wanted) for wanted in filer_lookup_options(image)]
{%- endif %}
    return {thumbnailer.get_thumbnail_name(wanted, transparent) for wanted in options}


def test_warms_every_alias_with_one_get_per_image_and_one_put_per_thumbnail(s3_server, images):
    assert Thumbnail.objects.count() == 0
    with s3_requests(*WATCHED) as sent:
        output, errors = warm()

    names = set().union(*(expected_names(image) for image in images))
    assert len(names) == 2 * PER_IMAGE
    assert summary(output) == {"verb": "made", "thumbnails": len(names), "images": 2, "skipped": 0, "failed": 0}
    assert errors == ""
    originals = [original(image) for image in images]
    assert sorted(sent) == sorted([f"GET {name}" for name in originals] + [f"PUT {name}" for name in names])
    assert names <= set(s3_server.object_names())
    recorded = {thumbnail.name: thumbnail.dimensions.size for thumbnail in Thumbnail.objects.all()}
    assert set(recorded) == names

    with s3_requests(*WATCHED) as page:  # a page showing them: names and sizes from the database
        for image in images:
            for alias in ALIASES:
                thumbnail = get_thumbnailer(source_of(image)).get_thumbnail(aliases.get(alias, ALIAS_TARGET))
                assert recorded[thumbnail.name] == (thumbnail.width, thumbnail.height)
        html = Template(TEMPLATE).render(Context({"images": images}))
    assert page == []
    small = [get_thumbnailer(source_of(image)).get_thumbnail(aliases.get("small")).name for image in images]
    assert html.split() == [THUMBNAIL_STORAGE.url(name) for name in small]


def test_a_second_run_skips_what_is_recorded_and_force_makes_it_again(s3_server, images):
    warm()
    with s3_requests(*WATCHED) as sent:
        output, _ = warm()
    assert sent == []
    assert summary(output) == {"verb": "made", "thumbnails": 0, "images": 0, "skipped": 2, "failed": 0}

    first = {thumbnail.name: thumbnail.modified for thumbnail in Thumbnail.objects.all()}
    with s3_requests(*WATCHED) as sent:
        output, _ = warm(force=True)
    assert summary(output)["thumbnails"] == len(first)
    assert len([request for request in sent if request.startswith("PUT")]) == len(first)
    assert all(thumbnail.modified > first[thumbnail.name] for thumbnail in Thumbnail.objects.all())


def every_lookup_is_free(images, *more_aliases: str) -> bool:
    """Whether every alias of every image{% if cookiecutter.use_filer %} (and what filer asks for itself){% endif %} is found as made, with no request."""
    with s3_requests(*WATCHED) as sent:
        for image in images:
            thumbnailer = get_thumbnailer(source_of(image))
            for name in expected_names(image) | (expected_names(image, more_aliases) if more_aliases else set()):
                assert thumbnailer.thumbnail_exists(name), name
        Template(TEMPLATE.replace('"small"', '"medium"')).render(Context({"images": images}))
    return sent == []


@pytest.mark.parametrize("options", [{"aliases": ["small"], "force": True}, {"force": True}, {"aliases": ["medium"]}])
def test_making_some_thumbnails_leaves_the_others_current(s3_server, images, options):
    warm()
    made_first = {thumbnail.name: thumbnail.modified for thumbnail in Thumbnail.objects.all()}

    output, _ = warm(**options)

    assert every_lookup_is_free(images)
    again, _ = warm()  # nothing new: nothing made
    assert summary(again) == {"verb": "made", "thumbnails": 0, "images": 0, "skipped": 2, "failed": 0}
    remade = [thumbnail for thumbnail in Thumbnail.objects.all() if thumbnail.modified > made_first[thumbnail.name]]
    assert len(remade) == summary(output)["thumbnails"]


def test_a_new_alias_is_made_alone_and_the_others_stay_current(s3_server, images, monkeypatch):
    warm()
    tiny = {"size": (20, 20), "crop": True{% if cookiecutter.use_filer %}, "ALIAS": "tiny"{% endif %}}
    monkeypatch.setitem(aliases._aliases, "", {**aliases._aliases[""], "tiny": tiny})

    with s3_requests(*WATCHED) as sent:
        output, _ = warm()

    assert summary(output) == {"verb": "made", "thumbnails": 2, "images": 2, "skipped": 0, "failed": 0}
    assert sorted(request.split()[0] for request in sent) == ["GET", "GET", "PUT", "PUT"]
    assert every_lookup_is_free(images, "tiny")


def test_a_new_file_for_an_image_makes_every_thumbnail_again(s3_server, images):
    warm()
    image = images[0]
    replaced = image_bytes("JPEG", (600, 400))
    setattr(image, FIELD, SimpleUploadedFile("cat.jpg", replaced, "image/jpeg"))
    image.save()  # as the admin saves a new file for it: its thumbnails are made at once, from the new bytes
    image = type(image).objects.get(pk=image.pk)

    assert every_lookup_is_free([image])
    small = get_thumbnailer(source_of(image)).get_thumbnail(aliases.get("small", ALIAS_TARGET))
    medium = get_thumbnailer(source_of(image)).get_thumbnail(aliases.get("medium", ALIAS_TARGET))
    assert (small.width, small.height, medium.width, medium.height) == (160, 160, 480, 320)
    assert image_size(fetch(medium.url).body) == (480, 320)


def test_dry_run_counts_and_sends_nothing(s3_server, images):
    with s3_requests(*WATCHED) as sent:
        output, _ = warm(dry_run=True)
    assert sent == []
    assert Thumbnail.objects.count() == 0
    expected = {"verb": "would make", "thumbnails": 2 * PER_IMAGE, "images": 2, "skipped": 0, "failed": 0}
    assert summary(output) == expected


def test_only_the_fields_and_aliases_named(s3_server, images):
{%- if cookiecutter.use_filer %}
    label = "filer.Image.file"
{%- else %}
    label = "gallery.Photo.image"
{%- endif %}
    output, _ = warm(label, aliases=["small", "medium"])
    assert summary(output)["thumbnails"] == 4
    names = set().union(*(expected_names(image, ["small", "medium"]) for image in images))
    assert {thumbnail.name for thumbnail in Thumbnail.objects.all()} == names


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["gallery.Photo"], {}, "'gallery.Photo' is not app_label.Model.field (e.g. shop.Product.photo)."),
        (["nowhere.Photo.image"], {}, "'nowhere.Photo.image': No installed app with label 'nowhere'."),
        (["auth.User.username"], {}, "'auth.User.username' is not an image field."),
        ([], {"aliases": ["huge"]}, "Unknown alias 'huge': THUMBNAIL_ALIASES names " + ", ".join(ALIASES) + "."),
        ([], {"workers": 0}, "--workers and --processes take a whole number of at least 1."),
    ],
)
def test_bad_arguments_get_a_one_line_error(args, options, message):
    with pytest.raises(CommandError) as error:
        warm(*args, **options)
    assert str(error.value) == message


def test_failures_are_listed_and_the_rest_is_made(s3_server, images):
    broken = original(images[0])
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=broken, Body=b"not an image")
    missing = original(images[1])
    s3_server.client().delete_object(Bucket=s3_server.MEDIA_BUCKET, Key=missing)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("warm_thumbnails", stdout=out, stderr=err, processes=1)

    assert str(error.value) == "2 of 2 images failed (listed above); run again to retry them."
    lines = err.getvalue().splitlines()
    assert len(lines) == 2 * PER_IMAGE
    # Image by image, in the order of their names (not the order the failures came in), each alias once.
    assert [line.split(" (")[0] for line in lines] == sorted([broken] * PER_IMAGE + [missing] * PER_IMAGE)
    for name, why in ((broken, r"\w+Error: .+"), (missing, r".*NoSuchKey.*")):
        assert all(re.fullmatch(rf"{re.escape(name)} \(\w+\): {why}", line) for line in lines if name in line)
    assert summary(out.getvalue())["failed"] == 2
    assert Thumbnail.objects.count() == 0


def test_a_progress_bar_on_a_terminal(s3_server, images):
    output, _ = warm(stdout=Terminal())
    assert output.startswith("\r[")
    assert output.splitlines()[-2] == f"[{'#' * 30}] 2/2 images, {2 * PER_IMAGE} thumbnails, 0 failed"
    assert summary(output)["images"] == 2


def test_renders_on_several_processes(s3_server, images):
    output, _ = warm(processes=2)
    assert summary(output)["thumbnails"] == 2 * PER_IMAGE
    names = set().union(*(expected_names(image) for image in images))
    assert {thumbnail.name for thumbnail in Thumbnail.objects.all()} == names
    assert names <= set(s3_server.object_names())
