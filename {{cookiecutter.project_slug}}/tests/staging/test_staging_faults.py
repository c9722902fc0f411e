"""Fault injection: a second S3 server that misbehaves (tests/support/faulty_s3_server.py): errors, delays, a crash."""

import os
import signal
import threading
import time

import pytest
from django.core.files.base import ContentFile

from mediakit.staging import StagingError, staging_area

from ..support.s3_server import FaultyS3Server
from ..support.staging_helpers import ACCESS_KEY, SECRET, body, read, storage_on, write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder


def test_an_upload_that_keeps_failing_leaves_the_bucket_as_it_was(faulty):
    storage = storage_on(faulty)
    faulty.fail(r"/poison\.bin$")
    files = {f"{n:02}.bin": os.urandom(2000) for n in range(30)} | {"zz/poison.bin": b"poison"}
    with pytest.raises(StagingError) as caught, staging_area("batch", storage) as area:
        write(area.path, files)

    error = caught.value
    assert list(error.failures) == ["batch/zz/poison.bin"]
    assert "InternalError" in error.failures["batch/zz/poison.bin"]
    assert faulty.puts(r"/poison\.bin$") == [500, 500, 500]  # standard retry mode: three attempts
    assert 200 in faulty.puts(r"/\d\d\.bin$")  # other files were written before the failure...
    assert faulty.object_names() == []  # ...and removed again
    assert error.left_behind == {}
    assert str(error.kept_in) in str(error)
    assert all((error.kept_in / name).read_bytes() == content for name, content in files.items())
    assert SECRET not in str(error) and ACCESS_KEY not in str(error)


def test_transient_errors_are_retried(faulty):
    storage = storage_on(faulty)
    faulty.fail("/media/", times=1, status=503, code="SlowDown")
    with staging_area("batch", storage) as area:
        write(area.path, {f"{n}.txt": b"x" for n in range(10)})

    assert sorted(faulty.object_names()) == sorted(area.published.values())
    for name in area.published.values():
        assert faulty.puts(f"/media/{name}$") == [503, 200]


def test_overwrite_puts_replaced_files_back_when_publishing_fails(faulty):
    storage = storage_on(faulty)
    storage.save("docs/a.txt", ContentFile(b"old a"))
    faulty.fail(r"/poison\.txt$")
    with pytest.raises(StagingError), staging_area("docs", storage, overwrite=True) as area:
        write(area.path, {"a.txt": b"new a", "b.txt": b"new b", "zz/poison.txt": b"x"})

    assert faulty.object_names() == ["docs/a.txt"]
    assert read(storage, "docs/a.txt") == b"old a"


@pytest.mark.parametrize("workers", [1, 4])
def test_uploads_run_concurrently_on_the_given_number_of_workers(faulty, workers):
    faulty.slow_down("/media/", 0.2)
    with staging_area("batch", storage_on(faulty), workers=workers) as area:
        write(area.path, {f"{n}.txt": b"x" for n in range(12)})

    assert len(faulty.object_names()) == 12
    assert faulty.stats()["max_in_flight"] == workers


def test_the_server_dying_part_way_keeps_the_local_files_and_says_what_may_remain():
    server = FaultyS3Server.start()
    try:
        server.die_after(5, "/media/")
        files = {f"{n:02}.txt": f"file {n}".encode() for n in range(20)}
        with pytest.raises(StagingError) as caught, staging_area("batch", storage_on(server)) as area:
            write(area.path, files)
        assert server.process.wait(timeout=10) == 3  # the server really went away
    finally:
        server.stop()

    error = caught.value
    assert error.failures  # named, with the reason
    assert all("Could not connect" in reason or "Connection" in reason for reason in error.failures.values())
    assert error.left_behind  # the server could not be asked to remove them: the message says so
    assert set(error.left_behind) <= {f"batch/{name}" for name in files}
    assert "could not be removed" in str(error)
    assert str(error.kept_in) in str(error)
    assert all((error.kept_in / name).read_bytes() == content for name, content in files.items())
    assert SECRET not in str(error) and ACCESS_KEY not in str(error)


