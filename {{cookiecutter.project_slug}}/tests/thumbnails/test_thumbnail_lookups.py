"""Every documented way of asking for a thumbnail of a filer image finds the one made ahead, with no request.

The ways come from easy-thumbnails' documentation (the thumbnail tag on the image or its file, with `as`,
the thumbnail_url filter, get_thumbnailer(x)[alias], get_thumbnail(options)) and django-filer's
(image.icons, image.thumbnails, its admin's folder listing, change page and FilerImageField widget,
filer's templates with the focal point). Each way is tried on an image of its own: a way that made a
file of its own would otherwise serve the next one. Made ahead at upload and by warm_thumbnails alike.
"""

import io
import re
from urllib.parse import unquote

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import get_thumbnailer
from filer.models import Image
from PIL import Image as PILImage

from ..support.http_client import fetch
from ..support.images import image_bytes
from ..support.s3_requests import s3_requests
from ..support.upload_helpers import FILER_STORAGES, filer_image_without_thumbnails, filer_upload

pytestmark = pytest.mark.django_db
WATCHED = [storages["default"], *FILER_STORAGES]
THUMBNAILS = FILER_STORAGES[1]  # filer's public thumbnails
BASE_URL = THUMBNAILS.url("-").removesuffix("-")  # where the thumbnails' URLs start
ALIASES = ["small", "medium", "large"]
JPEG = image_bytes("JPEG", (120, 90))


def render(template: str, image) -> list[str]:
    """Render a Django template written with <% %> and << >> (this file is itself a cookiecutter template, and
    no Django tag may be left in a generated project), once per alias (`ALIAS` in it): the words it renders."""
    for jinja_safe, django in [("<%", "{" + "%"), ("%>", "%" + "}"), ("<<", "{" + "{"), (">>", "}" + "}")]:
        template = template.replace(jinja_safe, django)
    each = "".join(template.replace("ALIAS", alias) + " " for alias in ALIASES)
    return Template("{" + "% load thumbnail %" + "}" + each).render(Context({"image": image})).split()


# Each way, from the image to the URLs of the three aliases as a page would get them.
ALIAS_LOOKUPS = {
    "tag on the image": lambda image: render('<% thumbnail image "ALIAS" %>', image),
    "tag on its file": lambda image: render('<% thumbnail image.file "ALIAS" %>', image),
    "tag with as": lambda image: render('<% thumbnail image "ALIAS" as t %><< t.url >>', image),
    "thumbnail_url on the image": lambda image: render('<< image|thumbnail_url:"ALIAS" >>', image),
    "thumbnail_url on its file": lambda image: render('<< image.file|thumbnail_url:"ALIAS" >>', image),
    "thumbnailer of the image by alias": lambda image: [get_thumbnailer(image)[alias].url for alias in ALIASES],
    "thumbnailer of its file by alias": lambda image: [get_thumbnailer(image.file)[alias].url for alias in ALIASES],
    "get_thumbnail with the alias's options": lambda image: [
        get_thumbnailer(image).get_thumbnail(aliases.get(alias)).url for alias in ALIASES
    ],
    "filer's template, with the focal point": lambda image: render(
        '<% thumbnail image "ALIAS" subject_location=image.subject_location %>', image
    ),
}


def made_ahead(how: str, client, name: str, data: bytes = JPEG) -> Image:
    """A filer image whose thumbnails were made at upload, or by warm_thumbnails after an import."""
    if how == "upload":
        image = Image.objects.get(pk=filer_upload(client, name, data)["file_id"])
    else:
        image = filer_image_without_thumbnails(name, data)
        call_command("warm_thumbnails", processes=1, stdout=None)
    return Image.objects.get(pk=image.pk)  # as a page loads it


def thumbnail_urls_in(html: str) -> set[str]:
    return set(re.findall(re.escape(f"{BASE_URL}filer_public_thumbnails/") + r"[^\"\s]+", html))


@pytest.mark.parametrize("how", ["upload", "warm_thumbnails"])
@pytest.mark.parametrize("lookup", list(ALIAS_LOOKUPS))
def test_each_alias_lookup_finds_the_thumbnail_made_ahead(s3_server, admin_client, how, lookup):
    image = made_ahead(how, admin_client, "harbour.jpg")
    stored = set(s3_server.object_names())

    with s3_requests(*WATCHED) as sent:
        urls = ALIAS_LOOKUPS[lookup](image)

    assert sent == []
    assert set(s3_server.object_names()) == stored  # no second object under another name
    assert len(urls) == len(ALIASES)
    assert all(url.startswith(f"{BASE_URL}filer_public_thumbnails/") for url in urls)
    assert {url.removeprefix(BASE_URL) for url in urls} <= stored


@pytest.mark.parametrize("how", ["upload", "warm_thumbnails"])
@pytest.mark.parametrize("lookup", ["icons", "thumbnails"])
def test_filer_icons_and_thumbnails_find_the_thumbnails_made_ahead(s3_server, admin_client, how, lookup):
    image = made_ahead(how, admin_client, "harbour.jpg")
    stored = set(s3_server.object_names())

    with s3_requests(*WATCHED) as sent:
        urls = getattr(image, lookup)  # filer swallows failures: a missing entry is the only sign

    assert sent == []
    assert set(s3_server.object_names()) == stored
    expected = Image.DEFAULT_THUMBNAILS if lookup == "thumbnails" else ["16", "32", "48", "64"]
    assert sorted(urls) == sorted(expected)
    assert {url.removeprefix(BASE_URL) for url in urls.values()} <= stored


