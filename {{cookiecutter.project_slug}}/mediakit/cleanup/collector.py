"""The collector: objects no row names, older than a grace period, found and (with delete) deleted.

A mark and sweep as storage services do it, in pages so that memory stays flat: each page of a listing is
checked against the database (one query per file column), never the whole bucket against all rows. An
object is an orphan when no row names it, it is no thumbnail of a file a row names (by name, or by
easy-thumbnails' row), and it is older than the grace period (an upload whose row is not committed yet is
younger). Before a page's orphans are deleted, each is checked again: still named by no row (a row committed
meanwhile keeps it) and unchanged since the listing (listed again: same ETag, size and time).
Incomplete multipart uploads older than the grace period are aborted; easy-thumbnails' rows of files that
are gone are dropped, rows of files that exist are kept.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from easy_thumbnails.models import Source, Thumbnail
from easy_thumbnails.utils import get_storage_hash

from ..storage import s3
from . import places
from .references import chunks, in_use, named, thumbnail_base_dirs


@dataclass
class Report:
    orphans: int = 0
    orphan_bytes: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    changed: int = 0  # orphans named or changed again before their delete: kept
    uploads: int = 0  # incomplete multipart uploads older than the grace period
    aborted: int = 0
    stale_rows: int = 0  # easy-thumbnails' rows of files that are gone
    failures: dict[str, str] = field(default_factory=dict)
    versioned: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)


class Collector:
    """One run: report (the default) or delete what no row uses, under every space of the project."""

    def __init__(
        self,
        *,
        older_than: datetime,
        delete: bool = False,
        page_size: int = places.PAGE_SIZE,
        say: Callable[[str], None] = print,
        spaces: list[places.Space] | None = None,
    ):
        self.older_than = older_than
        self.delete = delete
        self.page_size = page_size
        self.say = say
        self.report = Report()
        if spaces is None:
            spaces, unlisted = places.spaces()
            self.report.unlisted = [type(storage).__name__ for storage in unlisted]
        self.spaces = spaces
        self.base_dirs = thumbnail_base_dirs()

    def run(self) -> Report:
        for space in self.spaces:
            self._versioning(space)
            for prefix in space.prefixes():
                for page in places.pages(space, prefix, self.page_size):
                    self.page(space, page)
                if space.is_s3:
                    self._uploads(space, prefix)
        self._stale_rows()
        return self.report

    def page(self, space: places.Space, page: list[places.Entry]) -> None:
        old = [entry for entry in page if entry.modified < self.older_than]
        used = in_use({entry.key: space.names(entry.key) for entry in old}, self.base_dirs)
        orphans = [entry for entry in old if entry.key not in used]
        for entry in orphans:
            self.say(f"orphan {entry.key} ({entry.size} bytes, {entry.modified:%Y-%m-%d %H:%M:%S})")
        self.report.orphans += len(orphans)
        self.report.orphan_bytes += sum(entry.size for entry in orphans)
        if self.delete and orphans:
            self._delete(space, orphans)

    def _delete(self, space: places.Space, orphans: list[places.Entry]) -> None:
        now = places.current(space, orphans)
        unchanged = [entry for entry in orphans if now.get(entry.key) == entry]
        named_again = in_use({entry.key: space.names(entry.key) for entry in unchanged}, self.base_dirs)
        doomed = [entry for entry in unchanged if entry.key not in named_again]
        self.report.changed += len(orphans) - len(doomed)
        failures = places.delete(space, [entry.key for entry in doomed])
        self.report.failures |= failures
        deleted = [entry for entry in doomed if entry.key not in failures]
        self.report.deleted += len(deleted)
        self.report.deleted_bytes += sum(entry.size for entry in deleted)
        self._drop_rows(space, [entry.key for entry in deleted])

    def _drop_rows(self, space: places.Space, keys: list[str]) -> None:
        """easy-thumbnails' rows of deleted files: as sources (their thumbnails' rows go too), as thumbnails."""
        for storage in space.storages:
            start, storage_hash = places.prefix_of(storage), get_storage_hash(storage)
            names = [key.removeprefix(start) for key in keys if key.startswith(start)]
            for chunk in chunks(names):
                Source.objects.filter(storage_hash=storage_hash, name__in=chunk).delete()
                Thumbnail.objects.filter(storage_hash=storage_hash, name__in=chunk).delete()

    def _versioning(self, space: places.Space) -> None:
        if not space.is_s3:
            return
        try:
            status = s3.client(space.storage).get_bucket_versioning(Bucket=space.identity[2]).get("Status")
        except Exception:  # not every service answers it (nor every key may ask): nothing to say
            return
        if status in ("Enabled", "Suspended"):
            self.report.versioned.append(str(space))

    def _uploads(self, space: places.Space, prefix: str) -> None:
        client, bucket = s3.client(space.storage), space.identity[2]
        old = []
        for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < self.older_than:
                    self.say(f"incomplete upload {upload['Key']} (started {upload['Initiated']:%Y-%m-%d %H:%M:%S})")
                    old.append(upload)
        self.report.uploads += len(old)
        if not self.delete or not old:
            return
        secrets = s3.secrets(space.storage)

        def abort(upload: dict) -> str | None:
            try:
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            except Exception as error:
                return s3.masked_reason(error, secrets)
            return None

        with ThreadPoolExecutor(max_workers=places.WORKERS) as pool:
            for upload, why in zip(old, pool.map(abort, old), strict=True):
                if why:
                    self.report.failures[f"upload {upload['Key']}"] = why
                else:
                    self.report.aborted += 1

    def _stale_rows(self) -> None:
        """easy-thumbnails' rows of sources no row names and no storage has: dropped (with delete), counted.

        A row's storage_hash names the storage's class, not its bucket: a source is gone when no storage of
        that class has it.
        """
        storages: dict[str, list] = {}
        for space in self.spaces:
            for storage in space.storages:
                storages.setdefault(get_storage_hash(storage), []).append(storage)
        rows = Source.objects.filter(storage_hash__in=storages, modified__lt=self.older_than).order_by("pk")
        last = 0
        while page := list(rows.filter(pk__gt=last).values_list("pk", "name", "storage_hash")[: self.page_size]):
            last = page[-1][0]
            used = named({name for _, name, _ in page})
            unnamed = [(pk, name, storages[storage_hash]) for pk, name, storage_hash in page if name not in used]
            with ThreadPoolExecutor(max_workers=places.WORKERS) as pool:
                exists = list(pool.map(lambda row: any(storage.exists(row[1]) for storage in row[2]), unnamed))
            gone = [pk for (pk, _, _), there in zip(unnamed, exists, strict=True) if not there]
            self.report.stale_rows += len(gone)
            if self.delete and gone:
                Source.objects.filter(pk__in=gone).delete()
