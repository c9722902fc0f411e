"""Copying one object or file, each way: server-side on one S3 service, streamed between two, or to and
from a local folder. Content type, Cache-Control, the other headers, user metadata go along;
the ACL is the one the destination's configuration gives the file's place.

boto3's transfer manager (s3transfer) does the transfers, on each storage's own client: multipart above
a threshold, retries, and the abort of a multipart upload that fails.
"""

import contextlib
import os
import shutil
from pathlib import Path

from s3transfer.manager import TransferConfig, TransferManager
from s3transfer.subscribers import BaseSubscriber

from ..storage import s3
from ..storage.access import acl_for, is_private
from .listing import MARKER, Entry, Fingerprints, is_multipart, key, partial_path
from .sides import Side

MB = 1024 * 1024
# CopyObject copies up to 5 GB in one request; above it, the copy goes in parts (UploadPartCopy).
COPY_THRESHOLD = 5 * 1024 * MB
COPY_PART_SIZE = 512 * MB
MIN_PART_SIZE = 5 * MB  # S3's smallest part but the last
HEADERS = ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "ContentType")


class KnownSize(BaseSubscriber):
    """Gives s3transfer the size and ETag the listing found, which saves it a HEAD request per object."""

    def __init__(self, entry: Entry):
        self.entry = entry

    def on_queued(self, future, **kwargs):
        future.meta.provide_transfer_size(self.entry.size)
        if self.entry.etag:
            future.meta.provide_object_etag(self.entry.etag)


def transfer_manager(side: Side, workers: int, threshold: int | None = None) -> TransferManager:
    """A transfer manager on the storage's own client: its multipart settings (or `threshold`), `workers` threads."""
    base = side.storage.transfer_config
    if threshold is None:
        threshold, part_size = base.multipart_threshold, base.multipart_chunksize
    else:
        part_size = max(MIN_PART_SIZE, min(COPY_PART_SIZE, threshold))
    config = TransferConfig(
        multipart_threshold=threshold,
        multipart_chunksize=part_size,
        max_request_concurrency=workers,
        max_submission_concurrency=workers,
    )
    return TransferManager(side.client, config)


