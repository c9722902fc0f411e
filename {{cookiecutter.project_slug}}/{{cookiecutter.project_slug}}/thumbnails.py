"""Thumbnails made ahead of time: rendered from the bytes in hand, written concurrently, recorded.

On S3, easy-thumbnails makes a missing thumbnail inside the page request that shows it: read the
source, delete, write, one after another, for each size. Here every alias of an image is made when
it is uploaded (make_thumbnails_on_upload, connected to easy-thumbnails' saved_file signal in
apps.py) or in bulk (manage.py warm_thumbnails): under the names easy-thumbnails{% if cookiecutter.use_filer %} (or django-filer){% endif %}
would choose, in the storage it would use, with the database records its lookups read. The
{% raw %}{% thumbnail %}{% endraw %} tag and get_thumbnailer() then find them without a request to the storage.

The pixels are easy-thumbnails' own, rendered from the bytes in hand (thumbnail_rendering.py).
"""

import logging
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from easy_thumbnails import signals
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import Thumbnailer, ThumbnailFile, get_thumbnailer
from easy_thumbnails.models import Source, Thumbnail, ThumbnailDimensions
from easy_thumbnails.utils import get_storage_hash
{%- if cookiecutter.use_filer %}
from filer.models.abstract import BaseImage
{%- endif %}
from s3transfer.constants import ALLOWED_DOWNLOAD_ARGS
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

{% if cookiecutter.use_filer -%}
from . import filer_thumbnails
{% endif -%}
from .thumbnail_rendering import Rendered, reason, render

logger = logging.getLogger(__name__)

WORKERS = 10  # concurrent transfers; the S3 client keeps 10 connections by default
COPY_BUFFER = 1024 * 1024
UPLOADED = "_thumbnail_sources"  # where keep_uploaded_content() leaves the content on the instance


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
    try:
        _record_rows(thumbnailer, thumbnails, source_changed=source_changed)
    except IntegrityError:
        # Another process recorded the same rows meanwhile (a task delivered twice, two workers on one image):
        # easy-thumbnails' unique rows raise when two inserts race. Its rows are committed now: update them.
        _record_rows(thumbnailer, thumbnails, source_changed=source_changed)
    for thumbnail in thumbnails:
        made = ThumbnailFile(thumbnail.name, storage=thumbnailer.thumbnail_storage)
        made._dimensions_cache = (thumbnail.width, thumbnail.height)
        signals.thumbnail_created.send(sender=made)


def _record_rows(thumbnailer: Thumbnailer, thumbnails: list[Rendered], *, source_changed: bool) -> None:
    with transaction.atomic():
        if source_changed or not thumbnailer.get_source_cache():
            thumbnailer.get_source_cache(create=True, update=True)
        for thumbnail in thumbnails:
            cached = thumbnailer.get_thumbnail_cache(thumbnail.name, create=True, update=True)
            ThumbnailDimensions.objects.update_or_create(
                thumbnail=cached, defaults={"width": thumbnail.width, "height": thumbnail.height}
            )


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
    wanted = not_made_yet(source_thumbnailer(fieldfile), wanted_thumbnails(fieldfile))
    return make_thumbnails(fieldfile, wanted=wanted)[1]
{%- endif %}


def make_thumbnails(
    fieldfile, content=None, *, wanted: dict[str, dict] | None = None, source_changed: bool = False
) -> tuple[int, dict[str, str]]:
    """The pipeline the upload handler, the focal point and the tasks (tasks.py) share: the wanted thumbnails
    (default: every alias) of a stored image, rendered from one read of its bytes (`content` if in hand),
    written concurrently and recorded. How many were made, and the failures by alias."""
    if wanted is None:
        wanted = wanted_thumbnails(fieldfile)
    if not wanted:
        return 0, {}
    thumbnailer = source_thumbnailer(fieldfile)
    made, failures = render(thumbnailer, _read(content, fieldfile), wanted)
    failures |= publish(thumbnailer.thumbnail_storage, made)
    stored = [thumbnail for thumbnail in made if thumbnail.alias not in failures]
    record(thumbnailer, stored, source_changed=source_changed)
    return len(stored), failures


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
        failures = make_thumbnails(fieldfile, content, source_changed=True)[1]
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
