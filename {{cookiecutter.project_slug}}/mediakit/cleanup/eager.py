"""A replaced or deleted file, and every thumbnail of it, deleted once the transaction commits.

Django leaves a file behind when its row is deleted or given another file; django-filer deletes a file's
thumbnails and the file inside the request, before the transaction commits, so that a rollback loses files
the database still names (and its "replace file" leaves the old ones: filer #954, #1200). Here, as in
django-cleanup, each row's file names are remembered when it is loaded; a name that a save replaced, or a
deleted row's, is deleted after the commit, never before, with every thumbnail of it: those easy-thumbnails
recorded, and those its naming makes (listed by name). A rollback deletes nothing. A file some row still
names after the commit is kept, as is a thumbnail of such a file. The deletes of one transaction go in
DeleteObjects batches, with the listings of thumbnails sent concurrently.
"""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save, pre_delete
from easy_thumbnails.files import get_thumbnailer
from easy_thumbnails.models import Source, Thumbnail
from easy_thumbnails.utils import get_storage_hash

from ..storage import s3
from . import places
from .names import is_thumbnail_of
from .references import Column, in_use, thumbnail_base_dirs

logger = logging.getLogger(__name__)

REMEMBERED = "_mediakit_stored_files"  # the file names a row had in the database, on the instance


@dataclass(frozen=True)
class Doomed:
    """A file no longer named by the row that named it: where it and its thumbnails may be."""

    name: str
    storages: tuple
    thumbnails: tuple  # (thumbnail storage, base folder) pairs


def connect() -> None:
    """Follow the files of every model with a file field (called from the app's ready())."""
    for model in apps.get_models():
        if file_fields(model):
            uid = f"mediakit_cleanup_{model._meta.label}"
            post_init.connect(remember_files, sender=model, dispatch_uid=uid)
            post_save.connect(delete_replaced_files, sender=model, dispatch_uid=uid)
            pre_delete.connect(leave_deletes_to_commit, sender=model, dispatch_uid=uid)
            post_delete.connect(delete_files_of_deleted_row, sender=model, dispatch_uid=uid)


def file_fields(model) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def remember_files(sender, instance, **kwargs) -> None:
    """post_init: the names the row's files have in the database (a new instance has none)."""
    instance.__dict__[REMEMBERED] = _stored_names(sender, instance)


def _stored_names(model, instance) -> dict[str, str]:
    names = {}
    for field in file_fields(model):
        value = instance.__dict__.get(field.attname)  # a deferred field is not loaded: not known, not touched
        name = value if isinstance(value, str) else getattr(value, "name", None) if _is_stored(value) else None
        if name:
            names[field.attname] = name
    return names


def _is_stored(value) -> bool:
    return isinstance(value, models.fields.files.FieldFile) and value._committed


