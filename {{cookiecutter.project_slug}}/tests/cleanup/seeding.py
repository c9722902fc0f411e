"""A bucket as years of a site leave it, for the collector's tests: used files, thumbnails with and without rows,
files of replaced and deleted images, thumbnails of deleted sources, abandoned uploads, a row of a file that is
gone. Run in the test process or, on a DSN with a prefix, in a project process (`manage.py shell`); each function
returns the keys it made (with the storages' prefixes), by what the collector should do with them."""

{% if not cookiecutter.use_filer -%}
from django.core.files.storage import storages
{% endif -%}
from django.core.files.uploadedfile import SimpleUploadedFile
from easy_thumbnails.files import get_thumbnailer
from easy_thumbnails.models import Source, Thumbnail
from easy_thumbnails.utils import get_storage_hash
{%- if cookiecutter.use_filer %}
from filer import settings as filer_settings
from filer.models import Image
{%- endif %}

from mediakit.cleanup.places import key_of
from mediakit.storage import s3
{%- if not cookiecutter.use_filer %}
from tests.gallery.models import Photo
{%- endif %}

from ..support.images import JPEG
from ..support.s3_requests import s3_requests
{%- if cookiecutter.use_filer %}

MEDIA = filer_settings.FILER_PUBLICMEDIA_STORAGE
THUMBNAILS = filer_settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE
PRIVATE = filer_settings.FILER_PRIVATEMEDIA_STORAGE
{%- else %}

MEDIA = storages["default"]
THUMBNAILS = storages["easy_thumbnails"]
{%- if cookiecutter.private_media %}
PRIVATE = storages["private"]
{%- else %}
PRIVATE = storages["default"]
{%- endif %}
{%- endif %}
ALIASES = ("small", "medium", "large")


def put(storage, name: str, data: bytes = b"left behind") -> str:
    """An object put in place behind the site's back (no row): its key."""
    s3.client(storage).put_object(Bucket=storage.bucket_name, Key=key_of(storage, name), Body=data)
    return key_of(storage, name)
{%- if cookiecutter.use_filer %}


def upload(name: str, *, private: bool = False) -> list[str]:
    """A filer image saved as its admin saves one (thumbnails made at upload, with rows): its keys."""
    image = Image.objects.create(file=SimpleUploadedFile(name, JPEG, "image/jpeg"), original_filename=name)
    if private:
        image.is_public = False
        image.save()  # filer moves it to its private storage
        image.refresh_from_db()
        get_thumbnailer(image.file).get_thumbnail({"size": (32, 32)})
    return thumbnail_keys(image.file) + [key_of(image.file.storage, image.file.name)]


def thumbnail_keys(fieldfile) -> list[str]:
    storage = fieldfile.thumbnail_storage
    names = Thumbnail.objects.filter(source__name=fieldfile.name).values_list("name", flat=True)
    return [key_of(storage, name) for name in names]


def used_thumbnail_by_name(image_keys: list[str]) -> str:
    """A thumbnail of a used image made by name, with no row of easy-thumbnails."""
    original = [key for key in image_keys if "_thumbnails/" not in key][0]
    name = original.removeprefix(key_of(MEDIA, ""))
    return put(THUMBNAILS, f"filer_public_thumbnails/{name}__77x77_q85.jpg")


def left_behind(folder: str) -> list[str]:
    """An image deleted or replaced before this version: its file and thumbnails, one recorded, one not."""
    name = f"filer_public/{folder}/gone.jpg"
    original = put(MEDIA, name, JPEG)
    recorded = f"filer_public_thumbnails/{name}__160x160_q85_crop.jpg"
    source = Source.objects.create(name=name, storage_hash=get_storage_hash(MEDIA))
    Thumbnail.objects.create(name=recorded, source=source, storage_hash=get_storage_hash(THUMBNAILS))
    return [original, put(THUMBNAILS, recorded), put(THUMBNAILS, f"filer_public_thumbnails/{name}__64x64_q85.jpg")]


