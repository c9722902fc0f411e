"""staging_area(): work on local disk, then publish every file to a storage at once, or none of them."""

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from ..storage.s3 import masked_reason
from .errors import BackupFailed, StagingError
from .generic import StorageTransfers
from .names import clean_prefix, join, key_problem, look_alikes, relative_name, storage_name
from .s3 import S3Transfers
from .transfers import Transfers, UploadJob, UploadResult, check_workers

logger = logging.getLogger(__name__)


@contextmanager
def staging_area(
    prefix: str | PurePath = "",
    storage: Storage | None = None,
    *,
    overwrite: bool = False,
    workers: int | None = None,
    local_dir: str | Path | None = None,
) -> Iterator["StagingArea"]:
    """A fresh local folder (``area.path``) whose files are published to ``storage`` when the block ends.

    - Every file under ``area.path`` is stored as ``prefix/relative/path``, concurrently (``workers``
      threads; by default as many as the S3 client keeps connections, else 10), then the local
      folder is removed. ``area.published`` maps each relative path to its stored name.
    - An exception in the block publishes nothing and removes the folder.
    - Names already taken in the storage are a StagingError before anything is sent, unless
      ``overwrite=True``; names are never changed. A prefix or name with ``..``, a leading ``/``
      or a control character is refused (SuspiciousFileOperation).
    - A name another writer takes after that check is never replaced (on S3: conditional writes,
      where the service has them): the publish fails (``error.conflicts``).
    - If an upload fails, whatever this publish wrote is removed again, and only that (replaced
      files are put back, with their headers, metadata and ACL), StagingError names the failed
      files and why, and the local files are kept (the message and ``error.kept_in`` say where).

    ``storage`` defaults to the default storage; any Django storage works, and S3Storage takes a
    fast path through its own boto3 client (multipart, streamed from disk, standard retries).
    ``local_dir`` is where the temporary folder is made (default: the system's, see TMPDIR).
    """
    area = StagingArea(prefix, storage, overwrite=overwrite, workers=workers, local_dir=local_dir)
    try:
        yield area
    except BaseException:
        area.discard()
        raise
    area.publish()  # on failure it raises, and the local files stay where they are
    area.discard()


