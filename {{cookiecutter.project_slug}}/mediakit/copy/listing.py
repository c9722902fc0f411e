"""What is on each side: every object or file under the copy's root, with what tells two copies apart."""

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from ..storage import s3
from ..storage.s3 import is_not_found
from .sides import Side

# Written as user metadata where the copy's ETag cannot match its source's (a multipart upload or copy,
# or a source that was one): the source's ETag, for the next run to compare with.
MARKER = "media-copy-etag"
INTERNAL = ".staging-"  # the staging utility's probes and backups: never copied, never deleted
# A file being written to a local folder: ".NAME.media-copy", and s3transfer's ".NAME.media-copy.XXXXXXXX".
PARTIAL = re.compile(r"\..+\.media-copy(\.[A-Za-z0-9]{8})?")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One object (S3) or file (local), by its name relative to the copy's root."""

    name: str
    size: int
    modified: float  # seconds since the epoch
    etag: str | None = None  # S3 only, quoted as S3 answers it


def listing(side: Side, prefix: str) -> dict[str, Entry]:
    """Every object or file under the side's root, by name (prefix included, as the storage names it)."""
    entries = _s3_listing(side, prefix) if side.is_s3 else _local_listing(side, prefix)
    return {entry.name: entry for entry in entries if not entry.name.split("/")[-1].startswith(INTERNAL)}


def _s3_listing(side: Side, prefix: str):
    storage = side.storage
    location = storage.location.strip("/")
    root = side.root(prefix)
    pages = side.client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket_name, Prefix=f"{root}/" if root else ""
    )
    for page in pages:
        for item in page.get("Contents", ()):
            key = item["Key"]
            if key.endswith("/") or f"/{INTERNAL}" in f"/{key}":
                continue  # a "folder" placeholder, or the staging utility's own objects
            name = key[len(location) + 1 :] if location else key
            yield Entry(name, item["Size"], item["LastModified"].timestamp(), item.get("ETag"))


def _local_listing(side: Side, prefix: str):
    base = Path(side.storage.location).resolve()  # as the root is: a folder reached through a link too
    for folder, folders, files in os.walk(side.root(prefix)):
        folders[:] = [name for name in folders if not name.startswith(INTERNAL)]
        for file_name in files:
            if PARTIAL.fullmatch(file_name):
                continue  # an interrupted copy's: never copied on, removed by the next copy into this folder
            path = Path(folder, file_name)
            stat = path.stat()
            yield Entry(path.relative_to(base).as_posix(), stat.st_size, stat.st_mtime)


def partial_path(path: Path) -> Path:
    """Where a copy writes a local file until it is complete."""
    return path.with_name(f".{path.name}.media-copy")


def remove_partial_files(side: Side, prefix: str) -> int:
    """Delete what interrupted copies left in a local folder (never a finished file); how many."""
    removed = 0
    for folder, _folders, files in os.walk(side.root(prefix)):
        for file_name in files:
            if PARTIAL.fullmatch(file_name):
                Path(folder, file_name).unlink(missing_ok=True)
                removed += 1
    return removed


def is_multipart(etag: str | None) -> bool:
    """Whether an ETag is a multipart upload's (not the MD5 of the content): "...-PARTS"."""
    return etag is not None and "-" in etag


def local_etag(path: Path) -> str:
    """The ETag S3 gives the same bytes in one upload: their MD5, quoted."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as content:
        while chunk := content.read(CHUNK):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'


class Fingerprints:
    """Tells whether the destination already holds the source's bytes, at the least cost.

    Same size and ETag, or where an ETag cannot match (multipart uploads name their parts, not the
    content) the marker written by the copy; for local files, the modification time the copy set,
    else the MD5 of the content.
    """

    def __init__(self, source: Side, destination: Side):
        self.source, self.destination = source, destination

    def source_etag(self, entry: Entry) -> str:
        return entry.etag if self.source.is_s3 else local_etag(Path(self.source.storage.path(entry.name)))

    def same(self, entry: Entry, existing: Entry | None) -> bool:
        if existing is None or existing.size != entry.size:
            return False
        if entry.etag and entry.etag == existing.etag:
            return True
        if not self.destination.is_s3 and int(existing.modified) == int(entry.modified):
            return True  # the copy sets a file's time to its source's
        etag = self.source_etag(entry)
        if self.destination.is_s3:
            if existing.etag == etag:
                return True
            return (is_multipart(existing.etag) or is_multipart(etag)) and self._marker(existing.name) == etag
        return not is_multipart(etag) and local_etag(Path(self.destination.storage.path(existing.name))) == etag

    def _marker(self, name: str) -> str | None:
        storage = self.destination.storage
        try:
            head = self.destination.client.head_object(Bucket=storage.bucket_name, Key=key(storage, name))
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return head.get("Metadata", {}).get(MARKER)


def key(storage, name: str) -> str:
    """The S3 key of a storage name: the storage's location in front, as storage.save() does."""
    return s3.key(storage, name)