@pytest.mark.parametrize("how", ["upload", "warm_thumbnails"])
def test_filer_admin_folder_listing_links_the_icons_made_ahead(s3_server, admin_client, how):
    image = made_ahead(how, admin_client, "harbour.jpg")
    stored = set(s3_server.object_names())

    with s3_requests(*WATCHED) as sent:
        listing = admin_client.get("/admin/filer/folder/unfiled_images/")

    assert listing.status_code == 200
    assert sent == []
    html = listing.content.decode()
    assert reverse("admin:filer_image_fileicon", args=(image.pk, 40)) not in html  # not deferred to the icon view
    icons = thumbnail_urls_in(html)
    assert {url.removeprefix(BASE_URL).split("__")[-1] for url in icons} == {
        "40x40_q85_crop_subsampling-2.jpg",
        "80x80_q85_crop_subsampling-2.jpg",
    }
    assert {url.removeprefix(BASE_URL) for url in icons} <= stored
    assert set(s3_server.object_names()) == stored


@pytest.mark.parametrize("how", ["upload", "warm_thumbnails"])
def test_filer_change_page_and_widget_show_the_previews_made_ahead(s3_server, admin_client, how):
    image = made_ahead(how, admin_client, "harbour.jpg")
    stored = set(s3_server.object_names())
    tags = "<% load filer_admin_tags %><% file_icon image detail='thumbnail' %><% file_icon image %>"
    widget = Template(tags.replace("<%", "{" + "%").replace("%>", "%" + "}"))

    with s3_requests(*WATCHED) as sent:
        page = admin_client.get(reverse("admin:filer_image_change", args=(image.pk,)))
        icons = widget.render(Context({"image": image}))  # what FilerImageField's widget shows

    assert page.status_code == 200
    # filer asks whether the original exists (a HEAD each time); no thumbnail is made or read.
    assert [request for request in sent if not request.startswith(f"HEAD {image.file.name}")] == []
    previews = thumbnail_urls_in(page.content.decode())
    assert {url.split("__")[-1] for url in previews} == {
        "210x158_q85_subsampling-2_upscale.jpg",
        "420x316_q85_subsampling-2_upscale.jpg",
    }
    widget_icons = {url.split("__")[-1] for url in thumbnail_urls_in(icons)}
    assert widget_icons == {f"{size}x{size}_q85_crop_subsampling-2.jpg" for size in (40, 80, 120, 240)}
    assert {url.removeprefix(BASE_URL) for url in previews | thumbnail_urls_in(icons)} <= stored
    assert set(s3_server.object_names()) == stored


def halves(size: tuple[int, int]) -> bytes:
    """A picture whose left half is red and right half blue: a crop shows which part it kept."""
    picture = PILImage.new("RGB", size, "red")
    picture.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def left_edge(url: str) -> str:
    red, _, blue = PILImage.open(io.BytesIO(fetch(url).body)).convert("RGB").getpixel((2, 80))
    return "red" if red > blue else "blue"


def test_moving_the_focal_point_makes_the_thumbnails_for_it_at_once(s3_server, admin_client):
    image = made_ahead("upload", admin_client, "harbour.jpg", halves((400, 200)))
    centred = render('<% thumbnail image "ALIAS" subject_location=image.subject_location %>', image)[0]
    assert left_edge(centred) == "red"  # the middle of the picture: the red half, then the blue

    with s3_requests(*WATCHED) as sent:
        image.subject_location = "350,100"  # on the blue half, as the admin's focal point widget saves it
        image.save()

    original = image.file.name
    made = [request.removeprefix("PUT ") for request in sent[1:]]
    # One read of the original; the aliases, image.icons and image.thumbnails for the new point, written once each.
    assert sent[0] == f"GET {original}" and all(request.startswith("PUT ") for request in sent[1:])
    assert len(made) == len(set(made)) == len(ALIASES) + 5
    assert all("subject_location-350,100" in name for name in made)

    image = Image.objects.get(pk=image.pk)
    with s3_requests(*WATCHED) as page:
        urls = ALIAS_LOOKUPS["filer's template, with the focal point"](image)
        icons, thumbnails = image.icons, image.thumbnails
    assert page == []
    assert {unquote(url.removeprefix(BASE_URL)) for url in [*urls, *icons.values(), *thumbnails.values()]} <= set(made)
    assert left_edge(urls[0]) == "blue"  # the crop keeps the focal point


def test_an_alias_that_does_not_name_itself_is_named_by_a_check(settings):
    from mediakit.checks import check_aliases_name_themselves

    assert check_aliases_name_themselves(None) == []
    named, unnamed = {"size": (160, 160), "ALIAS": "small"}, {"size": (9, 9)}
    settings.THUMBNAIL_ALIASES = {"": {"small": named}, "blog": {"hero": unnamed}}
    [warning] = check_aliases_name_themselves(None)
    assert (warning.id, warning.hint) == ("thumbnails.W001", """Add "ALIAS": 'hero' to its options.""")
    assert warning.msg.startswith("THUMBNAIL_ALIASES['blog']['hero'] does not name itself")