def name_in_a_row(key: str) -> None:
    """A row that comes to name the file under this key (an editor's save)."""
    name = key.removeprefix(key_of(MEDIA, ""))
    Image.objects.create(file=name, original_filename=name.rsplit("/", 1)[-1])


def lookups_cost() -> int:
    """Requests sent to show every made thumbnail of every image, as a page of them does."""
    with s3_requests(MEDIA, THUMBNAILS, PRIVATE, filer_settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE) as sent:
        for image in Image.objects.all():
            thumbnailer = get_thumbnailer(image.file)
            for alias in ALIASES:
                thumbnailer[alias].url  # noqa: B018 -- the lookup is the point
    return len(sent)
{%- else %}


def upload(name: str) -> list[str]:
    """A photo saved as a form saves one (thumbnails made at upload, with rows): its keys."""
    photo = Photo(title=name, image=SimpleUploadedFile(name, JPEG, "image/jpeg"))
    photo.save()
    names = Thumbnail.objects.filter(source__name=photo.image.name).values_list("name", flat=True)
    return [key_of(THUMBNAILS, name) for name in names] + [key_of(MEDIA, photo.image.name)]


def used_thumbnail_by_name(image_keys: list[str]) -> str:
    original = image_keys[-1].removeprefix(key_of(MEDIA, ""))
    return put(THUMBNAILS, f"{original}.77x77_q85.jpg")


def left_behind(folder: str) -> list[str]:
    name = f"photos/{folder}-gone.jpg"
    original = put(MEDIA, name, JPEG)
    recorded = f"{name}.160x160_q85_crop.jpg"
    source = Source.objects.create(name=name, storage_hash=get_storage_hash(MEDIA))
    Thumbnail.objects.create(name=recorded, source=source, storage_hash=get_storage_hash(THUMBNAILS))
    return [original, put(THUMBNAILS, recorded), put(THUMBNAILS, f"{name}.64x64_q85.jpg")]


def name_in_a_row(key: str) -> None:
    """A row that comes to name the file under this key (an editor's save)."""
    Photo.objects.create(title="named later", image=key.removeprefix(key_of(MEDIA, "")))


def lookups_cost() -> int:
    with s3_requests(MEDIA, THUMBNAILS) as sent:
        for photo in Photo.objects.all():
            thumbnailer = get_thumbnailer(photo.image)
            for alias in ALIASES:
                thumbnailer[alias].url  # noqa: B018 -- the lookup is the point
    return len(sent)
{%- endif %}


def abandoned_upload(name: str) -> str:
    """A multipart upload started and never completed: its key."""
    key = key_of(MEDIA, name)
    s3.client(MEDIA).create_multipart_upload(Bucket=MEDIA.bucket_name, Key=key)
    return key


def seed_old() -> dict:
    """What the collector must keep and what it must find, all older than the grace period to come."""
    used = upload("harbour.jpg")
    kept = [*used, used_thumbnail_by_name(used)]
{%- if cookiecutter.use_filer %}
    kept += upload("contract.jpg", private=True)
{%- endif %}
    orphans = left_behind("aa/bb/1") + left_behind("cc/dd/2")
    orphans.append(put(PRIVATE, "filer_private/ee/ff/3/lost.pdf" if PRIVATE is not MEDIA else "private/lost.pdf"))
    stale = Source.objects.create(name="photos/vanished.jpg", storage_hash=get_storage_hash(MEDIA))
    return {
        "kept": kept,
        "orphans": orphans,
        "uploads": [abandoned_upload("uploads/abandoned.bin")],
        "stale_sources": [stale.name],
    }


def seed_young() -> dict:
    """An orphan and an upload younger than the grace period: kept."""
    return {"kept": [put(MEDIA, "photos/young-orphan.jpg")], "uploads": [abandoned_upload("uploads/recent.bin")]}


def source_rows() -> int:
    """easy-thumbnails' index: how many sources it has rows for."""
    return Source.objects.count()
