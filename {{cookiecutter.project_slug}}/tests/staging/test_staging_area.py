"""The staging area's own decisions, on the file-system storage (fast, no server): where files go,
what an interruption or a failed undo leaves, and what each message says."""

import os
import re
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, storages

from mediakit.staging import StagingArea, StagingError, staging_area


class FailingStorage(FileSystemStorage):
    """Saves like FileSystemStorage, except that saving one of ``failing`` raises ``error`` after writing it."""

    def __init__(self, location, failing=(), error=None):
        super().__init__(location=location)
        self.failing = set(failing)
        self.error = error or OSError("disk full")

    def _save(self, name, content):
        saved = super()._save(name, content)
        if name in self.failing:
            raise self.error
        return saved


@pytest.fixture
def media(tmp_path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
def local_dir(tmp_path, monkeypatch) -> Path:
    """The system's temporary folder for these tests: what a staging area leaves there shows."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def stored(media: Path) -> dict[str, bytes]:
    return {path.relative_to(media).as_posix(): path.read_bytes() for path in media.rglob("*") if path.is_file()}


@pytest.mark.parametrize(("prefix", "names"), [("", ["a.txt", "d/b.txt"]), ("out/", ["out/a.txt", "out/d/b.txt"])])
def test_no_prefix_publishes_at_the_root_and_a_trailing_slash_adds_no_empty_folder(media, local_dir, prefix, names):
    with staging_area(prefix, FileSystemStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"a")
        (area.path / "d").mkdir()
        (area.path / "d" / "b.txt").write_bytes(b"b")
    assert area.published == dict(zip(["a.txt", "d/b.txt"], names, strict=True))
    assert stored(media) == dict(zip(names, [b"a", b"b"], strict=True))
    assert list(local_dir.iterdir()) == []


def test_an_empty_area_publishes_nothing(media, local_dir):
    with staging_area("out", FileSystemStorage(location=media)) as area:
        pass
    assert (area.published, stored(media), list(local_dir.iterdir())) == ({}, {}, [])


def test_local_dir_is_where_the_temporary_folder_is_made(media, local_dir, tmp_path):
    chosen = tmp_path / "scratch"
    chosen.mkdir()
    with staging_area("out", FileSystemStorage(location=media), local_dir=chosen) as area:
        assert area.path.parent.parent == chosen
        assert area.path.parent.name.startswith("staging-")  # what to look for when one is left behind
        assert area.path.name == "files"
        (area.path / "a.txt").write_bytes(b"a")
    assert list(chosen.iterdir()) == [] and list(local_dir.iterdir()) == []
    assert stored(media) == {"out/a.txt": b"a"}


def test_an_interrupt_during_the_upload_removes_what_was_written_and_keeps_the_local_files(media, local_dir):
    storage = FailingStorage(media, failing={"out/a.txt"}, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt), staging_area("out", storage) as area:
        (area.path / "a.txt").write_bytes(b"a")
    assert stored(media) == {}
    assert (area.path / "a.txt").read_bytes() == b"a"  # kept, to publish again


def test_a_failed_upload_says_what_failed_and_where_everything_is_kept(media, local_dir):
    storage = FailingStorage(media, failing={"out/b.txt"})
    with pytest.raises(StagingError) as caught, staging_area("out", storage, workers=1) as area:
        (area.path / "a.txt").write_bytes(b"a")
        (area.path / "b.txt").write_bytes(b"b")
    root = area.path.parent
    assert str(caught.value) == (
        f"Nothing was published: 1 of 2 files failed to upload to FailingStorage at {media}; "
        "what this publish wrote is removed again.\n"
        "  out/b.txt: OSError: disk full\n"
        f"The local files are kept in {area.path}: fix the cause, then publish them again. "
        f"Everything kept is in {root}: files/ (the files to publish); remove it when done."
    )
    assert (caught.value.kept_in, caught.value.left_behind, caught.value.conflicts) == (area.path, {}, set())
    assert stored(media) == {}


def test_a_restore_that_fails_too_is_reported_with_where_the_old_file_is(media, local_dir):
    (media / "out").mkdir()
    (media / "out" / "a.txt").write_bytes(b"old")
    storage = FailingStorage(media, failing={"out/a.txt"})
    with pytest.raises(StagingError) as caught, staging_area("out", storage, overwrite=True) as area:
        (area.path / "a.txt").write_bytes(b"new")
    root = area.path.parent
    backup = root / "replaced" / "out" / "a.txt"
    assert backup.read_bytes() == b"old"  # kept, since it could not be put back
    assert caught.value.left_behind == {
        "out/a.txt": f"the previous version could not be put back (OSError: disk full); it is in {backup}"
    }
    assert str(caught.value) == (
        f"Publishing failed: 1 of 1 files failed to upload to FailingStorage at {media}, "
        "and undoing it failed too (see below).\n"
        "  out/a.txt: OSError: disk full\n"
        "1 files this publish wrote (or may have written) could not be removed or put back; check them in the "
        "storage (delete them, or publish again with overwrite=True):\n"
        f"  out/a.txt: the previous version could not be put back (OSError: disk full); it is in {backup}\n"
        f"The local files are kept in {area.path}: fix the cause, then publish them again. "
        f"Everything kept is in {root}: files/ (the files to publish), "
        "replaced/ (copies of the files overwrite=True was replacing); remove it when done."
    )


def test_a_staging_area_made_directly_publishes_at_the_root_and_replaces_nothing(media, local_dir):
    (media / "taken.txt").write_bytes(b"theirs")
    refused = StagingArea(storage=FileSystemStorage(location=media))
    (refused.path / "taken.txt").write_bytes(b"mine")
    with pytest.raises(StagingError, match="already exist"):
        refused.publish()
    area = StagingArea(storage=FileSystemStorage(location=media))
    (area.path / "a.txt").write_bytes(b"a")
    area.publish()
    assert area.published == {"a.txt": "a.txt"}
    assert stored(media) == {"taken.txt": b"theirs", "a.txt": b"a"}
    for each in (refused, area, area):  # discarding twice is harmless
        each.discard()
    assert list(local_dir.iterdir()) == []


class ConcurrencyRecordingStorage(FileSystemStorage):
    """Saves like FileSystemStorage, slowly, and records how many saves ran at once."""

    def __init__(self, location):
        super().__init__(location=location)
        self.running = self.most = 0
        self.lock = threading.Lock()

    def _save(self, name, content):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        try:
            return super()._save(name, content)
        finally:
            with self.lock:
                self.running -= 1


@pytest.mark.parametrize("workers", [1, 3])
def test_any_storage_is_written_with_the_given_number_of_workers(media, local_dir, workers):
    storage = ConcurrencyRecordingStorage(media)
    with staging_area("out", storage, workers=workers) as area:
        for number in range(6):
            (area.path / f"{number}.txt").write_bytes(b"x")
    assert len(stored(media)) == 6
    assert storage.most == workers


def test_names_already_taken_are_refused_with_the_whole_message(media, local_dir):
    (media / "out").mkdir()
    (media / "out" / "a.txt").write_bytes(b"old")
    with pytest.raises(StagingError) as caught, staging_area("out", FileSystemStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"new")
        (area.path / "b.txt").write_bytes(b"new")
    assert str(caught.value).splitlines()[:2] == [
        f"Nothing was published: 1 of the 2 names already exist in FileSystemStorage at {media}. "
        "Pass overwrite=True to replace them, or publish under another prefix.",
        "  out/a.txt: already exists",
    ]
    assert stored(media) == {"out/a.txt": b"old"}


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name.endswith("staging.area")]


def test_a_publish_is_logged_with_its_count_and_storage(media, local_dir, caplog):
    caplog.set_level("INFO")
    started = time.monotonic()
    with staging_area("out", FileSystemStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"a")
        (area.path / "b.txt").write_bytes(b"b")
    took = time.monotonic() - started
    [message] = messages(caplog)
    where = re.escape(str(media))
    logged = re.fullmatch(rf"Published 2 files to FileSystemStorage at {where} in (\d+\.\d) s", message)
    assert logged and float(logged[1]) <= round(took, 1) + 0.1  # the publish's own duration, within this block's


def test_the_interrupt_and_the_failed_undo_are_logged_with_where_the_files_are(media, local_dir, caplog):
    storage = FailingStorage(media, failing={"a.txt"}, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt), staging_area("", storage) as area:
        (area.path / "a.txt").write_bytes(b"a")
    root = area.path.parent
    assert messages(caplog) == [
        f"Publishing to FailingStorage at {media} was interrupted; undoing it. Local files kept in {root}"
    ]
    caplog.clear()
    (media / "b.txt").write_bytes(b"old")
    storage = FailingStorage(media, failing={"b.txt"})
    with pytest.raises(StagingError), staging_area("", storage, overwrite=True) as area:
        (area.path / "b.txt").write_bytes(b"new")
    root = area.path.parent
    assert messages(caplog) == [
        f"Could not undo a failed publish for 1 files (kept in {root})",
        f"Publishing failed: 1 of 1 files failed to upload to FailingStorage at {media}, and undoing it failed too "
        f"(see below). Local files kept in {root}",
    ]


def test_pull_fetches_each_name_once_in_the_order_asked(media, local_dir):
    (media / "in").mkdir()
    (media / "in" / "a.txt").write_bytes(b"a")
    (media / "b.txt").write_bytes(b"b")
    with staging_area("out", FileSystemStorage(location=media)) as area:
        paths = area.pull(["in/a.txt", "b.txt", "in/a.txt"])
        assert [path.read_bytes() for path in paths] == [b"a", b"b", b"a"]
        assert paths[0] == paths[2] and not paths[0].is_relative_to(area.path)
    assert stored(media) == {"in/a.txt": b"a", "b.txt": b"b"}  # inputs are not published again


def test_pull_takes_a_list_and_names_what_it_could_not_fetch(media, local_dir):
    with staging_area("out", FileSystemStorage(location=media)) as area:
        with pytest.raises(TypeError) as caught:
            area.pull("b.txt")
        assert str(caught.value) == "pull() takes a list of names, such as pull([photo.name]), not a single name"
        with pytest.raises(StagingError) as caught:
            area.pull(["missing.txt", "gone/too.txt"])
    assert str(caught.value) == (
        f"Could not pull 2 of 2 files from FileSystemStorage at {media}:\n"
        "  gone/too.txt: not found in the storage\n"
        "  missing.txt: not found in the storage"
    )


def test_entries_that_cannot_be_published_are_all_named_and_nothing_is_sent(media, local_dir, tmp_path):
    (tmp_path / "outside.txt").write_bytes(b"x")
    with pytest.raises(StagingError) as caught, staging_area("out", FileSystemStorage(location=media)) as area:
        (area.path / "good.txt").write_bytes(b"g")
        (area.path / "link.txt").symlink_to(tmp_path / "outside.txt")
        (area.path / "folder-link").symlink_to(tmp_path)
        os.mkfifo(area.path / "pipe")
        (area.path / "back\\slash").mkdir()
    root = area.path.parent
    assert str(caught.value) == (
        "Nothing was published: some entries in the staging area cannot be published:\n"
        "  back\\slash: The file 'back\\\\slash' contains a backslash: storages would read it as a folder separator; "
        "use '/' between folders and rename the file.\n"
        "  folder-link: is a symbolic link: copy the file itself into the area\n"
        "  link.txt: is a symbolic link: copy the file itself into the area\n"
        "  pipe: is not a regular file\n"
        f"The local files are kept in {area.path}: fix the cause, then publish them again. "
        f"Everything kept is in {root}: files/ (the files to publish); remove it when done."
    )
    assert stored(media) == {}


class UnlistableStorage(FileSystemStorage):
    def listdir(self, path):
        raise PermissionError("listing denied")


class UnreadableStorage(FileSystemStorage):
    def open(self, name, mode="rb"):
        raise PermissionError("reading denied")


def test_a_listing_that_fails_publishes_nothing(media, local_dir):
    with pytest.raises(StagingError) as caught, staging_area("out", UnlistableStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"a")
    assert str(caught.value).splitlines()[:2] == [
        f"Nothing was published: could not list the names already in UnlistableStorage at {media}:",
        "  (listing): PermissionError: listing denied",
    ]
    assert stored(media) == {}


def test_a_backup_that_fails_publishes_nothing(media, local_dir):
    (media / "a.txt").write_bytes(b"old")
    storage = UnreadableStorage(location=media)
    with pytest.raises(StagingError) as caught, staging_area("", storage, overwrite=True) as area:
        (area.path / "a.txt").write_bytes(b"new")
    assert str(caught.value).splitlines()[:2] == [
        "Nothing was published: could not keep a copy of the files overwrite=True would replace:",
        "  a.txt: PermissionError: reading denied",
    ]
    assert stored(media) == {"a.txt": b"old"}


def test_the_default_storage_is_used_when_none_is_given(local_dir):
    with staging_area() as area:
        assert area.storage is storages["default"]
        assert (area.prefix, area.overwrite, area.published) == ("", False, {})


class RacingStorage(FileSystemStorage):
    """Another writer stores each name just before this storage saves it."""

    def save(self, name, content, max_length=None):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as theirs:
            theirs.write(b"theirs")
        return super().save(name, content, max_length)


def test_a_name_another_writer_takes_meanwhile_is_left_to_them_and_named(media, local_dir):
    with pytest.raises(StagingError) as caught, staging_area("out", RacingStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"mine")
    root = area.path.parent
    assert str(caught.value) == (
        f"Nothing was published: 1 of 1 files failed to upload to RacingStorage at {media} (1 because another "
        "writer stored or changed the same names meanwhile: their files stay as they are); what this publish "
        "wrote is removed again.\n"
        "  out/a.txt: taken by another writer after the check\n"
        f"The local files are kept in {area.path}: fix the cause, then publish them again. "
        f"Everything kept is in {root}: files/ (the files to publish); remove it when done."
    )
    assert caught.value.conflicts == {"out/a.txt"}
    assert stored(media) == {"out/a.txt": b"theirs"}


def test_an_undo_that_raises_does_not_hide_the_failure_and_names_what_may_remain(media, local_dir):
    def lost(result, backups):
        raise ConnectionError("connection lost")

    storage = FailingStorage(media, failing={"out/a.txt"})
    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        (area.path / "a.txt").write_bytes(b"a")
        area._transfers.undo = lost  # the storage goes away between the failure and its undo
    assert caught.value.failures == {"out/a.txt": "OSError: disk full"}
    assert caught.value.left_behind == {"out/a.txt": "undo failed: ConnectionError: connection lost"}
    assert str(caught.value).startswith("Publishing failed: 1 of 1 files failed to upload to FailingStorage")


def test_a_probe_that_fails_publishes_nothing(media, local_dir):
    def unreachable():
        raise ConnectionError("probe refused")

    with pytest.raises(StagingError) as caught, staging_area("out", FileSystemStorage(location=media)) as area:
        (area.path / "a.txt").write_bytes(b"a")
        area._transfers.prepare = unreachable  # as S3 transfers ask the service about conditional writes
    assert str(caught.value).splitlines()[:2] == [
        f"Nothing was published: could not find out whether FileSystemStorage at {media} honours conditional writes:",
        "  (probe): ConnectionError: probe refused",
    ]
    assert stored(media) == {}