class StagingArea:
    """The local side of a staging_area(): write files under ``path``; ``pull()`` fetches inputs."""

    def __init__(
        self,
        prefix: str | PurePath = "",
        storage: Storage | None = None,
        *,
        overwrite: bool = False,
        workers: int | None = None,
        local_dir: str | Path | None = None,
    ):
        self.prefix = clean_prefix(prefix)
        self.storage = storages["default"] if storage is None else storage
        self.overwrite = overwrite
        self.published: dict[str, str] = {}
        workers = check_workers(workers)
        self._root = Path(tempfile.mkdtemp(prefix="staging-", dir=local_dir))
        self.path = self._root / "files"  # what is published
        self.path.mkdir()
        self._pulled = self._root / "pulled"  # inputs: beside path, so they are not published again
        self._replaced = self._root / "replaced"  # copies of the files overwrite=True replaces (other storages)
        self._transfers: Transfers = _transfers_for(self.storage, workers, self._replaced)

    def pull(self, names: Iterable[str | PurePath]) -> list[Path]:
        """Download these storage names concurrently; return their local paths, in the same order.

        The copies land beside ``path``, not in it, so they are inputs and are not published again;
        to publish an edited copy, write it under ``path``.
        """
        if isinstance(names, str | PurePath):
            raise TypeError("pull() takes a list of names, such as pull([photo.name]), not a single name")
        names = [storage_name(name) for name in names]
        local = {name: self._pulled / name for name in names}  # each name once
        failures = self._transfers.download(list(local.items()))
        if failures:
            raise StagingError(
                f"Could not pull {len(failures)} of {len(local)} files from {self._transfers.destination()}:",
                self._reasons(failures),
            )
        return [local[name] for name in names]

    def publish(self) -> None:
        """Publish every file under ``path`` (staging_area() calls this when the block ends)."""
        started = time.monotonic()
        files = self._files()
        names = {relative: join(self.prefix, relative) for relative in files}
        if not names:
            return
        where = self._transfers.destination()
        too_long = {name: key_problem(self._transfers.key(name)) for name in names.values()}
        too_long = {name: problem for name, problem in too_long.items() if problem}
        if too_long:
            raise self._error(f"Nothing was published: {len(too_long)} names are too long for {where}:", too_long)
        try:
            taken = self._transfers.existing(names.values())
            clashes = self._transfers.clashes(names.values())
        except Exception as error:
            message = f"Nothing was published: could not list the names already in {where}:"
            raise self._error(message, {"(listing)": error}) from None
        self._warn_about_look_alikes(names.values(), self._transfers.listed, where)
        if clashes:
            message = f"Nothing was published: {len(clashes)} names clash with folders or files in {where}:"
            raise self._error(message, clashes)
        if taken and not self.overwrite:
            raise self._error(
                f"Nothing was published: {len(taken)} of the {len(names)} names already exist in {where}. "
                "Pass overwrite=True to replace them, or publish under another prefix.",
                dict.fromkeys(taken, "already exists"),
            )
        try:
            self._transfers.prepare()
        except Exception as error:
            message = f"Nothing was published: could not find out whether {where} honours conditional writes:"
            raise self._error(message, {"(probe)": error}) from None
        try:
            backups = self._transfers.back_up(taken)
        except BackupFailed as error:
            message = "Nothing was published: could not keep a copy of the files overwrite=True would replace:"
            raise self._error(message, error.failures) from None
        jobs: list[UploadJob] = [(files[relative], name) for relative, name in names.items()]
        # Every name must still hold what was checked: nothing, or the object that overwrite=True replaces.
        expected = {name: taken.get(name) for name in names.values()}
        result = UploadResult()  # filled in as the uploads finish, so an interruption knows what was written
        try:
            self._transfers.upload(jobs, expected=expected, into=result)
        except BaseException:
            logger.warning("Publishing to %s was interrupted; undoing it. Local files kept in %s", where, self._root)
            self._undo(result, backups)
            raise
        if result.failures:
            raise self._failed(result, backups, len(names), where)
        self._transfers.discard_backups(backups)
        self.published = names
        logger.info("Published %d files to %s in %.1f s", len(names), where, time.monotonic() - started)

    @staticmethod
    def _warn_about_look_alikes(names: Iterable[str], stored: Iterable[str], where: str) -> None:
        """Names that differ only in Unicode normalisation (among themselves, or from a stored name in the
        same folder) become keys that look the same: say so."""
        names = set(names)
        for group in look_alikes(names | set(stored)):
            if names.isdisjoint(group):
                continue  # only stored names: not this publish's doing
            logger.warning(
                "In %s, these names differ only in Unicode normalisation and look the same: %s",
                where,
                ", ".join(ascii(name) for name in group),
            )

    def _failed(self, result: UploadResult, backups: dict, count: int, where: str) -> StagingError:
        left_behind = self._undo(result, backups)
        failed = f"{len(result.failures)} of {count} files failed to upload to {where}"
        if result.conflicts:
            failed += (
                f" ({len(result.conflicts)} because another writer stored or changed the same names meanwhile: "
                "their files stay as they are)"
            )
        if left_behind:
            summary = f"Publishing failed: {failed}, and undoing it failed too (see below)."
        else:
            summary = f"Nothing was published: {failed}; what this publish wrote is removed again."
        reasons = {
            name: "taken by another writer after the check" if name in result.conflicts else error
            for name, error in result.failures.items()
        }
        return self._error(summary, reasons, left_behind=left_behind, conflicts=result.conflicts)

    def discard(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)

    def _files(self) -> dict[str, Path]:
        """Every regular file under path by its relative name; symbolic links and odd names are refused."""
        files, refused = {}, {}
        for folder, subfolders, filenames in os.walk(self.path):  # does not follow links to folders
            subfolders.sort()
            for name in subfolders:
                self._checked(Path(folder, name), refused)
            for name in sorted(filenames):
                path = Path(folder, name)
                relative = self._checked(path, refused)
                if relative is not None and not path.is_file():
                    refused[relative] = "is not a regular file"
                elif relative is not None:
                    files[relative] = path
        if refused:
            raise self._error("Nothing was published: some entries in the staging area cannot be published:", refused)
        return files

    def _checked(self, path: Path, refused: dict[str, str]) -> str | None:
        """The entry's relative name, or None after noting why it cannot be published."""
        try:
            relative = relative_name(path, self.path)
        except SuspiciousFileOperation as error:
            refused[path.relative_to(self.path).as_posix()] = str(error)
            return None
        if path.is_symlink():
            refused[relative] = "is a symbolic link: copy the file itself into the area"
            return None
        return relative

    def _undo(self, result: UploadResult, backups: dict) -> dict[str, str]:
        """Remove what this publish wrote and put replaced files back; return what could not be undone."""
        try:
            left_behind = self._transfers.undo(result, backups)
        except Exception as error:  # undoing must not hide the original failure
            reason = masked_reason(error, self._transfers.secrets)
            touched = [*result.written, *result.unknown]
            left_behind = {name: f"undo failed: {reason}" for name in touched}
        self._transfers.discard_backups(backups, keep=left_behind)
        if left_behind:
            logger.warning("Could not undo a failed publish for %d files (kept in %s)", len(left_behind), self._root)
        return left_behind

    def _reasons(self, failures: dict[str, BaseException | str]) -> dict[str, str]:
        return {name: masked_reason(error, self._transfers.secrets) for name, error in failures.items()}

    def _error(self, summary: str, failures: dict, **details) -> StagingError:
        logger.warning("%s Local files kept in %s", summary, self._root)
        return StagingError(summary, self._reasons(failures), kept_in=self.path, kept=self._kept(), **details)

    def _kept(self) -> str:
        """Where the files are kept, and what else the folder that holds everything kept contains."""
        folders = {
            self.path: "the files to publish",
            self._pulled: "the inputs pull() fetched",
            self._replaced: "copies of the files overwrite=True was replacing",
        }
        held = ", ".join(f"{folder.name}/ ({what})" for folder, what in folders.items() if folder.exists())
        return (
            f"The local files are kept in {self.path}: fix the cause, then publish them again. "
            f"Everything kept is in {self._root}: {held}; remove it when done."
        )


def _transfers_for(storage: Storage, workers: int | None, backup_folder: Path) -> Transfers:
    # With AWS_IS_GZIPPED, S3Storage compresses some types as it saves: only its own save() does that.
    if isinstance(storage, S3Storage) and not storage.gzip:
        return S3Transfers(storage, workers)
    return StorageTransfers(storage, workers, backup_folder)
