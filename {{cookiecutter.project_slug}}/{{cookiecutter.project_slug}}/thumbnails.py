"""Thumbnails made ahead of time: rendered from the bytes in hand, written concurrently, recorded.

On S3, easy-thumbnails makes a missing thumbnail inside the page request that shows it: read the
source, delete, write, one after another, for each size. Here every alias of an image is made when
it is uploaded (make_thumbnails_on_upload, connected to easy-thumbnails' saved_file signal in
apps.py) or in bulk (manage.py warm_thumbnails): under the names easy-thumbnails{% if cookiecutter.use_filer %} (or django-filer){% endif %}
would choose, in the storage it would use, with the database records its lookups read. The
{% raw %}{% thumbnail %}{% endraw %} tag and get_thumbnailer() then find them without a request to the storage.

The pixels are easy-thumbnails' own (Thumbnailer.generate_thumbnail); the one change is that the
source is decoded once per image, not once per size, at the smallest JPEG scale that still leaves
every size twice the pixels it needs (what Pillow's own Image.thumbnail() does), and each size is
scaled from the smallest picture in hand that still has twice its pixels: the decoded original, or a
larger size already made of the whole picture (scaling costs in proportion to the pixels scaled from).
"""

import logging
import math
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone
from easy_thumbnails import signals
from easy_thumbnails.alias import aliases
from easy_thumbnails.conf import settings as thumbnail_settings
from easy_thumbnails.files import Thumbnailer, ThumbnailFile, get_thumbnailer
from easy_thumbnails.models import Source, Thumbnail, ThumbnailDimensions
from easy_thumbnails.processors import scale_and_crop
from easy_thumbnails.utils import exif_orientation, get_storage_hash
{%- if cookiecutter.use_filer %}
from filer.models.abstract import BaseImage
{%- endif %}
from PIL import Image, ImageFile
from s3transfer.constants import ALLOWED_DOWNLOAD_ARGS
from storages.backends.s3 import S3Storage
from storages.utils import clean_name
{%- if cookiecutter.use_filer %}

from . import filer_thumbnails
{%- endif %}

logger = logging.getLogger(__name__)

WORKERS = 10  # concurrent transfers; the S3 client keeps 10 connections by default
COPY_BUFFER = 1024 * 1024
UPLOADED = "_thumbnail_sources"  # where keep_uploaded_content() leaves the content on the instance
# easy-thumbnails' PIL reader, and the project's, which only adds logging (thumbnail_sources.py).
PIL_IMAGES = {
    "easy_thumbnails.source_generators.pil_image",
    "{{ cookiecutter.project_slug }}.thumbnail_sources.pil_image",
}
# easy-thumbnails' processors{% if cookiecutter.use_filer %}, and the project's (filer's focal point in place of scale_and_crop,
# the same without a focal point){% endif %}: sizes are all they take from the source's pixels.
DRAFTABLE_PROCESSORS = {
    (
        "easy_thumbnails.processors.colorspace",
        "easy_thumbnails.processors.autocrop",
        "easy_thumbnails.processors.scale_and_crop",
        "easy_thumbnails.processors.filters",
        "easy_thumbnails.processors.background",
    ),
{%- if cookiecutter.use_filer %}
    (
        "easy_thumbnails.processors.colorspace",
        "easy_thumbnails.processors.autocrop",
        "filer.thumbnail_processors.scale_and_crop_with_subject_location",
        "easy_thumbnails.processors.filters",
        "easy_thumbnails.processors.background",
    ),
{%- endif %}
}


@dataclass(frozen=True)
class Rendered:
    """One thumbnail, made but not yet stored: its name in the thumbnail storage and its content."""

    alias: str
    name: str
    content: bytes
    width: int
    height: int


def is_image(fieldfile) -> bool:
    """Whether the file is an image easy-thumbnails makes thumbnails of: an ImageField's{% if cookiecutter.use_filer %}, or a filer image's{% endif %}."""
{%- if cookiecutter.use_filer %}
    if isinstance(fieldfile.instance, BaseImage):
        return True
{%- endif %}
    return isinstance(fieldfile.field, models.ImageField)


def source_thumbnailer(fieldfile) -> Thumbnailer:
    """The thumbnailer easy-thumbnails' lookups use for this file (storages, naming), apart from the model's file."""
{%- if cookiecutter.use_filer %}
    if isinstance(fieldfile.instance, BaseImage):
        # What get_thumbnailer(image) returns: filer's own storages, base folder, names and SVG handling.
        return fieldfile.instance.easy_thumbnails_thumbnailer
{%- endif %}
    thumbnailer = get_thumbnailer(fieldfile)
    if thumbnailer is fieldfile:  # easy-thumbnails' own fields: a copy, so that the model's file is left alone
        thumbnailer = type(fieldfile)(fieldfile.instance, fieldfile.field, fieldfile.name)
    return thumbnailer