def delete_replaced_files(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """post_save: a file the save replaced is deleted after the commit, with its thumbnails."""
    if raw:  # loading fixtures: files are not this row's to delete
        return
    before = instance.__dict__.get(REMEMBERED, {})
    after = _stored_names(sender, instance)
    for field in file_fields(sender):
        if update_fields is not None and field.name not in update_fields:
            after.pop(field.attname, None)
            if field.attname in before:
                after[field.attname] = before[field.attname]
            continue
        old = before.get(field.attname)
        if old and old != after.get(field.attname):
            schedule(doomed(instance, field, old))
    instance.__dict__[REMEMBERED] = after


def leave_deletes_to_commit(sender, instance, **kwargs) -> None:
    """pre_delete: a model whose delete() deletes its files in the request (django-filer's File.delete()
    deletes the file and its thumbnails right after this signal, before the commit) leaves that to us."""
    for field in file_fields(sender):
        fieldfile = getattr(instance, field.attname)
        if fieldfile:
            fieldfile.delete = _deleted_after_commit


def _deleted_after_commit(*args, **kwargs) -> None:
    """Stands for a field file's delete() during a row's deletion: delete_files_of_deleted_row() does it."""


def delete_files_of_deleted_row(sender, instance, **kwargs) -> None:
    """post_delete: the row's files are deleted after the commit, with their thumbnails."""
    stored = instance.__dict__.get(REMEMBERED, {})
    for field in file_fields(sender):
        name = stored.get(field.attname) or getattr(getattr(instance, field.attname), "name", None)
        if name:
            schedule(doomed(instance, field, name))


def doomed(instance, field: models.FileField, name: str) -> Doomed:
    """Where a file of this field and its thumbnails may be, as easy-thumbnails (or django-filer) puts them."""
    thumbnailer = get_thumbnailer(field.attr_class(instance, field, name))
    thumbnails = {id(thumbnailer.thumbnail_storage): (thumbnailer.thumbnail_storage, thumbnailer.thumbnail_basedir)}
    # django-filer's field: public and private thumbnail storages, each with its base folder.
    options = getattr(field, "thumbnail_options", None) or {}
    for kind, storage in (getattr(field, "thumbnail_storages", None) or {}).items():
        thumbnails.setdefault(id(storage), (storage, options.get(kind, {}).get("base_dir", "")))
    return Doomed(name, Column.of(field).storages, tuple(thumbnails.values()))


class Batch:
    """The files one transaction no longer names, deleted together once it commits."""

    def __init__(self):
        self.doomed: list[Doomed] = []
        self.hook = self.flush  # one bound method, to find it among the connection's commit hooks

    def is_waiting(self, connection) -> bool:
        # Django keeps a transaction's commit hooks in connection.run_on_commit (its test helper
        # captureOnCommitCallbacks reads it too); a rollback empties it.
        return any(hook is self.hook for _, hook, *_ in connection.run_on_commit)

    def flush(self) -> None:
        try:
            failures = delete_files(self.doomed)
        except Exception as error:  # the storage or the database is down: the files stay, for the collector
            secrets = [secret for file in self.doomed for storage in file.storages for secret in s3.secrets(storage)]
            names = ", ".join(sorted({file.name for file in self.doomed}))
            logger.warning(
                "Could not delete %s after the commit (media_cleanup will): %s",
                names,
                s3.masked_reason(error, secrets),
            )
            return
        by_reason: dict[str, list[str]] = {}
        for key, why in failures.items():
            by_reason.setdefault(why, []).append(key)
        for why, keys in by_reason.items():  # one line per reason, naming every file
            logger.warning(
                "Could not delete %s after the commit (media_cleanup will): %s", ", ".join(sorted(keys)), why
            )


_batches: dict[int, Batch] = {}  # by connection (each thread has its own)


def schedule(file: Doomed) -> None:
    """Delete the file and its thumbnails once the current transaction commits (at once outside one)."""
    connection = transaction.get_connection()
    batch = _batches.get(id(connection))
    if batch is not None and connection.in_atomic_block and batch.is_waiting(connection):
        batch.doomed.append(file)
        return
    batch = _batches[id(connection)] = Batch()
    batch.doomed.append(file)
    transaction.on_commit(batch.hook, robust=True)


def delete_files(doomed: list[Doomed]) -> dict[str, str]:
    """Delete the files and their thumbnails but what a row still names; the failures, by key."""
    by_space: dict[tuple, places.Space] = {}
    names_by_key: dict[tuple, dict[str, list[str]]] = {}

    def add(storage, name: str, key: str | None = None) -> None:
        identity = places.identity_of(storage)
        if identity is None:
            return
        by_space.setdefault(identity, places.Space(identity)).storages.append(storage)
        names_by_key.setdefault(identity, {}).setdefault(key or places.key_of(storage, name), []).append(name)

    for file in doomed:
        for storage in file.storages:
            add(storage, file.name)
        for storage, name in _recorded_thumbnails(file):
            add(storage, name)
    with ThreadPoolExecutor(max_workers=places.WORKERS) as pool:
        listed = pool.map(_listed_thumbnails, [(file, *where) for file in doomed for where in file.thumbnails])
        for found in listed:
            for storage, name in found:
                add(storage, name)
    failures, kept, base_dirs = {}, set(), thumbnail_base_dirs()
    for identity, found in names_by_key.items():
        used = in_use(found, base_dirs)
        kept |= {(identity, key) for key in used}
        failures |= places.delete(by_space[identity], [key for key in found if key not in used])
    # easy-thumbnails' rows of the sources deleted (their thumbnails' rows go with them): its index names no
    # file that is gone.
    for file in doomed:
        for storage in file.storages:
            key = places.key_of(storage, file.name)
            if (places.identity_of(storage), key) not in kept and key not in failures:
                Source.objects.filter(name=file.name, storage_hash=get_storage_hash(storage)).delete()
    return failures


def _recorded_thumbnails(file: Doomed) -> list[tuple]:
    """The thumbnails easy-thumbnails recorded for the file, in the thumbnail storages it may use."""
    # A row's storage_hash names the storage's class, not its bucket: each thumbnail storage of that class.
    storages: dict[str, list] = {}
    for storage, _ in file.thumbnails:
        storages.setdefault(get_storage_hash(storage), []).append(storage)
    sources = Source.objects.filter(name=file.name, storage_hash__in=[get_storage_hash(s) for s in file.storages])
    rows = Thumbnail.objects.filter(source__in=sources, storage_hash__in=storages)
    return [
        (storage, name)
        for storage_hash, name in rows.values_list("storage_hash", "name")
        for storage in storages[storage_hash]
    ]


def _listed_thumbnails(where: tuple) -> list[tuple]:
    """The thumbnails of the file found by name in a thumbnail storage (recorded or not): one listing."""
    file, storage, base_dir = where
    if places.identity_of(storage) is None:
        return []
    space = places.Space(places.identity_of(storage), [storage])
    start = places.prefix_of(storage)
    found = []
    for page in places.pages(space, places.key_of(storage, os.path.join(base_dir, file.name))):
        for entry in page:
            name = entry.key.removeprefix(start)
            if is_thumbnail_of(name, file.name, base_dir):
                found.append((storage, name))
    return found
