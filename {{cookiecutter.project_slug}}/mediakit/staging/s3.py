"""The fast path for S3Storage: boto3's transfer manager on the storage's own client and settings.

Objects get the same key, content type, encoding, ACL and object parameters as storage.save()
would give them; files stream from disk (multipart above the storage's multipart threshold), and
retries are the client's (botocore's standard mode with this project's settings). Writes and undo
are conditional (see conditional.py), so a publish never replaces or removes another's objects.
"""

import copy
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.exceptions import ClientError
from s3transfer.exceptions import CancelledError
from s3transfer.subscribers import BaseSubscriber
from storages.backends.s3 import S3Storage

from ..storage import s3
from ..storage.s3 import DEFAULT_WORKERS, is_not_found, masked_reason
from . import conditional
from .conditional import PROBES, FinalWrites, Support, is_conflict
from .errors import BackupFailed
from .transfers import DownloadJob, Expected, UploadJob, UploadResult, concurrently

logger = logging.getLogger(__name__)

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
BACKUPS = ".staging-backups"  # server-side copies of what overwrite=True replaces, until the publish is done


@dataclass
class Backup:
    name: str  # the storage name of the server-side copy
    etag: str  # the replaced object's ETag, as listed
    acl: dict | None = None  # its ACL (get_object_acl), or None where the bucket has ACLs disabled