def wanted_thumbnails(fieldfile, only: Iterable[str] | None = None) -> dict[str, dict]:
    """THUMBNAIL_ALIASES that apply to this file (project-wide, then its app, model and field), by name.

    The options are what the {% raw %}{% thumbnail image "small" %}{% endraw %} tag passes, so the names match its lookups.
    """
    options = aliases.all(_alias_target(fieldfile), include_global=True)
    if only is not None:
        options = {name: value for name, value in options.items() if name in set(only)}
    wanted = {name: dict(value) for name, value in options.items()}
{%- if cookiecutter.use_filer %}
    if isinstance(fieldfile.instance, BaseImage):
        # With the image's focal point, and what filer's admin, image.icons and image.thumbnails ask for.
        return filer_thumbnails.wanted(fieldfile.instance, wanted, filer_own=only is None)
{%- endif %}
    return wanted


def _alias_target(fieldfile) -> str:
    model = type(fieldfile.instance)
    return f"{model._meta.app_label}.{model.__name__}.{fieldfile.field.name}"


def render(thumbnailer: Thumbnailer, source: bytes, wanted: dict[str, dict]) -> tuple[list[Rendered], dict[str, str]]:
    """Every wanted thumbnail of one image from its bytes (no read from the storage); failures by alias."""
    rendered, failures = [], {}
    thumbnailer.file = File(BytesIO(source), thumbnailer.name)  # easy-thumbnails reads this, not the storage
    try:
        reduce = _may_draft(thumbnailer, wanted)
        decoded, full_size = _decode_once(source, wanted, reduce) if _decodable(thumbnailer, wanted) else (None, None)
        in_hand = [decoded]  # pictures of the whole source: the decoded one, then larger sizes made
        full = None
        for alias, options in _largest_first(wanted, full_size) if reduce and decoded else wanted.items():
            try:
                if decoded is not None:
                    picture = _smallest_enough(in_hand, options, full_size) if reduce else decoded
                    if picture is None:  # none scales to easy-thumbnails' own size: the source at full size
                        full = full or _full_picture(source, wanted, decoded, full_size)
                        picture = full
                    thumbnailer.source_generators = [lambda source, picture=picture, **options: picture]
                thumbnail = thumbnailer.generate_thumbnail(thumbnailer.get_options(options))
                width, height = thumbnail.image.size
                rendered.append(Rendered(alias, thumbnail.name, thumbnail.file.read(), width, height))
                if reduce and _whole_picture(options) and thumbnail.image.width < decoded.width:  # not upscaled
                    in_hand.append(thumbnail.image)
            except Exception as error:
                failures[alias] = reason(error)
    except Exception as error:
        return [], {alias: reason(error) for alias in wanted}
    finally:
        # A field file's thumbnailer is in a reference cycle (alias_target is itself): let go of the
        # source and the decoded image now, not whenever the garbage collector next runs.
        thumbnailer.file = None
        thumbnailer.source_generators = None
    return rendered, failures


