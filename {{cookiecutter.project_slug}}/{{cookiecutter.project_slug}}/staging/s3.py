"""The fast path for S3Storage: boto3's transfer manager on the storage's own client and settings.

Objects get the same key, content type, encoding, ACL and object parameters as storage.save()
would give them; files stream from disk (multipart above the storage's multipart threshold), and
retries are the client's (botocore's standard mode with this project's settings).
"""

import copy
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from s3transfer.exceptions import CancelledError
from s3transfer.manager import TransferManager
from s3transfer.subscribers import BaseSubscriber
from storages.backends.s3 import S3Storage

from .transfers import DEFAULT_WORKERS, DownloadJob, UploadJob, UploadResult, concurrently

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


class S3Transfers:
    def __init__(self, storage: S3Storage, workers: int | None = None):
        self.storage = storage
        self.client = storage.connection.meta.client  # thread-safe; shared by all the workers
        self.bucket = storage.bucket_name
        self.workers = workers or self.client.meta.config.max_pool_connections or DEFAULT_WORKERS
        self.config = _transfer_config(storage.transfer_config, self.workers)

    @property
    def secrets(self) -> tuple[str, ...]:
        values = (self.storage.access_key, self.storage.secret_key, self.storage.security_token)
        return tuple(value for value in values if value)

    def describe(self) -> str:
        location = f" under {self.storage.location!r}" if self.storage.location else ""
        return f"S3 bucket {self.bucket!r}{location}"

    def key(self, name: str) -> str:
        return self.storage._normalize_name(name)  # adds the storage's location, as storage.save() does

    def write_parameters(self, key: str) -> dict:
        """What S3Storage._save() sends with an object: object parameters, content type and encoding
        guessed from the name, ACL. Its own (private) method, so the objects stay identical to what
        storage.save() writes; tests/test_staging.py compares them, and fails if django-storages changes it.
        """
        return self.storage._get_write_parameters(key)

    def read_parameters(self, key: str) -> dict:
        """The object parameters a download must repeat (customer-provided encryption keys), as S3Storage does."""
        params = self.storage.get_object_parameters(key)
        return {name: value for name, value in params.items() if name in TransferManager.ALLOWED_DOWNLOAD_ARGS}

    def existing(self, names: Iterable[str]) -> set[str]:
        """Which of these names are taken: one listing per folder (not one request per file)."""
        wanted = defaultdict(dict)  # folder prefix -> {key: name}
        for name in names:
            key = self.key(name)
            wanted[key[: key.rfind("/") + 1]][key] = name
        listed, failures = concurrently(self._keys_in, wanted, self.workers)
        if failures:
            raise next(iter(failures.values()))
        return {name for prefix, keys in wanted.items() for key, name in keys.items() if key in listed[prefix]}

    def _keys_in(self, prefix: str) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        return {item["Key"] for page in pages for item in page.get("Contents", ())}

    def upload(
        self, jobs: list[UploadJob], *, replace: Collection[str] = (), keep_going: bool = False
    ) -> UploadResult:
        """Upload every file; stop at the first failure unless keep_going.

        ``replace`` needs nothing here: a PUT replaces an existing object in one step.
        """
        result = UploadResult()
        if not jobs:
            return result
        watcher = _Watcher(len(jobs), keep_going)
        futures = {}
        manager = create_transfer_manager(self.client, self.config)
        try:
            for path, name in jobs:
                if watcher.failed and not keep_going:
                    break  # the rest is never sent
                key = self.key(name)
                result.touched.append(name)
                futures[name] = manager.upload(
                    str(path), self.bucket, key, extra_args=self.write_parameters(key), subscribers=[watcher]
                )
            watcher.wait()
            if watcher.failed and not keep_going:
                for future in futures.values():
                    future.cancel()  # a request already on the wire still finishes: it stays in `touched`
        finally:
            manager.shutdown()  # waits for what is still running
        for name, future in futures.items():
            try:
                future.result()
            except CancelledError:
                pass  # stopped because another file failed
            except Exception as error:
                result.failures[name] = error
        return result

    def download(self, jobs: list[DownloadJob]) -> dict[str, BaseException]:
        failures = {}
        if not jobs:
            return failures
        futures = {}
        with create_transfer_manager(self.client, self.config) as manager:
            for name, path in jobs:
                path.parent.mkdir(parents=True, exist_ok=True)
                key = self.key(name)
                futures[name] = manager.download(self.bucket, key, str(path), extra_args=self.read_parameters(key))
        for name, future in futures.items():
            try:
                future.result()
            except Exception as error:
                failures[name] = error
        return failures

    def delete(self, names: list[str]) -> dict[str, BaseException | str]:
        """Delete these names, up to 1000 per request; deleting a missing name is not an error."""
        batches = [tuple(names[start : start + DELETE_BATCH]) for start in range(0, len(names), DELETE_BATCH)]
        results, errors = concurrently(self._delete_batch, batches, self.workers)
        failures = {name: error for batch, error in errors.items() for name in batch}
        for batch_failures in results.values():
            failures.update(batch_failures)
        return failures

    def _delete_batch(self, names: tuple[str, ...]) -> dict[str, str]:
        keys = {self.key(name): name for name in names}
        response = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )
        return {
            keys[error["Key"]]: f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
            for error in response.get("Errors", ())
        }


class _Watcher(BaseSubscriber):
    """Wakes the caller when every transfer is done, or at the first failure (to cancel the rest)."""

    def __init__(self, expected: int, keep_going: bool):
        self._remaining = expected
        self._keep_going = keep_going
        self._changed = threading.Condition()
        self.failed = False

    def on_done(self, future, **kwargs):
        try:
            future.result()
            failed = False
        except Exception:
            failed = True
        with self._changed:
            self._remaining -= 1
            self.failed = self.failed or failed
            self._changed.notify_all()

    def wait(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._remaining == 0 or (self.failed and not self._keep_going))


def _transfer_config(base: TransferConfig, workers: int) -> TransferConfig:
    """The storage's transfer settings (multipart threshold and part size), with `workers` threads."""
    config = copy.copy(base)
    config.max_concurrency = workers
    config.use_threads = True
    # The classic manager uses the storage's client; a CRT one would make its own, with other settings.
    config.preferred_transfer_client = "classic"
    return config
