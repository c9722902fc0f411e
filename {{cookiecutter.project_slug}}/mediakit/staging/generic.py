"""The path for any other Django storage (FileSystemStorage, ...): its own save/listdir/delete on threads."""

import posixpath
import shutil
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

from ..storage.s3 import DEFAULT_WORKERS, masked_reason
from .errors import BackupFailed
from .transfers import DownloadJob, Expected, UploadJob, UploadResult, concurrently


class StorageTransfers:
    secrets = ()  # a generic storage's credentials are unknown here; its own errors must not show them

    def __init__(self, storage: Storage, workers: int | None, backup_folder: Path):
        self.storage = storage
        self.listed: set[str] = set()  # every name in the folders existing() listed
        self.workers = workers or DEFAULT_WORKERS
        self.backup_folder = backup_folder

    def destination(self) -> str:
        """Where files go, for messages: the storage's class and location."""
        location = getattr(self.storage, "location", None)
        where = f" at {location}" if isinstance(location, str) and location else ""
        return f"{type(self.storage).__name__}{where}"

    def existing(self, names: Iterable[str]) -> dict[str, str]:
        """Which of these names are taken (other storages have no ETags: ""): one listdir() per folder."""
        wanted = defaultdict(set)
        for name in names:
            wanted[posixpath.dirname(name)].add(name)
        listed, failures = concurrently(self._files_in, wanted, self.workers)
        if failures:
            raise next(iter(failures.values()))
        self.listed = set().union(*listed.values())
        return {name: "" for folder, there in wanted.items() for name in sorted(there) if name in listed[folder]}

    def key(self, name: str) -> str:
        return name

    def _files_in(self, folder: str) -> set[str]:
        return self._listed(folder)[1]

    def _listed(self, folder: str) -> tuple[set[str], set[str]]:
        """The folders and the files in a folder, by their names in the storage."""
        try:
            folders, files = self.storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return set(), set()
        return {posixpath.join(folder, name) for name in folders}, {posixpath.join(folder, name) for name in files}

    def clashes(self, names: Iterable[str]) -> dict[str, str]:
        """A folder where a file goes, or a file where a folder goes: one listdir() per folder on the way."""
        names = list(names)
        folders = {posixpath.dirname(path) for name in names for path in _ancestors(name)}
        listed, failures = concurrently(self._listed, folders, self.workers)
        if failures:
            raise next(iter(failures.values()))
        found = {}
        for name in names:
            if name in listed[posixpath.dirname(name)][0]:
                found[name] = "is a folder in the storage: a file cannot have its name; rename one of them"
                continue
            blocking = next(
                (path for path in _ancestors(name)[:-1] if path in listed[posixpath.dirname(path)][1]), None
            )
            if blocking is not None:
                found[name] = f"needs the folder {blocking!r}, which is a file in the storage; rename one of them"
        return found

    def prepare(self) -> None:
        pass  # nothing to probe: other storages have no conditional writes (see the README's guarantees)

    def back_up(self, taken: dict[str, str]) -> dict[str, Path]:
        """Local copies of the files about to be replaced (in the staging area's replaced/ folder)."""
        backups = {name: self.backup_folder / name for name in sorted(taken)}
        failures = self.download(list(backups.items()))
        if failures:
            raise BackupFailed(failures)
        return backups

    def discard_backups(self, backups: dict[str, Path], keep: Collection[str] = ()) -> None:
        pass  # local copies: removed with the staging area's folder (or kept with it after a failure)

    def upload(
        self,
        jobs: list[UploadJob],
        *,
        expected: Expected | None = None,
        keep_going: bool = False,
        into: UploadResult | None = None,
    ) -> UploadResult:
        """Save every file under exactly its name (deleting a name that is expected to hold something first).

        Other storages have no conditional writes: a name taken meanwhile shows up only where the
        storage saves under another name rather than overwrite (FileSystemStorage does). Stops at the
        first failure unless keep_going. ``into`` is filled in even if the upload is interrupted.
        """
        result = UploadResult() if into is None else into
        stop = threading.Event()
        expected = expected or {}

        def save(job: UploadJob) -> None:
            path, name = job
            if stop.is_set():
                return  # never started: nothing to undo
            try:
                if expected.get(name) is not None:
                    self.storage.delete(name)  # most storages pick a new name rather than overwrite
                with path.open("rb") as local:
                    saved = self.storage.save(name, File(local))
                result.written[saved] = ""
                if saved != name:
                    result.conflicts.add(name)
                    raise FileExistsError(
                        f"{name!r} was taken by someone else while publishing; "
                        f"the storage saved the file as {saved!r} instead"
                    )
            except BaseException as error:
                if not isinstance(error, FileExistsError):
                    result.unknown.append(name)  # a save that fails part-way may leave a partial file
                if not keep_going:
                    stop.set()
                raise

        _, failures = concurrently(save, jobs, self.workers)
        result.failures.update({name: error for (_, name), error in failures.items()})
        return result

    def undo(self, result: UploadResult, backups: dict[str, Path]) -> dict[str, str]:
        """Delete what this publish saved and put replaced files back; return what could not be undone."""
        touched = [*result.written, *result.unknown]
        left_behind = {}
        for name, error in self.delete([name for name in touched if name not in backups]).items():
            left_behind[name] = f"could not be removed: {masked_reason(error, self.secrets)}"
        restore = [(backups[name], name) for name in touched if name in backups]
        restored = self.upload(restore, expected=dict.fromkeys(backups, ""), keep_going=True)
        for name, error in restored.failures.items():
            reason = masked_reason(error, self.secrets)
            left_behind[name] = f"the previous version could not be put back ({reason}); it is in {backups[name]}"
        return left_behind

    def download(self, jobs: list[DownloadJob]) -> dict[str, BaseException]:
        def copy(job: DownloadJob) -> None:
            name, path = job
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.storage.open(name, "rb") as remote, path.open("wb") as local:
                shutil.copyfileobj(remote, local)

        _, failures = concurrently(copy, jobs, self.workers)
        return {name: error for (name, _), error in failures.items()}

    def delete(self, names: list[str]) -> dict[str, BaseException | str]:
        _, failures = concurrently(self.storage.delete, names, self.workers)
        return failures


def _ancestors(name: str) -> list[str]:
    """Each folder on the way to a name, and the name: "a", "a/b", "a/b/c" for "a/b/c"."""
    parts = name.split("/")
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]
