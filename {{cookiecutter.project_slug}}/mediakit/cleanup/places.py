"""Where the project's files are, as keys: listed a page at a time, deleted in batches.

A key is the whole S3 key (with the storage's location), or a local file's absolute path. Storages that share
a bucket (or the local disk) share a space; the space is listed once under each outermost location, so that a
file is seen once, with the name it has in each storage whose location holds it.
"""

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.files.storage import FileSystemStorage, storages

from ..storage import s3
from ..storage.operations.inventory import configured_storages
from .references import file_columns

PAGE_SIZE = 1000  # S3's largest page, and the most keys one DeleteObjects takes
WORKERS = s3.DEFAULT_WORKERS


@dataclass(frozen=True)
class Entry:
    """An object as a listing shows it: enough to tell later whether it changed."""

    key: str
    size: int
    modified: datetime
    etag: str


@dataclass
class Space:
    """A bucket on an S3 service (or the local disk), and the storages that keep files in it."""

    identity: tuple
    storages: list = field(default_factory=list)
    _prefixes: list = field(default_factory=list, repr=False, compare=False)
    _known: int = field(default=-1, repr=False, compare=False)

    @property
    def is_s3(self) -> bool:
        return self.identity[0] == "s3"

    def all_prefixes(self) -> list[str]:
        """Each storage's key prefix, once (worked out again only when a storage joins: names() asks per key)."""
        if self._known != len(self.storages):
            self._prefixes, self._known = sorted({prefix_of(storage) for storage in self.storages}), len(self.storages)
        return self._prefixes

    def prefixes(self) -> list[str]:
        """The outermost key prefixes of its storages: each key is under exactly one."""
        found = self.all_prefixes()
        return [prefix for index, prefix in enumerate(found) if not any(prefix.startswith(p) for p in found[:index])]

    def names(self, key: str) -> list[str]:
        """The names a key has in the storages that hold it."""
        return [key.removeprefix(prefix) for prefix in self.all_prefixes() if key.startswith(prefix)]

    @property
    def storage(self):
        return self.storages[0]

    def __str__(self) -> str:
        if self.is_s3:
            return s3.mask_credentials(f"bucket {self.identity[2]} on {self.identity[1] or 'AWS'}")
        return "local files"


def identity_of(storage) -> tuple | None:
    if s3.is_s3(storage):
        return ("s3", storage.endpoint_url or "", storage.bucket_name)
    if isinstance(storage, FileSystemStorage):
        return ("file",)
    return None


def prefix_of(storage) -> str:
    """Where a storage's files begin: its location's key prefix, or its folder's path."""
    if s3.is_s3(storage):
        return s3.key(storage, "-")[:-1]  # the key of a name, less the name: the location, as S3Storage joins it
    return os.path.join(os.path.realpath(storage.location), "")


def key_of(storage, name: str) -> str:
    return s3.key(storage, name) if s3.is_s3(storage) else os.path.realpath(storage.path(name))


def project_storages() -> list:
    """Every storage the project keeps media in: STORAGES (but static files), django-filer's, the file fields'."""
    found = [entry.storage for entry in configured_storages()]
    found += [storages[alias] for alias in storages.backends if alias != "staticfiles"]
    found += [storage for column in file_columns() for storage in column.storages]
    unique = {}
    for storage in found:
        unique.setdefault(id(storage), storage)
    return list(unique.values())


def spaces(candidates: Iterable | None = None) -> tuple[list[Space], list]:
    """The spaces the storages keep files in, and the storages no space can list (neither S3 nor local)."""
    found: dict[tuple, Space] = {}
    unlisted = []
    for storage in project_storages() if candidates is None else candidates:
        identity = identity_of(storage)
        if identity is None:
            unlisted.append(storage)
        else:
            found.setdefault(identity, Space(identity)).storages.append(storage)
    return list(found.values()), unlisted


def pages(space: Space, prefix: str, page_size: int = PAGE_SIZE) -> Iterator[list[Entry]]:
    """The objects under a prefix, a page at a time, in key order."""
    if space.is_s3:
        yield from _s3_pages(space, prefix, page_size)
    else:
        yield from _local_pages(prefix, page_size)


def _s3_pages(space: Space, prefix: str, page_size: int) -> Iterator[list[Entry]]:
    paginator = s3.client(space.storage).get_paginator("list_objects_v2")
    listing = paginator.paginate(Bucket=space.identity[2], Prefix=prefix, PaginationConfig={"PageSize": page_size})
    for page in listing:
        yield [
            Entry(item["Key"], item["Size"], item["LastModified"], item.get("ETag", ""))
            for item in page.get("Contents", [])
        ]


def _local_pages(prefix: str, page_size: int) -> Iterator[list[Entry]]:
    """As S3 lists a prefix: every file whose path starts with it (a folder, or the start of file names)."""
    page: list[Entry] = []
    for folder, subfolders, files in os.walk(prefix if prefix.endswith(os.sep) else os.path.dirname(prefix)):
        subfolders.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not path.startswith(prefix):
                continue
            entry = _stat(path)
            if entry is None:
                continue  # deleted meanwhile
            page.append(entry)
            if len(page) >= page_size:
                yield page
                page = []
    if page:
        yield page


def current(space: Space, entries: list[Entry]) -> dict[str, Entry]:
    """The entries as the storage has them now, those still there: listed again, one request for a page of
    keys rather than one per object."""
    if not entries:
        return {}
    keys = sorted(entry.key for entry in entries)
    if not space.is_s3:
        return {key: again for key in keys if (again := _stat(key))}
    wanted, found = set(keys), {}
    listing = (
        s3.client(space.storage)
        .get_paginator("list_objects_v2")
        .paginate(Bucket=space.identity[2], Prefix=os.path.commonprefix([keys[0], keys[-1]]), StartAfter=keys[0][:-1])
    )
    for page in listing:
        for item in page.get("Contents", []):
            if item["Key"] in wanted:
                found[item["Key"]] = Entry(item["Key"], item["Size"], item["LastModified"], item.get("ETag", ""))
        if not page.get("Contents") or page["Contents"][-1]["Key"] >= keys[-1]:
            break
    return found


def _stat(path: str) -> Entry | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return Entry(path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC), f"{stat.st_mtime_ns}-{stat.st_size}")


def delete(space: Space, keys: Iterable[str]) -> dict[str, str]:
    """Delete the keys, in batches of 1000 (DeleteObjects) sent concurrently; the failures, by key."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    if not space.is_s3:
        return _delete_local(keys)
    client, bucket = s3.client(space.storage), space.identity[2]
    secrets = s3.secrets(space.storage)

    def send(batch: list[str]) -> dict[str, str]:
        try:
            answer = client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
        except Exception as error:
            why = s3.masked_reason(error, secrets)
            return dict.fromkeys(batch, why)
        return {
            error["Key"]: s3.mask_credentials(f"{error.get('Code')}: {error.get('Message')}", secrets)
            for error in answer.get("Errors", [])
        }

    batches = [keys[index : index + PAGE_SIZE] for index in range(0, len(keys), PAGE_SIZE)]
    failures: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(batches))) as pool:
        for found in pool.map(send, batches):
            failures |= found
    return failures


def _delete_local(paths: list[str]) -> dict[str, str]:
    failures = {}
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass  # gone already: what was wanted
        except OSError as error:
            failures[path] = f"{type(error).__name__}: {error.strerror}"
    return failures
