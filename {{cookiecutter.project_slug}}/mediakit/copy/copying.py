"""Copy media from one storage to another: list both sides, copy what differs concurrently, and (to mirror)
delete what the source does not have. Plain functions: a command calls them, a background task could too."""

import contextlib
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ..storage.access import access_rule
from ..storage.operations.probe import explain_client_error
from ..storage.s3 import DEFAULT_WORKERS, is_not_found, mask_credentials, masked_reason
from .listing import INTERNAL, Entry, Fingerprints, key, listing, remove_partial_files
from .objects import COPY_THRESHOLD, ObjectCopier
from .sides import CopyRefused, Side, check_apart, maybe_one_bucket, overlap, refused_overlap, same_service

logger = logging.getLogger(__name__)

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
Progress = Callable[[str, Entry], None]  # called with "copied", "skipped" or "failed" and the entry, as each is done


@dataclass
class Plan:
    """Both sides listed: what a run compares and copies."""

    source: Side
    destination: Side
    prefix: str
    source_entries: dict[str, Entry]
    destination_entries: dict[str, Entry]

    @property
    def extra(self) -> list[str]:
        """What the destination holds and the source does not: deleted by a mirroring run."""
        return sorted(set(self.destination_entries) - set(self.source_entries))


@dataclass
class CopyResult:
    dry_run: bool = False
    server_side: bool = False
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    skipped_bytes: int = 0
    deleted: int = 0
    aborted: int = 0  # incomplete multipart uploads of an earlier, interrupted run
    partial: int = 0  # partial local files of an earlier, interrupted run, removed
    failures: dict[str, str] = field(default_factory=dict)  # name -> why, credentials masked
    delete_held_back: bool = False  # a mirror deletes nothing after a failed copy: the source may be unreadable
    access: str = ""  # how the destination's configuration decided public and private (S3 destinations)

    def count(self, copied: bool, size: int) -> None:
        if copied:
            self.copied += 1
            self.copied_bytes += size
        else:
            self.skipped += 1
            self.skipped_bytes += size


def plan_copy(source: Side, destination: Side, prefix: str = "", *, delete: bool = False) -> Plan:
    """List both sides under `prefix` (a folder), after refusing a copy onto itself.

    With `delete` (a mirror), a source that lists nothing is refused: a typo in its prefix would
    otherwise delete everything at the destination."""
    prefix = prefix.strip("/")
    if {".", ".."} & set(prefix.split("/")):
        raise CopyRefused("--prefix must not contain '.' or '..' segments")
    check_apart(source, destination, prefix)
    if maybe_one_bucket(source, destination, prefix):
        _check_marker(source, destination, prefix, delete)
    if not source.is_s3 and not Path(source.storage.location).is_dir():
        raise CopyRefused(f"SOURCE ({source.variable}): the folder {source.storage.location} does not exist")
    plan = Plan(source, destination, prefix, _listed(source, prefix), _listed(destination, prefix))
    if delete and not plan.source_entries:
        raise CopyRefused(
            f"SOURCE ({source.variable}) holds no file under {source.root(prefix) or 'its root'!r}: with --delete "
            "every file at DESTINATION would be deleted; nothing was copied or deleted (check SOURCE and --prefix)"
        )
    return plan


def _check_marker(source: Side, destination: Side, prefix: str, delete: bool) -> None:
    """Write a marker at the destination and look for it through the source: seen, they are one bucket.

    Where that cannot be told (the marker cannot be written, or looked for), a copy goes on, a mirror does not.
    """
    storage = destination.storage
    root = destination.root(prefix)
    marker = "/".join(part for part in (root, f"{INTERNAL}media-copy-{uuid.uuid4().hex}") if part)
    try:
        destination.client.put_object(Bucket=storage.bucket_name, Key=marker, Body=b"")
    except (BotoCoreError, ClientError) as error:
        if delete:
            raise _cannot_tell(source, destination, "no marker could be written there", error) from None
        return  # a plain copy deletes nothing; its own writes will fail alike
    try:
        source.client.head_object(Bucket=source.storage.bucket_name, Key=marker)
    except (BotoCoreError, ClientError) as error:
        if delete and not is_not_found(error):
            raise _cannot_tell(source, destination, "the marker could not be looked for", error) from None
        return
    else:
        problem = f"{overlap(source, destination, prefix)}, one bucket reached through two spellings of its endpoint"
        raise refused_overlap(source, destination, problem)
    finally:
        with contextlib.suppress(BotoCoreError, ClientError):
            destination.client.delete_object(Bucket=storage.bucket_name, Key=marker)


def _cannot_tell(source: Side, destination: Side, what: str, error: Exception) -> CopyRefused:
    reason = mask_credentials(masked_reason(error, source.secrets + destination.secrets))
    return CopyRefused(
        f"DESTINATION ({destination.variable}) may be SOURCE's bucket on an endpoint written otherwise, and {what} "
        f"to tell them apart ({reason}); --delete needs them told apart (without it nothing is deleted)"
    )


def _listed(side: Side, prefix: str) -> dict[str, Entry]:
    try:
        return listing(side, prefix)
    except ClientError as error:
        reason = explain_client_error(error, side.storage, side.variable)
    except EndpointConnectionError:
        reason = f"the endpoint {mask_credentials(side.storage.endpoint_url)} is unreachable"
    except (BotoCoreError, OSError) as error:
        reason = mask_credentials(masked_reason(error, side.secrets))
    raise CopyRefused(f"{side.role} ({side.variable}): cannot list {side}: {reason}")


