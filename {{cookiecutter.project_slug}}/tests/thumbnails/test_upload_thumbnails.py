"""Thumbnails made at upload, against a real S3 server: every alias from the uploaded bytes, written
concurrently, recorded so that pages find them with no request."""

import threading
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.template import Context, Template
{%- if cookiecutter.use_filer %}
from django.urls import reverse
{%- endif %}
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import Thumbnailer, get_thumbnailer
from easy_thumbnails.models import Source, Thumbnail
from easy_thumbnails.options import ThumbnailOptions
from PIL import Image

from ..support.http_client import fetch
from ..support.images import image_bytes, image_size
from ..support.s3_requests import s3_requests
{%- if cookiecutter.use_filer %}
from ..support.upload_helpers import FILER_STORAGES, admin_upload, filer_lookup_options
{%- else %}
from ..support.upload_helpers import admin_upload, photo_upload
{%- endif %}

pytestmark = pytest.mark.django_db
SMALL_JPEG = image_bytes("JPEG", (64, 48))
ALIASES = ["small", "medium", "large"]


@pytest.fixture
def concurrency():
    """The most S3 requests in flight at once: each one is held 0.2 s as it is sent."""
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def hold(**kwargs):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
{%- if cookiecutter.use_filer %}

    watched = [storages["default"], *FILER_STORAGES]
{%- else %}

    watched = [storages["default"], storages["easy_thumbnails"]]
{%- endif %}
    clients = {storage.connection.meta.client for storage in watched}
    for client in clients:
        client.meta.events.register("before-send.s3", hold)
    yield state
    for client in clients:
        client.meta.events.unregister("before-send.s3", hold)
{%- if cookiecutter.use_filer %}


def test_filer_upload_makes_every_alias_and_admin_icon_without_reading_the_original(
    s3_server, admin_client, concurrency
):
    with s3_requests(storages["default"], *FILER_STORAGES) as sent:
        image = admin_upload(admin_client, "cat.jpg", SMALL_JPEG).instance

    thumbnailer = get_thumbnailer(image)
    names = {alias: thumbnailer.get_thumbnail_name(ThumbnailOptions(aliases.get(alias))) for alias in ALIASES}
    for options in filer_lookup_options(image):
        names[str(options)] = thumbnailer.get_thumbnail_name(ThumbnailOptions(options))
    assert len(set(names.values())) == len(ALIASES) + 11  # filer's: 4 admin icons, 2 previews, 5 icons and thumbnails
    original = image.file.name
    base = f"filer_public_thumbnails/{original}__"
    assert names["small"] == f"{base}160x160_q85_ALIAS-small_crop_subsampling-2.jpg"
    assert f"{base}120x120_q85_crop_subsampling-2.jpg" in names.values()
    # No read: filer's EXIF comes from the upload in hand, and the original is never read back.
    assert sorted(sent) == sorted([f"PUT {original}", *(f"PUT {name}" for name in names.values())])
    assert sorted(s3_server.object_names()) == sorted([original, *names.values()])
    assert concurrency["most"] >= 2  # the thumbnails went out together, not one after another

    source = Source.objects.get(name=original)
    recorded = {thumbnail.name: thumbnail for thumbnail in Thumbnail.objects.filter(source=source)}
    assert set(recorded) == set(names.values())
    for name, thumbnail in recorded.items():
        url = FILER_STORAGES[1].url(name)
        assert image_size(fetch(url).body) == (thumbnail.dimensions.width, thumbnail.dimensions.height)
        assert thumbnail.modified >= source.modified

    with s3_requests(storages["default"], *FILER_STORAGES) as page:
        image = type(image).objects.get(pk=image.pk)
        html = Template('{% raw %}{% load thumbnail %}{% thumbnail image "small" as t %}{{ t.url }} {{ t.width }}{% endraw %}')
        assert html.render(Context({"image": image})) == f"{FILER_STORAGES[1].url(names['small'])} 64"
        icon = admin_client.get(reverse("admin:filer_image_fileicon", args=(image.pk, 120)))
        assert icon["Location"] == FILER_STORAGES[1].url(f"{base}120x120_q85_crop_subsampling-2.jpg")
    assert page == []
{%- else %}