class S3Transfers:
    def __init__(self, storage: S3Storage, workers: int | None = None):
        self.storage = storage
        self.listed: set[str] = set()  # every name in the folders existing() listed
        self.client = s3.client(storage)  # thread-safe; shared by all the workers
        self.bucket = storage.bucket_name
        self.workers = workers or self.client.meta.config.max_pool_connections or DEFAULT_WORKERS
        self.config = _transfer_config(storage.transfer_config, self.workers)
        self._support: Support | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return s3.secrets(self.storage)

    def destination(self) -> str:
        """Where files go, for messages: the bucket and the storage's location in it."""
        location = f" under {self.storage.location!r}" if self.storage.location else ""
        return f"S3 bucket {self.bucket!r}{location}"

    def key(self, name: str) -> str:
        return s3.key(self.storage, name)  # adds the storage's location, as storage.save() does

    def write_parameters(self, key: str) -> dict:
        """What storage.save() sends with an object (ACL, type, object parameters): the objects stay identical."""
        return s3.write_parameters(self.storage, key)

    def read_parameters(self, key: str) -> dict:
        return s3.read_parameters(self.storage, key)

    def existing(self, names: Iterable[str]) -> dict[str, str]:
        """Which of these names are taken, with their ETags: one listing per folder (not one request per file)."""
        wanted = defaultdict(dict)  # folder prefix -> {key: name}
        for name in names:
            key = self.key(name)
            wanted[key[: key.rfind("/") + 1]][key] = name
        listed, failures = concurrently(self._keys_in, wanted, self.workers)
        if failures:
            raise next(iter(failures.values()))
        self.listed = set()
        for prefix, keys in wanted.items():
            key, name = next(iter(keys.items()))
            folder = name[: len(name) - len(key) + len(prefix)]  # the folder's name, without the location
            self.listed.update(folder + other[len(prefix) :] for other in listed[prefix])
        return {
            name: listed[prefix][key]
            for prefix, keys in wanted.items()
            for key, name in keys.items()
            if key in listed[prefix]
        }

    def clashes(self, names: Iterable[str]) -> dict[str, str]:
        return {}  # in a bucket, "a/b" and "a/b/c" are two keys: a name never clashes with a "folder"

    def _keys_in(self, prefix: str) -> dict[str, str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        return {item["Key"]: item.get("ETag", "") for page in pages for item in page.get("Contents", ())}

    def prepare(self) -> None:
        self.support()  # probe before anything is written, so that a failing probe stops the publish cleanly

    def support(self) -> Support:
        """What the service honours (probed once per process and bucket; a weaker service is logged)."""
        if self._support is None:
            self._support = conditional.support(self.client, self.bucket, self.key(f"{PROBES}/{uuid.uuid4().hex}"))
        return self._support

    def back_up(self, taken: dict[str, str]) -> dict[str, Backup]:
        """Server-side copies of the objects about to be replaced (object, headers, metadata), and their ACLs."""
        if not taken:
            return {}
        folder = f"{BACKUPS}/{uuid.uuid4().hex}"
        backups = {name: Backup(f"{folder}/{name}", etag) for name, etag in taken.items()}
        acls, failures = concurrently(self._acl, backups, self.workers)
        if not failures:
            failures = self._copy({name: (name, backup.name, backup.etag) for name, backup in backups.items()})
        if failures:
            self.discard_backups(backups)
            raise BackupFailed(failures)
        for name, acl in acls.items():
            backups[name].acl = acl
        return backups

    def _acl(self, name: str) -> dict | None:
        try:
            return self.client.get_object_acl(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if _acls_unsupported(error):
                return None
            raise

    def _copy(self, copies: dict[str, tuple[str, str, str]]) -> dict[str, BaseException]:
        """Server-side copies, {label: (from name, to name, ETag the source must have, or "")}: failures by label.

        s3transfer's copy keeps the content type, headers and metadata (a multipart copy too).
        """
        futures = {}
        with create_transfer_manager(self.client, self.config) as manager:
            for label, (source, target, etag) in copies.items():
                condition = {"CopySourceIfMatch": etag} if etag else {}
                futures[label] = manager.copy(
                    {"Bucket": self.bucket, "Key": self.key(source)}, self.bucket, self.key(target), condition
                )
        failures = {}
        for label, future in futures.items():
            try:
                future.result()
            except Exception as error:
                failures[label] = error
        return failures

    def discard_backups(self, backups: dict[str, Backup], keep: Collection[str] = ()) -> None:
        """Remove the backup copies (except those of the names in ``keep``); a failure only logs."""
        names = [backup.name for name, backup in backups.items() if name not in keep]
        for name, error in self.delete(names).items():
            reason = masked_reason(error, self.secrets)
            logger.warning("Could not remove the backup copy %s: %s", self.key(name), reason)

    def upload(
        self,
        jobs: list[UploadJob],
        *,
        expected: Expected | None = None,
        keep_going: bool = False,
        into: UploadResult | None = None,
    ) -> UploadResult:
        """Upload every file; stop at the first failure unless keep_going.

        Each name in ``expected`` is written only if it still holds what was checked (nothing, or the
        same ETag), where the service honours conditional writes; a PUT replaces in one step.
        ``into`` is filled in even if the upload is interrupted.
        """
        result = UploadResult() if into is None else into
        if not jobs:
            return result
        expected = expected or {}
        conditions = {self.key(name): self._condition(expected, name) for _, name in jobs}
        watcher = _Watcher(len(jobs), keep_going)
        futures = {}
        multipart = any(conditions.values()) and self.support().multipart_writes
        with FinalWrites(self.client, self.bucket, conditions, multipart=multipart) as final:
            try:
                # The manager's own exit waits for what is still running; when interrupted (Ctrl-C too) it
                # first cancels what has not started. (Its shutdown(cancel=True) raises TypeError in
                # s3transfer 0.19 while a transfer is under way.)
                with create_transfer_manager(self.client, self.config) as manager:
                    for path, name in jobs:
                        if watcher.failed and not keep_going:
                            break  # the rest is never sent
                        key = self.key(name)
                        futures[name] = manager.upload(
                            str(path), self.bucket, key, extra_args=self.write_parameters(key), subscribers=[watcher]
                        )
                    watcher.wait()
                    if watcher.failed and not keep_going:
                        for future in futures.values():
                            future.cancel()  # a request already on the wire still finishes (and is noted)
            finally:
                for name, future in futures.items():
                    self._classify(name, future, final.etags.get(self.key(name)), result)
        return result

    def _condition(self, expected: Expected, name: str) -> dict[str, str]:
        if name not in expected:
            return {}
        support = self.support()
        if not support.writes:
            return {}
        etag = expected[name]
        return {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag} if etag else {}

    @staticmethod
    def _classify(name: str, future, etag: str | None, result: UploadResult) -> None:
        """Sort one upload into written (with the ETag the service answered), failed, conflicting or unknown."""
        if etag:
            result.written[name] = etag  # stored by this publish, even if its future was cancelled meanwhile
        try:
            future.result()
        except CancelledError:
            return  # stopped because another file failed: never sent, or sent and answered (noted above)
        except ClientError as error:
            result.failures[name] = error
            if is_conflict(error):
                if error.response.get("ResponseMetadata", {}).get("RetryAttempts"):
                    result.unknown.append(name)  # an earlier attempt, cut off, may have been the one stored
                else:
                    result.conflicts.add(name)
        except Exception as error:
            result.failures[name] = error
            if not etag:
                result.unknown.append(name)  # no answer: stored or not, nobody can say
        else:
            if not etag:
                result.failures[name] = RuntimeError("the service answered the upload without an ETag")
                result.unknown.append(name)

    def undo(self, result: UploadResult, backups: dict[str, Backup]) -> dict[str, str]:
        """Remove this publish's own objects and put replaced ones back; return what could not be undone.

        Only objects this publish wrote are touched: removed with If-Match on their ETag (or after
        comparing it, where conditional deletes are not honoured), restored only while they still
        hold this publish's ETag. A name whose upload got no answer is checked and, if something is
        there, left alone and reported: it cannot be told apart from another writer's object.
        """
        jobs = [(name, etag) for name, etag in result.written.items()] + [(name, None) for name in result.unknown]
        results, errors = concurrently(lambda job: self._undo_one(*job, backups.get(job[0])), jobs, self.workers)
        left_behind = {name: reason for (name, _), reason in results.items() if reason}
        for (name, _), error in errors.items():
            left_behind[name] = f"could not be removed or put back: {masked_reason(error, self.secrets)}"
        for name in left_behind:
            if name in backups:
                left_behind[name] += f"; the previous version is kept at {self.key(backups[name].name)!r}"
        return left_behind

    def _undo_one(self, name: str, ours: str | None, backup: Backup | None) -> str | None:
        key = self.key(name)
        if ours is None:  # the upload got no answer
            current = self._etag(key)
            if current is None or (backup is not None and current == backup.etag):
                return None  # nothing was stored (or the replaced object is still there)
            return "may have been written by this publish (its upload got no answer): check it"
        if backup is not None:
            return self._restore(name, ours, backup)
        if self.support().deletes:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=key, IfMatch=ours)
            except ClientError as error:
                if not (is_conflict(error) or is_not_found(error)):
                    raise  # replaced by someone else since, or already gone: not this publish's any more
        elif self._etag(key) == ours:  # the service ignores If-Match: compare, then delete
            self.client.delete_object(Bucket=self.bucket, Key=key)
        return None

    def _restore(self, name: str, ours: str, backup: Backup) -> str | None:
        key = self.key(name)
        if self._etag(key) != ours:
            return None  # someone else replaced it since: theirs now, not ours to put back
        failures = self._copy({key: (backup.name, name, "")})
        if failures:
            raise failures[key]
        if backup.acl is not None:
            try:
                self.client.put_object_acl(Bucket=self.bucket, Key=key, **_grant_headers(backup.acl["Grants"]))
            except ClientError as error:
                if not _acls_unsupported(error):  # a bucket with ACLs disabled: there is none to put back
                    raise
        return None

    def _etag(self, key: str) -> str | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key, **self.read_parameters(key))["ETag"]
        except ClientError as error:
            if is_not_found(error):
                return None
            raise

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


GRANT_HEADERS = {
    "FULL_CONTROL": "GrantFullControl",
    "READ": "GrantRead",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
    "WRITE": "GrantWrite",
}
GRANTEE_FIELDS = {
    "CanonicalUser": ("id", "ID"),
    "Group": ("uri", "URI"),
    "AmazonCustomerByEmail": ("emailAddress", "EmailAddress"),
}


def _grant_headers(grants: list[dict]) -> dict[str, str]:
    """An object's grants (get_object_acl) as PutObjectAcl's x-amz-grant-* headers.

    The headers rather than an AccessControlPolicy document: S3 takes both, moto only the headers.
    """
    headers: dict[str, list[str]] = defaultdict(list)
    for grant in grants:
        grantee = grant["Grantee"]
        word, field = GRANTEE_FIELDS[grantee["Type"]]
        headers[GRANT_HEADERS[grant["Permission"]]].append(f'{word}="{grantee[field]}"')
    return {header: ", ".join(values) for header, values in headers.items()}


def _acls_unsupported(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code")
    return code in ("AccessControlListNotSupported", "NotImplemented", "MethodNotAllowed")


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
