"""The path for any other Django storage (FileSystemStorage, ...): its own save/listdir/delete on threads."""

import posixpath
import shutil
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable

from django.core.files import File
from django.core.files.storage import Storage

from .transfers import DEFAULT_WORKERS, DownloadJob, UploadJob, UploadResult, concurrently


class StorageTransfers:
    secrets = ()  # a generic storage's credentials are unknown here; its own errors must not show them

    def __init__(self, storage: Storage, workers: int | None = None):
        self.storage = storage
        self.workers = workers or DEFAULT_WORKERS

    def describe(self) -> str:
        location = getattr(self.storage, "location", None)
        where = f" at {location}" if isinstance(location, str) and location else ""
        return f"{type(self.storage).__name__}{where}"

    def existing(self, names: Iterable[str]) -> set[str]:
        """Which of these names are taken: one listdir() per folder."""
        wanted = defaultdict(set)
        for name in names:
            wanted[posixpath.dirname(name)].add(name)
        listed, failures = concurrently(self._files_in, wanted, self.workers)
        if failures:
            raise next(iter(failures.values()))
        return {name for folder, names_there in wanted.items() for name in names_there if name in listed[folder]}

    def _files_in(self, folder: str) -> set[str]:
        try:
            _, files = self.storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return set()
        return {posixpath.join(folder, file) for file in files}

    def upload(
        self, jobs: list[UploadJob], *, replace: Collection[str] = (), keep_going: bool = False
    ) -> UploadResult:
        """Save every file under exactly its name (deleting the names in ``replace`` first).

        Stops at the first failure unless keep_going.
        """
        result = UploadResult()
        stop = threading.Event()
        written = {}  # name -> what the storage holds from us under that or another name

        def save(job: UploadJob) -> None:
            path, name = job
            if stop.is_set():
                return  # never started: nothing to undo
            written[name] = name  # a save that fails part-way may leave a partial file
            try:
                if name in replace:
                    self.storage.delete(name)  # most storages pick a new name rather than overwrite
                with path.open("rb") as local:
                    written[name] = self.storage.save(name, File(local))
                if written[name] != name:
                    raise FileExistsError(
                        f"{name!r} was taken by someone else while publishing; "
                        f"the storage saved the file as {written[name]!r} instead"
                    )
            except BaseException:
                if not keep_going:
                    stop.set()
                raise

        _, failures = concurrently(save, jobs, self.workers)
        result.failures = {name: error for (_, name), error in failures.items()}
        result.touched = list(written.values())
        return result

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
