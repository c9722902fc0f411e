"""Thumbnails' reads and writes: an original pulled to a local file, rendered thumbnails written concurrently.

On S3 each is one request through the storage's shared client (storage/s3.py), with what storage.save() and
storage.open() send; on any other storage, the storage's own delete, save and open.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.files.base import ContentFile
from storages.utils import clean_name

from ..storage import s3
from .engine import Rendered, reason

WORKERS = s3.DEFAULT_WORKERS  # concurrent transfers
COPY_BUFFER = 1024 * 1024


def publish(storage, thumbnails: list[Rendered]) -> dict[str, str]:
    """Write the thumbnails to their storage concurrently, replacing what is there; failures by alias."""
    write = writer(storage)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(thumbnails) or 1)) as pool:
        futures = {thumbnail.alias: pool.submit(write, thumbnail) for thumbnail in thumbnails}
    return {alias: reason(future.exception()) for alias, future in futures.items() if future.exception()}


def writer(storage):
    """write(thumbnail) for this storage: one PUT on S3, else the storage's own delete and save."""
    return _s3_writer(storage) if s3.is_s3(storage) else _generic_writer(storage)


def _s3_writer(storage):
    # One PUT through the storage's own client (thread-safe; storage.save() would make a client per
    # thread), with what S3Storage._save() sends: key under its location, ACL, type, object parameters.
    client, bucket = s3.client(storage), storage.bucket_name

    def write(thumbnail: Rendered) -> None:
        key = s3.key(storage, clean_name(thumbnail.name))
        client.put_object(Bucket=bucket, Key=key, Body=thumbnail.content, **s3.write_parameters(storage, key))

    return write


def _generic_writer(storage):
    def write(thumbnail: Rendered) -> None:
        storage.delete(thumbnail.name)  # as easy-thumbnails' save_thumbnail(): replace, never rename
        storage.save(thumbnail.name, ContentFile(thumbnail.content))

    return write


def puller(storage):
    """pull(name, path) for this storage: a stored file to a local path, with one GET on S3."""
    if not s3.is_s3(storage):

        def pull(name: str, path: Path) -> None:
            with storage.open(name, "rb") as stored, path.open("wb") as local:
                shutil.copyfileobj(stored, local, COPY_BUFFER)

        return pull
    # The storage's client, taken here: storage.connection is per thread. A GET, not download_file(),
    # which would send a HEAD first.
    client, bucket = s3.client(storage), storage.bucket_name

    def pull(name: str, path: Path) -> None:
        extra = s3.read_parameters(storage, name)
        body = client.get_object(Bucket=bucket, Key=s3.key(storage, clean_name(name)), **extra)["Body"]
        with body, path.open("wb") as local:
            shutil.copyfileobj(body, local, COPY_BUFFER)

    return pull


def read(content, fieldfile) -> bytes:
    """The uploaded bytes, from the file object the upload brought (no request); else one read of the file."""
    if content is None or content.closed:  # nothing in hand (e.g. the file was given by name): read it once
        with fieldfile.storage.open(fieldfile.name, "rb") as stored:
            return stored.read()
    content.seek(0)
    data = content.read()
    content.seek(0)
    return data if isinstance(data, bytes) else data.encode()
