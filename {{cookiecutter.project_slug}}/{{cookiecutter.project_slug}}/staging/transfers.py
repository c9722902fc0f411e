"""What both transfer back-ends share: the result of an upload, and running work on a thread pool."""

from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

# botocore keeps 10 connections per client unless its client_config says otherwise; more workers would
# only wait for a free connection (or open throw-away ones).
DEFAULT_WORKERS = 10

UploadJob = tuple[Path, str]  # (local file, storage name)
DownloadJob = tuple[str, Path]  # (storage name, local file)
Item = TypeVar("Item", bound=Hashable)
Result = TypeVar("Result")


@dataclass
class UploadResult:
    failures: dict[str, BaseException] = field(default_factory=dict)
    # Names this upload wrote, or may have written (a request cut off part-way): what undoing it removes.
    touched: list[str] = field(default_factory=list)


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