def run_copy(
    plan: Plan,
    *,
    delete: bool = False,
    dry_run: bool = False,
    workers: int = DEFAULT_WORKERS,
    copy_threshold: int = COPY_THRESHOLD,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy every entry the destination lacks or holds otherwise; with `delete`, remove what the source lacks.

    A second run copies nothing that is already there, so an interrupted run is resumed by running it
    again; the multipart uploads it left unfinished are aborted first. Failures are collected, never raised.
    """
    result = CopyResult(dry_run=dry_run, server_side=server_side_possible(plan))
    if plan.destination.is_s3:
        result.access = access_rule(plan.destination.storage)
    secrets = plan.source.secrets + plan.destination.secrets
    result.aborted = abort_unfinished_uploads(plan, dry_run)
    if not plan.destination.is_s3 and not dry_run:
        result.partial = remove_partial_files(plan.destination, plan.prefix)
    fingerprints = Fingerprints(plan.source, plan.destination)
    copier = None
    if not dry_run:
        copier = ObjectCopier(
            plan.source,
            plan.destination,
            server_side=result.server_side,
            workers=workers,
            copy_threshold=copy_threshold,
        )

    def copy_one(entry: Entry) -> bool:
        if fingerprints.same(entry, plan.destination_entries.get(entry.name)):
            return False
        if copier is not None:
            copier.copy(entry)
        return True

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-copy")
    try:
        with copier or contextlib.nullcontext():
            try:
                for entry, outcome in _copied(pool, copy_one, plan.source_entries.values(), result, secrets):
                    if progress is not None:
                        progress(outcome, entry)
            except BaseException:  # interrupted: start nothing new; leaving `copier` cancels what is under way
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        pool.shutdown()
    if delete and result.failures:
        result.delete_held_back = True
    elif delete:
        result.deleted = delete_extra(plan, dry_run, result.failures, secrets)
    return result


def _copied(pool, copy_one, entries, result: CopyResult, secrets: tuple[str, ...]):
    """Run copy_one on every entry; count each outcome in `result` and yield (entry, outcome) as each ends."""
    futures = {pool.submit(copy_one, entry): entry for entry in entries}
    for future in as_completed(futures):
        entry = futures[future]
        try:
            copied = future.result()
        except Exception as error:
            result.failures[entry.name] = mask_credentials(masked_reason(error, secrets))
            yield entry, "failed"
        else:
            result.count(copied, entry.size)
            yield entry, "copied" if copied else "skipped"


def server_side_possible(plan: Plan) -> bool:
    """Both sides on one S3 service, and the destination's key may read the source (one HEAD tells)."""
    if not same_service(plan.source, plan.destination):
        return False
    first = next(iter(plan.source_entries.values()), None)
    if first is None:
        return True
    source = plan.source.storage
    client = plan.destination.client
    try:
        client.head_object(Bucket=source.bucket_name, Key=key(source, first.name))
    except ClientError as error:
        return is_not_found(error)  # gone since the listing: says nothing about the rights
    return True


def abort_unfinished_uploads(plan: Plan, dry_run: bool) -> int:
    """Abort the multipart uploads an interrupted copy left under the destination's root (for names it copies)."""
    if not plan.destination.is_s3:
        return 0
    storage = plan.destination.storage
    client = plan.destination.client
    root = plan.destination.root(plan.prefix)
    names = {key(storage, name) for name in plan.source_entries}
    pages = client.get_paginator("list_multipart_uploads").paginate(
        Bucket=storage.bucket_name, Prefix=f"{root}/" if root else ""
    )
    try:
        unfinished = [upload for page in pages for upload in page.get("Uploads", ()) if upload["Key"] in names]
    except ClientError as error:  # a key that may copy but not list uploads: the copy goes on
        logger.warning("Cannot list unfinished multipart uploads in %s: %s", plan.destination, error)
        return 0
    if not dry_run:
        for upload in unfinished:
            with contextlib.suppress(ClientError):  # finished or aborted meanwhile
                client.abort_multipart_upload(
                    Bucket=storage.bucket_name, Key=upload["Key"], UploadId=upload["UploadId"]
                )
    return len(unfinished)


def delete_extra(plan: Plan, dry_run: bool, failures: dict[str, str], secrets: tuple[str, ...]) -> int:
    """Delete what the destination holds and the source does not; failures are added by name."""
    names = plan.extra
    if dry_run or not names:
        return len(names)
    deleted = 0
    storage = plan.destination.storage
    if plan.destination.is_s3:
        client = plan.destination.client
        for start in range(0, len(names), DELETE_BATCH):
            batch = {key(storage, name): name for name in names[start : start + DELETE_BATCH]}
            try:
                response = client.delete_objects(
                    Bucket=storage.bucket_name, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            except ClientError as error:
                failures.update(dict.fromkeys(batch.values(), f"not deleted: {masked_reason(error, secrets)}"))
                continue
            errors = {item["Key"]: item.get("Code", "Error") for item in response.get("Errors", ())}
            failures.update({batch[k]: f"not deleted: {code}" for k, code in errors.items()})
            deleted += len(batch) - len(errors)
        return deleted
    for name in names:
        try:
            Path(storage.path(name)).unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            failures[name] = f"not deleted: {error.strerror or error}"
            continue
        deleted += 1
    return deleted