class ObjectCopier:
    """Copies one entry from source to destination (the same name), by whichever way the sides allow."""

    def __init__(self, source: Side, destination: Side, *, server_side: bool, workers: int, copy_threshold: int):
        self.source, self.destination = source, destination
        self.server_side = server_side
        self.copy_threshold = copy_threshold
        self.upload_threshold = destination.storage.transfer_config.multipart_threshold if destination.is_s3 else 0
        self.fingerprints = Fingerprints(source, destination)
        # The managers are left through their context-manager exit: given the exception that ends a run
        # (Ctrl-C too), it cancels what is under way and aborts those multipart uploads. (Their
        # shutdown(cancel=True) raises TypeError in s3transfer 0.19 while a transfer is in flight.)
        self._managers = contextlib.ExitStack()
        self.managers = {}
        if destination.is_s3:
            self.managers["upload"] = self._managers.enter_context(transfer_manager(destination, workers))
            if server_side:
                copies = transfer_manager(destination, workers, copy_threshold)
                self.managers["copy"] = self._managers.enter_context(copies)
        elif source.is_s3:
            self.managers["download"] = self._managers.enter_context(transfer_manager(source, workers))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self._managers.__exit__(*exc_info)  # waits for the transfers, or cancels them on an exception

    def copy(self, entry: Entry) -> None:
        if self.destination.is_s3:
            if self.server_side:
                self._server_side(entry)
            elif self.source.is_s3:
                self._streamed(entry)
            else:
                self._upload(entry)
        elif self.source.is_s3:
            self._download(entry)
        else:
            self._local(entry)

    # S3 to S3 on one service: the service copies, nothing passes through this machine.
    def _server_side(self, entry: Entry) -> None:
        source = self.source.storage
        source_key = key(source, entry.name)
        extra = self._acl(entry)
        if is_multipart(entry.etag) or entry.size >= self.copy_threshold:
            # The copy's ETag will not be the source's: write the marker, with the headers and metadata,
            # which a multipart copy does not take over by itself once the size is given.
            head = self.source.client.head_object(Bucket=source.bucket_name, Key=source_key)
            extra |= {"MetadataDirective": "REPLACE", **_headers(head), "Metadata": _marked(head, entry.etag)}
        future = self.managers["copy"].copy(
            {"Bucket": source.bucket_name, "Key": source_key},
            self.destination.storage.bucket_name,
            key(self.destination.storage, entry.name),
            extra_args=extra,
            subscribers=[KnownSize(entry)],
            source_client=self.source.client,
        )
        future.result()

    # S3 to S3 on two services (or without the rights for a server-side copy): the GET's body is uploaded as
    # it arrives, in parts above the destination's multipart threshold; never the whole object in memory.
    def _streamed(self, entry: Entry) -> None:
        source = self.source.storage
        source_key = key(source, entry.name)
        extra = self._acl(entry)
        response = self.source.client.get_object(Bucket=source.bucket_name, Key=source_key)
        extra |= _headers(response)
        metadata = {name: value for name, value in response.get("Metadata", {}).items() if name != MARKER}
        if is_multipart(entry.etag) or entry.size >= self.upload_threshold:
            metadata[MARKER] = entry.etag
        extra["Metadata"] = metadata
        with response["Body"] as body:
            self._put(body, entry, extra)

    # A local file to S3: what storage.save() would send (content type from the name, the storage's ACL
    # and object parameters).
    def _upload(self, entry: Entry) -> None:
        destination = self.destination.storage
        extra = s3.write_parameters(destination, key(destination, entry.name))
        extra.pop("ACL", None)
        extra |= self._acl(entry)
        if entry.size >= self.upload_threshold:
            extra["Metadata"] = {**extra.get("Metadata", {}), MARKER: self.fingerprints.source_etag(entry)}
        self._put(self.source.storage.path(entry.name), entry, extra)

    def _put(self, content, entry: Entry, extra: dict) -> None:
        destination = self.destination.storage
        future = self.managers["upload"].upload(
            content,
            destination.bucket_name,
            key(destination, entry.name),
            extra_args=extra,
            subscribers=[KnownSize(entry)],
        )
        future.result()

    # S3 to a local folder: under a partial name (s3transfer adds a suffix of its own while it writes), renamed
    # when complete; a run killed meanwhile leaves only partial names, which no listing takes for files.
    def _download(self, entry: Entry) -> None:
        source = self.source.storage
        path = self._local_path(entry)
        partial = partial_path(path)
        future = self.managers["download"].download(
            source.bucket_name, key(source, entry.name), str(partial), subscribers=[KnownSize(entry)]
        )
        future.result()
        partial.replace(path)
        self._finish_file(path, entry)

    def _local(self, entry: Entry) -> None:
        path = self._local_path(entry)
        partial = partial_path(path)
        shutil.copyfile(self.source.storage.path(entry.name), partial)
        partial.replace(path)
        self._finish_file(path, entry)

    def _local_path(self, entry: Entry) -> Path:
        path = Path(self.destination.storage.path(entry.name))
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _finish_file(self, path: Path, entry: Entry) -> None:
        """The storage's file mode, and the source's time: a next run sees the file is already there."""
        mode = self.destination.storage.file_permissions_mode
        if mode is not None:
            path.chmod(mode)
        os.utime(path, (entry.modified, entry.modified))

    def _acl(self, entry: Entry) -> dict:
        """The ACL the destination's configuration gives a file at this place, never the source's grants:
        a service that grants by bucket policy reports a public file as private (storage/access.py)."""
        private = self.source.private or is_private(self.source.storage, entry.name)
        acl = acl_for(self.destination.storage, entry.name, private=private)
        return {"ACL": acl} if acl else {}


def _headers(response: dict) -> dict:
    return {name: response[name] for name in HEADERS if response.get(name)}


def _marked(head: dict, etag: str) -> dict:
    return {**{name: value for name, value in head.get("Metadata", {}).items() if name != MARKER}, MARKER: etag}
