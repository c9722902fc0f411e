"""What both transfer back-ends share: the Transfers protocol they follow, the result of an upload, and
running work on a thread pool."""

from collections.abc import Callable, Collection, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

# botocore keeps 10 connections per client unless its client_config says otherwise; more workers would
# only wait for a free connection (or open throw-away ones).
DEFAULT_WORKERS = 10

UploadJob = tuple[Path, str]  # (local file, storage name)
DownloadJob = tuple[str, Path]  # (storage name, local file)
# What a write expects to find under its name: None for "nothing" (a new name), else the ETag of the
# object it replaces ("" where the storage gives no ETags). Names that are not given are not checked.
Expected = dict[str, str | None]
Item = TypeVar("Item", bound=Hashable)
Result = TypeVar("Result")


@dataclass
class UploadResult:
    failures: dict[str, BaseException] = field(default_factory=dict)
    # Names this upload stored, with the ETag the storage answered ("" where it gives none): only these
    # objects are this publish's own, and only these an undo may remove.
    written: dict[str, str] = field(default_factory=dict)
    # Names whose request got no answer (the connection broke): stored or not, nobody can say.
    unknown: list[str] = field(default_factory=list)
    # Names another writer created or changed after the check: their objects, left as they are.
    conflicts: set[str] = field(default_factory=set)


class Transfers(Protocol):
    """How a staging area moves files to and from its storage: S3Transfers (S3Storage's fast path, s3.py)
    or StorageTransfers (any other Django storage, generic.py). Backups are whatever back_up() returns."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials every reported reason must have blanked out."""
        ...

    def destination(self) -> str:
        """Where files go, for messages (never with a credential)."""
        ...

    def key(self, name: str) -> str:
        """The whole key a name is stored under (with the storage's own prefix, where it has one)."""
        ...

    def existing(self, names: Iterable[str]) -> dict[str, str]:
        """Which of these names are taken, with their ETags ("" where the storage has none).

        Sets ``listed``: every name in the folders it listed (to tell names that look the same).
        """
        ...

    def clashes(self, names: Iterable[str]) -> dict[str, str]:
        """Names that cannot be files there, whatever overwrite says (a folder has the name), with why."""
        ...

    def prepare(self) -> None:
        """Find out what the storage honours, before anything is written."""
        ...

    def back_up(self, taken: dict[str, str]) -> dict:
        """Copies of the files about to be replaced, by name; raises BackupFailed."""
        ...

    def discard_backups(self, backups: dict, keep: Collection[str] = ()) -> None:
        """Remove the copies, except those of the names in ``keep``."""
        ...

    def upload(
        self,
        jobs: list[UploadJob],
        *,
        expected: Expected | None = None,
        keep_going: bool = False,
        into: UploadResult | None = None,
    ) -> UploadResult: ...

    def undo(self, result: UploadResult, backups: dict) -> dict[str, str]:
        """Remove what this upload wrote, put replaced files back; return what could not be undone, by name."""
        ...

    def download(self, jobs: list[DownloadJob]) -> dict[str, BaseException]:
        """Fetch every name to its local path; return the failures, by name."""
        ...


def check_workers(workers: int | None) -> int | None:
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers must be a whole number of at least 1 (or None for the default), not {workers!r}")
    return workers


def concurrently(
    function: Callable[[Item], Result], items: Iterable[Item], workers: int
) -> tuple[dict[Item, Result], dict[Item, BaseException]]:
    """Run function(item) for every item on a pool of threads: (results, failures), both by item."""
    results, failures = {}, {}
    items = list(items)
    if not items:
        return results, failures
    if len(items) == 1:  # one folder to list, one file to pull: no pool to start
        try:
            results[items[0]] = function(items[0])
        except Exception as error:
            failures[items[0]] = error
        return results, failures
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="staging") as pool:
        futures = {pool.submit(function, item): item for item in items}
        for future in as_completed(futures):
            error = future.exception()
            if error is None:
                results[futures[future]] = future.result()
            else:
                failures[futures[future]] = error
    return results, failures