def _decodable(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> bool:
    """Whether easy-thumbnails would decode the source with Pillow, as _decode_once() does."""
    generators = thumbnailer.source_generators or thumbnail_settings.THUMBNAIL_SOURCE_GENERATORS
    if generators[0] not in PIL_IMAGES or Path(thumbnailer.name).suffix.lower() == ".svg":
        return False
    return not any(options.get("exif_orientation") is False for options in wanted.values())


def _decode_once(source: bytes, wanted: dict[str, dict], reduce: bool) -> tuple[Image.Image, tuple[int, int]]:
    """The source decoded as easy-thumbnails' pil_image() would, once for all sizes, and its full size (both
    turned as its EXIF says)."""
    image = Image.open(BytesIO(source))
    width, height = image.size
    if reduce:
        # Decode at a reduced JPEG scale that still leaves every size twice the pixels it takes.
        scale = min(1.0, 2 * max(_scale(options, width, height) for options in wanted.values()))
        image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        ImageFile.LOAD_TRUNCATED_IMAGES = True  # as pil_image() does
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    turned = exif_orientation(image)
    turned_sides = (turned.width > turned.height) != (image.width > image.height)
    return turned, (height, width) if turned_sides else (width, height)


def _full_picture(source: bytes, wanted: dict[str, dict], decoded: Image.Image, full_size: tuple[int, int]):
    """The source at full size: the decoded picture if it is (no reduced decode), else decoded again."""
    return decoded if decoded.size == full_size else _decode_once(source, wanted, reduce=False)[0]


def _largest_first(wanted: dict[str, dict], full_size: tuple[int, int]) -> list[tuple[str, dict]]:
    return sorted(wanted.items(), key=lambda item: _scale(item[1], *full_size), reverse=True)


def _smallest_enough(in_hand: list[Image.Image], options: dict, full_size: tuple[int, int]) -> Image.Image | None:
    """The smallest picture in hand with at least twice the pixels this size takes, and that scales to the size
    easy-thumbnails makes from the full source (a reduced picture's sides are rounded); None if there is none."""
    needed = 2 * _scale(options, *full_size) * full_size[0] - 0.5
    for picture in sorted(in_hand, key=lambda picture: picture.width):
        if picture.width >= needed and _outline(options, picture.size) == _outline(options, full_size):
            return picture
    return None


GEOMETRY_OPTIONS = ("size", "crop", "upscale", "zoom", "target")  # what scale_and_crop() takes


class _Outline:
    """A picture's size without its pixels, for scale_and_crop(): the size it is scaled to, then cropped to."""

    def __init__(self, size: tuple[int, int], scaled_to: tuple[int, int] | None = None):
        self.size, self.scaled_to = tuple(size), scaled_to

    def resize(self, size, **kwargs) -> "_Outline":
        return _Outline(size, scaled_to=tuple(size))

    def crop(self, box) -> "_Outline":
        return _Outline((box[2] - box[0], box[3] - box[1]), self.scaled_to)


def _outline(options: dict, size: tuple[int, int]) -> tuple:
    """(scaled to, cropped to) for a picture of this size; a reduced one's may differ where scale_and_crop() rounds."""
    geometry = {option: options[option] for option in GEOMETRY_OPTIONS if option in options}
    outline = scale_and_crop(_Outline(size), **geometry)
    return outline.scaled_to, outline.size


# Options that leave a thumbnail the whole picture, only smaller: a source as good as the original for smaller sizes.
WHOLE_PICTURE_OPTIONS = {"size", "ALIAS", "quality", "subsampling", "upscale", "subject_location"}


def _whole_picture(options: dict) -> bool:
    return not any(value for option, value in options.items() if option not in WHOLE_PICTURE_OPTIONS)


def _scale(options: dict, width: int, height: int) -> float:
    """The largest factor easy-thumbnails' scale_and_crop() would scale this image by (either way up: EXIF
    rotation may swap the sides), zoom included."""
    target_x, target_y = (int(side) for side in options["size"])

    def factor(source_x: int, source_y: int) -> float:
        ratios = [target / source for target, source in ((target_x, source_x), (target_y, source_y)) if source]
        crop = options.get("crop") or not target_x or not target_y
        return max(ratios) if crop else min(ratios)

    zoom = (100 + int(options.get("zoom") or 0)) / 100
    return max(factor(width, height), factor(height, width)) * zoom


def _may_draft(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> bool:
    """A reduced picture gives the same thumbnails only with the default processors and no option in source pixels
    (nor a smart crop, which cuts where the pixels say)."""
    processors = thumbnailer.thumbnail_processors or thumbnail_settings.THUMBNAIL_PROCESSORS
    in_source_pixels = ("box", "subject_location")
    given = any(options.get(option) for options in wanted.values() for option in in_source_pixels)
    smart = any(options.get("crop") == "smart" for options in wanted.values())
    return tuple(processors) in DRAFTABLE_PROCESSORS and not given and not smart


def publish(storage, thumbnails: list[Rendered]) -> dict[str, str]:
    """Write the thumbnails to their storage concurrently, replacing what is there; failures by alias."""
    write = writer(storage)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(thumbnails) or 1)) as pool:
        futures = {thumbnail.alias: pool.submit(write, thumbnail) for thumbnail in thumbnails}
    return {alias: reason(future.exception()) for alias, future in futures.items() if future.exception()}


def writer(storage):
    """write(thumbnail) for this storage: one PUT on S3, else the storage's own delete and save."""
    return _s3_writer(storage) if isinstance(storage, S3Storage) else _generic_writer(storage)


def _s3_writer(storage: S3Storage):
    # One PUT through the storage's own client (thread-safe; storage.save() would make a client per
    # thread), with what S3Storage._save() sends: key under its location, ACL, type, object parameters.
    client, bucket = storage.connection.meta.client, storage.bucket_name

    def write(thumbnail: Rendered) -> None:
        key = storage._normalize_name(clean_name(thumbnail.name))
        client.put_object(Bucket=bucket, Key=key, Body=thumbnail.content, **storage._get_write_parameters(key))

    return write


