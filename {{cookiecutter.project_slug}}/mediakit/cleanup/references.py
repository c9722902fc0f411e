"""What the database still names: the files of every FileField row, and thumbnails of those files.

Checked by name for a page of names at a time (one query per file column), never loaded whole: memory
stays flat however many rows and objects there are. A name counts as used whichever storage the row's
file is in: a same-named file elsewhere is kept too, which errs on the side of keeping.
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.apps import apps
from django.db import models
from easy_thumbnails.models import Thumbnail

from .names import sources_of

CHUNK = 500  # names per query: below SQLite's limit of variables in one statement


@dataclass(frozen=True)
class Column:
    """A model's file field, and every storage its files may be in."""

    model: type[models.Model]
    field: str
    storages: tuple

    @classmethod
    def of(cls, field: models.FileField) -> "Column":
        # django-filer's file field keeps public and private files in two storages (field.storages).
        storages = getattr(field, "storages", None)
        return cls(field.model, field.name, tuple(storages.values()) if storages else (field.storage,))


def file_columns() -> list[Column]:
    """Every file field of every installed model, once (on the model that declares it)."""
    return [
        Column.of(field)
        for model in apps.get_models()
        if not model._meta.proxy
        for field in model._meta.local_concrete_fields
        if isinstance(field, models.FileField)
    ]


def named(names: Collection[str], columns: Iterable[Column] | None = None) -> set[str]:
    """Those of the names some row's file field holds."""
    found: set[str] = set()
    if not names:
        return found
    for column in file_columns() if columns is None else columns:
        for chunk in chunks(names):
            rows = column.model._base_manager.filter(**{f"{column.field}__in": chunk})
            found.update(rows.values_list(column.field, flat=True))
    return found


def in_use(names_by_key: dict[str, list[str]], base_dirs: tuple[str, ...] = ()) -> set[str]:
    """The keys whose file is still used: a row names it, or it is a thumbnail of a file a row names.

    names_by_key: for each key, the names it has in the storages that hold it. A thumbnail belongs to its
    source by its name (names.sources_of) or by easy-thumbnails' row for it, whichever says so.
    """
    names = {name for found in names_by_key.values() for name in found}
    sources = {name: sources_of(name, base_dirs) for name in names}
    recorded: dict[str, set[str]] = {}
    for chunk in chunks(names):
        for name, source in Thumbnail.objects.filter(name__in=chunk).values_list("name", "source__name"):
            recorded.setdefault(name, set()).add(source)
    asked = names | {source for found in sources.values() for source in found}
    asked |= {source for found in recorded.values() for source in found}
    used = named(asked)

    def is_used(name: str) -> bool:
        return name in used or any(source in used for source in [*sources[name], *recorded.get(name, ())])

    return {key for key, found in names_by_key.items() if any(is_used(name) for name in found)}


def chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def thumbnail_base_dirs() -> tuple[str, ...]:
    """The folders thumbnails are kept under apart from their sources: easy-thumbnails' THUMBNAIL_BASEDIR and
    each base_dir of django-filer's thumbnail options."""
    from easy_thumbnails.conf import settings as thumbnail_settings

    found = {thumbnail_settings.THUMBNAIL_BASEDIR}
    for column in file_columns():
        options = getattr(column.model._meta.get_field(column.field), "thumbnail_options", None) or {}
        found.update(option.get("base_dir", "") for option in options.values())
    return tuple(sorted(base_dir.strip("/") for base_dir in found if base_dir))
