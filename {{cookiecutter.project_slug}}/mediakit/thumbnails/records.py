"""Thumbnails recorded in easy-thumbnails' tables, as its own save_thumbnail() records them.

With the rows (names, times, sizes) in place, the {% raw %}{% thumbnail %}{% endraw %} tag and get_thumbnailer() find a thumbnail made
ahead, and its width and height, without a request to the storage.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from easy_thumbnails import signals
from easy_thumbnails.files import Thumbnailer, ThumbnailFile
from easy_thumbnails.models import Source, Thumbnail, ThumbnailDimensions
from easy_thumbnails.utils import get_storage_hash

from .engine import Rendered


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