def _generic_writer(storage):
    def write(thumbnail: Rendered) -> None:
        storage.delete(thumbnail.name)  # as easy-thumbnails' save_thumbnail(): replace, never rename
        storage.save(thumbnail.name, ContentFile(thumbnail.content))

    return write


def record(thumbnailer: Thumbnailer, thumbnails: list[Rendered], *, source_changed: bool = False) -> None:
    """Record stored thumbnails in easy-thumbnails' tables, as its save_thumbnail() does (names, times, sizes).

    source_changed: the source is a new file, so every thumbnail recorded before is out of date. Otherwise the
    source's time is left alone: easy-thumbnails counts a thumbnail as current while it is not older than its
    source, and moving the source's time would make every other thumbnail of the image stale.
    In one transaction: one commit, not one per row (each costs a disk flush).
    """
    with transaction.atomic():
        if source_changed or not thumbnailer.get_source_cache():
            thumbnailer.get_source_cache(create=True, update=True)
        for thumbnail in thumbnails:
            cached = thumbnailer.get_thumbnail_cache(thumbnail.name, create=True, update=True)
            ThumbnailDimensions.objects.update_or_create(
                thumbnail=cached, defaults={"width": thumbnail.width, "height": thumbnail.height}
            )
    for thumbnail in thumbnails:
        made = ThumbnailFile(thumbnail.name, storage=thumbnailer.thumbnail_storage)
        made._dimensions_cache = (thumbnail.width, thumbnail.height)
        signals.thumbnail_created.send(sender=made)


def record_many(batch: list[tuple[Thumbnailer, list[Rendered]]]) -> None:
    """record() for the thumbnails of many images, in a few queries rather than a few per thumbnail (each of
    easy-thumbnails' get_or_create() is a savepoint and two queries). Sources' times are left alone."""
    now = timezone.now()
    with transaction.atomic():
        sources = _sources(batch, now)
        made = {}  # the thumbnails, by the key of their row in Thumbnail: (storage hash, source id, name)
        for thumbnailer, thumbnails in batch:
            storage_hash = get_storage_hash(thumbnailer.thumbnail_storage)
            source = sources[(get_storage_hash(thumbnailer.source_storage), thumbnailer.name)]
            made |= {(storage_hash, source, thumbnail.name): thumbnail for thumbnail in thumbnails}
        rows = _thumbnail_rows(made)
        Thumbnail.objects.filter(pk__in=[row.pk for row in rows.values()]).update(modified=now)
        missing = made.keys() - rows.keys()
        new = [Thumbnail(storage_hash=key[0], source_id=key[1], name=key[2], modified=now) for key in missing]
        Thumbnail.objects.bulk_create(new, ignore_conflicts=True)  # one recorded meanwhile (an upload) stays
        rows = _thumbnail_rows(made)
        sizes = [
            ThumbnailDimensions(thumbnail=rows[key], width=done.width, height=done.height)
            for key, done in made.items()
        ]
        ThumbnailDimensions.objects.bulk_create(
            sizes, update_conflicts=True, unique_fields=["thumbnail"], update_fields=["width", "height"]
        )
    for thumbnailer, thumbnails in batch:
        for thumbnail in thumbnails:
            stored = ThumbnailFile(thumbnail.name, storage=thumbnailer.thumbnail_storage)
            stored._dimensions_cache = (thumbnail.width, thumbnail.height)
            signals.thumbnail_created.send(sender=stored)


def _sources(batch: list[tuple[Thumbnailer, list[Rendered]]], now) -> dict[tuple[str, str], int]:
    """The ids of the images' rows in easy-thumbnails' Source table, by (storage hash, name); made where missing."""
    keys = {(get_storage_hash(thumbnailer.source_storage), thumbnailer.name) for thumbnailer, _ in batch}

    def existing() -> dict[tuple[str, str], int]:
        rows = Source.objects.filter(name__in={name for _, name in keys}).values_list("storage_hash", "name", "pk")
        return {(storage_hash, name): pk for storage_hash, name, pk in rows if (storage_hash, name) in keys}

    found = existing()
    missing = [Source(storage_hash=key[0], name=key[1], modified=now) for key in keys - found.keys()]
    if missing:
        Source.objects.bulk_create(missing, ignore_conflicts=True)
        found = existing()
    return found


def _thumbnail_rows(made: dict[tuple[str, int, str], Rendered]) -> dict[tuple[str, int, str], Thumbnail]:
    names = {name for _, _, name in made}
    rows = Thumbnail.objects.filter(source_id__in={source for _, source, _ in made}, name__in=names)
    return {key: row for row in rows if (key := (row.storage_hash, row.source_id, row.name)) in made}