# The undo's own failures: what it reports never shows a credential, and what it could not put back stays.
ECHOED_CREDENTIALS = f"Access denied for {ACCESS_KEY} (signed with {SECRET})"  # as some services answer


def test_a_restore_that_fails_keeps_the_backup_copy_and_names_it_without_credentials(faulty):
    storage = storage_on(faulty)
    storage.save("docs/a.txt", ContentFile(b"old a"))
    faulty.fail(r"/poison\.txt$", message=ECHOED_CREDENTIALS)
    faulty.slow_down(r"/poison\.txt$", 0.3)  # a.txt is replaced before poison fails

    def refuse_writes_to_a_once_replaced(http_response, model, **kwargs):
        if model.name == "PutObject" and http_response.url.endswith("/docs/a.txt"):
            faulty.fail(r"/docs/a\.txt$", message=ECHOED_CREDENTIALS)  # so putting the old a.txt back fails

    storage.connection.meta.client.meta.events.register("after-call.s3.PutObject", refuse_writes_to_a_once_replaced)
    with pytest.raises(StagingError) as caught, staging_area("docs", storage, overwrite=True) as area:
        write(area.path, {"a.txt": b"new a", "zz/poison.txt": b"x"})

    error = caught.value
    backups = [key for key in faulty.object_names() if key.startswith(".staging-backups/")]
    assert len(backups) == 1 and backups[0].endswith("/docs/a.txt")
    assert body(faulty, backups[0]) == b"old a"  # the previous version outlives the failed restore...
    assert list(error.left_behind) == ["docs/a.txt"]
    assert error.left_behind["docs/a.txt"].endswith(f"; the previous version is kept at {backups[0]!r}")  # ...named
    assert body(faulty, "docs/a.txt") == b"new a"
    assert "****" in error.left_behind["docs/a.txt"]  # the server's message, masked
    assert SECRET not in str(error) and ACCESS_KEY not in str(error)


def test_an_undo_that_fails_as_a_whole_is_reported_without_credentials(faulty):
    storage = storage_on(faulty)
    faulty.fail(r"/poison\.txt$", message=ECHOED_CREDENTIALS)
    faulty.slow_down(r"/poison\.txt$", 0.3)  # a.txt is written before poison fails

    def undo_that_meets_the_server_error(result, backups):
        # The undo's first request is refused and nothing in it catches that (as a bug in the undo would not).
        transfers.client.put_object(Bucket=transfers.bucket, Key="out/zz/poison.txt", Body=b"")

    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, {"a.txt": b"a", "zz/poison.txt": b"x"})
        transfers = area._transfers
        transfers.undo = undo_that_meets_the_server_error

    error = caught.value
    assert list(error.left_behind) == ["out/a.txt"]
    reason = error.left_behind["out/a.txt"]
    assert reason.startswith("undo failed: An error occurred (InternalError) when calling the PutObject operation")
    assert reason.endswith("Access denied for **** (signed with ****)")
    assert SECRET not in str(error) and ACCESS_KEY not in str(error)
    assert faulty.object_names() == ["out/a.txt"]  # nothing removed it: the message says to check it


def test_ctrl_c_during_an_s3_upload_cancels_what_has_not_started_and_undoes_the_rest(faulty):
    faulty.slow_down(r"/media/batch/", 0.3)
    files = {f"{n:02}.txt": b"x" for n in range(12)}

    def press_ctrl_c_once_a_file_is_written():
        deadline = time.monotonic() + 30
        while not faulty.puts(r"/batch/\d\d\.txt$") and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    ctrl_c = threading.Thread(target=press_ctrl_c_once_a_file_is_written)
    with pytest.raises(KeyboardInterrupt), staging_area("batch", storage_on(faulty), workers=2) as area:
        write(area.path, files)
        ctrl_c.start()
    ctrl_c.join()

    assert 0 < len(faulty.puts(r"/batch/\d\d\.txt$")) < len(files)  # the files not yet sent never were
    assert faulty.object_names() == []  # what was written is removed again