def test_upload_makes_every_alias_without_reading_the_original(s3_server, concurrency):
    media, thumbnails = storages["default"], storages["easy_thumbnails"]
    with s3_requests(media, thumbnails) as sent:
        photo = photo_upload("cat.jpg", SMALL_JPEG)

    original = photo.image.name
    thumbnailer = get_thumbnailer(photo.image)
    names = {alias: thumbnailer.get_thumbnail_name(ThumbnailOptions(aliases.get(alias))) for alias in ALIASES}
    assert names == {
        "small": f"{original}.160x160_q85_crop.jpg",
        "medium": f"{original}.480x480_q85.jpg",
        "large": f"{original}.1000x1000_q85.jpg",
    }
    assert not [request for request in sent if request.startswith(("GET", "DELETE"))]
    puts = [request for request in sent if request.startswith("PUT")]
    assert sorted(puts) == sorted([f"PUT {original}", *(f"PUT {name}" for name in names.values())])
    assert sorted(s3_server.object_names()) == sorted([original, *names.values()])
    assert concurrency["most"] >= 2  # the thumbnails went out together, not one after another

    source = Source.objects.get(name=original)
    recorded = {thumbnail.name: thumbnail for thumbnail in Thumbnail.objects.filter(source=source)}
    assert set(recorded) == set(names.values())
    for name, thumbnail in recorded.items():
        assert image_size(fetch(thumbnails.url(name)).body) == thumbnail.dimensions.size
        assert thumbnail.modified >= source.modified

    with s3_requests(media, thumbnails) as page:
        photo = type(photo).objects.get(pk=photo.pk)
        for alias in ALIASES:
            thumbnail = get_thumbnailer(photo.image)[alias]
            assert (thumbnail.name, thumbnail.width) == (names[alias], 64)  # never upscaled
        html = Template('{% raw %}{% load thumbnail %}{% thumbnail photo.image "small" as t %}{{ t.url }} {{ t.height }}{% endraw %}')
        assert html.render(Context({"photo": photo})) == f"{thumbnails.url(names['small'])} 48"
    assert page == []


def page(template: str, photo) -> list[str]:
    """Render a Django template written with <% %> and << >> (this file is itself a cookiecutter template), once
    per alias (`ALIAS` in it): what each renders."""
    for jinja_safe, django in [("<%", "{" + "%"), ("%>", "%" + "}"), ("<<", "{" + "{"), (">>", "}" + "}")]:
        template = template.replace(jinja_safe, django)
    load = "{" + "% load thumbnail %" + "}"
    return [Template(load + template.replace("ALIAS", alias)).render(Context({"photo": photo})) for alias in ALIASES]


PHOTO_LOOKUPS = {  # the documented ways of asking for an alias of an image field, each to the three URLs
    "tag": lambda photo: page('<% thumbnail photo.image "ALIAS" %>', photo),
    "tag with as": lambda photo: page('<% thumbnail photo.image "ALIAS" as t %><< t.url >>', photo),
    "thumbnail_url filter": lambda photo: page('<< photo.image|thumbnail_url:"ALIAS" >>', photo),
    "thumbnailer by alias": lambda photo: [get_thumbnailer(photo.image)[alias].url for alias in ALIASES],
    "get_thumbnail": lambda photo: [
        get_thumbnailer(photo.image).get_thumbnail(aliases.get(alias)).url for alias in ALIASES
    ],
}


@pytest.mark.parametrize("lookup", list(PHOTO_LOOKUPS))
def test_each_lookup_finds_the_thumbnails_made_at_upload(s3_server, lookup):
    photo = photo_upload("quay.jpg", image_bytes("JPEG", (640, 480)))  # an image of its own for each way
    stored = set(s3_server.object_names())

    with s3_requests(storages["default"], storages["easy_thumbnails"]) as sent:
        urls = PHOTO_LOOKUPS[lookup](type(photo).objects.get(pk=photo.pk))

    assert sent == []
    assert set(s3_server.object_names()) == stored  # no second object under another name
    base = storages["easy_thumbnails"].url(photo.image.name).removesuffix(photo.image.name)
    assert {url.removeprefix(base) for url in urls} <= stored - {photo.image.name}
    assert len(set(urls)) == len(ALIASES)