def not_made_yet(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> dict[str, dict]:
    """The wanted thumbnails that easy-thumbnails' lookups would not find as made and current."""
    return {
        alias: options
        for alias, options in wanted.items()
        if not thumbnailer.get_existing_thumbnail(thumbnailer.get_options(options))
    }


{%- if cookiecutter.use_filer %}


def make_missing_thumbnails(fieldfile) -> dict[str, str]:
    """Every wanted thumbnail of a stored image not made yet, from one read of the original; failures by alias."""
    thumbnailer = source_thumbnailer(fieldfile)
    wanted = not_made_yet(thumbnailer, wanted_thumbnails(fieldfile))
    if not wanted:
        return {}
    made, failures = render(thumbnailer, _read(None, fieldfile), wanted)
    failures |= publish(thumbnailer.thumbnail_storage, made)
    record(thumbnailer, [thumbnail for thumbnail in made if thumbnail.alias not in failures])
    return failures
{%- endif %}


def keep_uploaded_content(sender, instance, **kwargs) -> None:
    """pre_save handler: hold on to the content of each image about to be stored, for make_thumbnails_on_upload.

    Once stored, the model's field is a new FieldFile with only a name: reading it would be a GET.
    """
    for model_field in sender._meta.concrete_fields:
        if isinstance(model_field, models.FileField):
            fieldfile = getattr(instance, model_field.attname)
            content = getattr(fieldfile, "_file", None)
            if fieldfile and not fieldfile._committed and content is not None and is_image(fieldfile):
                instance.__dict__.setdefault(UPLOADED, {})[model_field.name] = content


def make_thumbnails_on_upload(sender, fieldfile, **kwargs) -> None:
    """saved_file handler: every alias of an image just stored, from the uploaded bytes, written concurrently.

    A thumbnail that cannot be made is logged and left to easy-thumbnails' on-demand path; the upload stands.
    """
    content = fieldfile.instance.__dict__.get(UPLOADED, {}).pop(fieldfile.field.name, None)
    if not fieldfile or not is_image(fieldfile):
        return
    try:
        wanted = wanted_thumbnails(fieldfile)
        if not wanted:
            return
        thumbnailer = source_thumbnailer(fieldfile)
        made, failures = render(thumbnailer, _read(content, fieldfile), wanted)
        failures |= publish(thumbnailer.thumbnail_storage, made)
        record(thumbnailer, [thumbnail for thumbnail in made if thumbnail.alias not in failures], source_changed=True)
    except Exception as error:
        logger.warning("Could not make thumbnails of %s at upload: %s", fieldfile.name, reason(error))
        return
    for alias, why in failures.items():
        logger.warning("Could not make the %r thumbnail of %s at upload: %s", alias, fieldfile.name, why)


def _read(content, fieldfile) -> bytes:
    """The uploaded bytes, from the file object the upload brought (no request)."""
    if content is None or content.closed:  # nothing in hand (e.g. the file was given by name): read it once
        with fieldfile.storage.open(fieldfile.name, "rb") as stored:
            return stored.read()
    content.seek(0)
    data = content.read()
    content.seek(0)
    return data if isinstance(data, bytes) else data.encode()


def reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def puller(storage):
    """pull(name, path) for this storage: a stored file to a local path, with one GET on S3."""
    if not isinstance(storage, S3Storage):

        def pull(name: str, path: Path) -> None:
            with storage.open(name, "rb") as stored, path.open("wb") as local:
                shutil.copyfileobj(stored, local, COPY_BUFFER)

        return pull
    # The storage's client, taken here: storage.connection is per thread. A GET, not download_file(),
    # which would send a HEAD first.
    client, bucket = storage.connection.meta.client, storage.bucket_name

    def pull(name: str, path: Path) -> None:
        parameters = storage.get_object_parameters(name)
        extra = {key: value for key, value in parameters.items() if key in ALLOWED_DOWNLOAD_ARGS}
        body = client.get_object(Bucket=bucket, Key=storage._normalize_name(clean_name(name)), **extra)["Body"]
        with body, path.open("wb") as local:
            shutil.copyfileobj(body, local, COPY_BUFFER)

    return pull


def render_file(instance, field_name: str, source: Path, wanted: dict[str, dict]) -> tuple[list[Rendered], dict]:
    """render() for a model's image whose original was pulled to a local file (runs in a worker process)."""
    return render(source_thumbnailer(getattr(instance, field_name)), source.read_bytes(), wanted)