@pytest.mark.parametrize("size", [(1601, 1203), (1203, 1601), (999, 1000), (2000, 77)])
def test_a_reduced_decode_gives_easy_thumbnails_own_sizes(s3_server, monkeypatch, size):
    # Small sizes, so that the decode is reduced (JPEG draft): the results must be the sizes easy-thumbnails makes.
    sizes = {
        "small": {"size": (160, 160), "crop": True},
        "wide": {"size": (150, 0)},
        "fit": {"size": (97, 61)},
        "smart": {"size": (97, 61), "crop": "smart", "upscale": True},
        "zoom": {"size": (120, 80), "crop": True, "zoom": 20},
    }
    monkeypatch.setitem(aliases._aliases, "", sizes)
    photo = photo_upload("wide.jpg", image_bytes("JPEG", size))

    made = {thumbnail.name: thumbnail.dimensions.size for thumbnail in Thumbnail.objects.all()}
    assert len(made) == len(sizes)
    for options in sizes.values():
        own = get_thumbnailer(photo.image).generate_thumbnail(ThumbnailOptions(options))  # easy-thumbnails alone
        assert made[own.name] == own.image.size


def test_png_with_transparency_keeps_its_format(s3_server):
    photo = photo_upload("logo.png", image_bytes("PNG", (64, 48), "RGBA"))
    thumbnail = get_thumbnailer(photo.image)["small"]
    assert thumbnail.name == f"{photo.image.name}.160x160_q85_crop.png"
    assert thumbnail.name in s3_server.object_names()
{%- endif %}


def test_a_thumbnail_that_cannot_be_made_is_logged_and_the_upload_stands(s3_server, monkeypatch, caplog, admin_client):
    monkeypatch.setitem(aliases._aliases, "", {**aliases._aliases[""], "broken": {"size": (0, 0)}})
    uploaded = admin_upload(admin_client, "dog.jpg", SMALL_JPEG)
    name, thumbnailer = uploaded.name, get_thumbnailer(uploaded)

    assert name in s3_server.object_names()
    [warning] = [record for record in caplog.records if "broken" in record.getMessage()]
    assert warning.getMessage() == (
        f"Could not make the 'broken' thumbnail of {name} at upload: "
        "EasyThumbnailsError: The source image has an invalid size (0x0)"
    )
    made = thumbnailer.get_existing_thumbnail(ThumbnailOptions(aliases.get("small")))
    assert made is not None and made.name in s3_server.object_names()


def test_on_local_disk_the_storage_own_save_replaces_and_lookups_find_them(tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    from mediakit.thumbnails.engine import render
    from mediakit.thumbnails.records import record
    from mediakit.thumbnails.transfers import publish, puller

    local = FileSystemStorage(tmp_path)
    name = local.save("photos/cat.jpg", ContentFile(SMALL_JPEG))
    wanted = {alias: aliases.get(alias) for alias in ALIASES}
    for _ in range(2):  # the second time replaces the files, never renames them
        thumbnailer = Thumbnailer(name=name, source_storage=local, thumbnail_storage=local)
        made, failures = render(thumbnailer, SMALL_JPEG, wanted)
        assert failures == {} and publish(local, made) == {}
        record(thumbnailer, made, source_changed=True)

    assert sorted(path.name for path in (tmp_path / "photos").iterdir()) == sorted(
        ["cat.jpg", *(Path(thumbnail.name).name for thumbnail in made)]
    )
    lookup = Thumbnailer(name=name, source_storage=local, thumbnail_storage=local)
    for alias in ALIASES:
        assert lookup.get_existing_thumbnail(ThumbnailOptions(aliases.get(alias))) is not None
    puller(local)(name, tmp_path / "pulled.jpg")
    assert (tmp_path / "pulled.jpg").read_bytes() == SMALL_JPEG


def test_rendering_lets_go_of_the_source_without_waiting_for_the_garbage_collector(s3_server):
    import gc

    from mediakit.thumbnails.engine import render

    def images_alive() -> int:
        return sum(isinstance(thing, Image.Image) for thing in gc.get_objects())

    source = image_bytes("JPEG", (640, 480))
    wanted = {alias: aliases.get(alias) for alias in ALIASES}
    render(Thumbnailer(name="photos/first.jpg"), source, wanted)  # Pillow's lazily made module-level images
    thumbnailer = Thumbnailer(name="photos/cycle.jpg")
    thumbnailer.alias_target = thumbnailer  # the reference cycle a field file's thumbnailer is in
    gc.collect()
    gc.disable()  # what a rendering process sees between two collections
    try:
        before = images_alive()
        made, failures = render(thumbnailer, source, wanted)
        del thumbnailer
        assert (len(made), failures) == (len(ALIASES), {})
        assert images_alive() == before
    finally:
        gc.enable()
