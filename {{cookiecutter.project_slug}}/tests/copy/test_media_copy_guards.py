"""media_copy's guards against losing data: one bucket written two ways, an empty or unreadable source under
--delete, a question nobody can answer, and the partial files of an interrupted copy to a local folder."""

import signal
import subprocess
import sys
import time
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command

from ..support.project import PROJECT, project_environ
from ..support.s3_server import FaultyS3Server, S3Server


def media_copy(*args: str) -> str:
    out = StringIO()
    call_command("media_copy", *args, stdout=out)
    return out.getvalue()


def respelled(server: S3Server, host: str, path: str = "") -> str:
    """A DSN of the server's media bucket with its endpoint's host written another way."""
    port = server.url.rsplit(":", 1)[1]
    return (
        server.dsn(server.MEDIA_BUCKET)
        .replace("/?", f"/{path}?")
        .replace(quote(server.url, safe=""), quote(f"http://{host}:{port}/", safe=""))
    )


def put(server: S3Server, *names: str) -> None:
    for name in names:
        server.client().put_object(Bucket="media", Key=name, Body=name.encode())


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f000001", "[::ffff:127.0.0.1]"])
def test_another_spelling_of_the_same_address_is_the_same_storage(s3_server, host):
    put(s3_server, "a/one.txt", "a/two.txt")

    with pytest.raises(CommandError, match=r"overlap \(one is inside the other\)"):
        media_copy("default", respelled(s3_server, host, "a/nested"), "--delete", "--no-input")

    assert sorted(s3_server.object_names()) == ["a/one.txt", "a/two.txt"]


def test_a_host_name_for_the_same_server_is_found_out_by_a_marker(s3_server):
    """localhost and 127.0.0.1 cannot be told apart by their spelling: a marker written through one is
    looked for through the other, and found."""
    put(s3_server, "a/one.txt", "a/two.txt")

    with pytest.raises(CommandError, match="one bucket reached through two spellings of its endpoint"):
        media_copy("default", respelled(s3_server, "LOCALHOST.", "a"), "--delete", "--no-input")

    assert sorted(s3_server.object_names()) == ["a/one.txt", "a/two.txt"]  # the marker too is gone


def test_a_mirror_that_cannot_write_the_marker_is_refused_a_copy_goes_on(s3_server):
    put(s3_server, "a/one.txt")
    s3_server.fail(r"/media/b/\.staging-media-copy-", status=403, code="AccessDenied")

    with pytest.raises(CommandError, match="no marker could be written there to tell them apart .*--delete needs"):
        media_copy("default", respelled(s3_server, "localhost", "b"), "--delete", "--no-input")
    assert s3_server.object_names() == ["a/one.txt"]

    assert "copied 1 file" in media_copy("default", respelled(s3_server, "localhost", "b"))  # deletes nothing


def test_an_empty_source_deletes_nothing(s3_server, tmp_path):
    put(s3_server, "media/kept.txt")
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "other").mkdir()

    with pytest.raises(CommandError, match="holds no file under .*every file at DESTINATION would be deleted"):
        media_copy(f"file://{tmp_path}/source/", "default", "--prefix", "meda", "--delete", "--no-input")
    with pytest.raises(CommandError, match="holds no file under"):
        source = s3_server.dsn("media").replace("/?", "/meda/?")
        media_copy(source, f"file://{tmp_path}/source/", "--delete", "--no-input")

    assert s3_server.object_names() == ["media/kept.txt"]


def test_a_failed_copy_holds_the_deletion_back(faulty, tmp_path):
    put(faulty, "one.txt", "two.txt")
    faulty.fail(r"/media/two\.txt", method="GET", status=403, code="AccessDenied")
    (tmp_path / "stale.txt").write_text("not in the source")

    with pytest.raises(CommandError, match="1 file failed"):
        media_copy(faulty.dsn(faulty.MEDIA_BUCKET), f"file://{tmp_path}/", "--delete", "--no-input")

    assert (tmp_path / "stale.txt").exists()
    assert (tmp_path / "one.txt").read_text() == "one.txt"


def test_the_question_without_a_terminal_ends_in_one_line_deleting_nothing(s3_server, tmp_path):
    put(s3_server, "one.txt")
    (tmp_path / "stale.txt").write_text("stale")

    finished = subprocess.run(
        [
            sys.executable,
            str(PROJECT / "manage.py"),
            "media_copy",
            s3_server.dsn("media"),
            f"file://{tmp_path}/",
            "--delete",
        ],
        env=project_environ(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 1
    assert (
        finished.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "there is no terminal to answer: nothing was copied or deleted; add --no-input to delete without asking"
        )
    )
    assert "Traceback" not in finished.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["stale.txt"]


def test_ctrl_c_at_the_question_cancels(s3_server, tmp_path, monkeypatch):
    put(s3_server, "one.txt")
    (tmp_path / "stale.txt").write_text("stale")

    def interrupted(question):
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    with pytest.raises(CommandError, match="Cancelled: nothing was copied or deleted."):
        media_copy("default", f"file://{tmp_path}/", "--delete")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["stale.txt"]


def test_partial_files_are_never_copied_on_and_are_removed_by_the_next_copy(s3_server, tmp_path):
    """What a copy killed while writing to a local folder leaves: its own partial name and s3transfer's."""
    put(s3_server, "big.bin")
    (tmp_path / "copy").mkdir()
    leftovers = [".big.bin.media-copy", ".big.bin.media-copy.eCc3EfEc"]
    for name in leftovers:
        (tmp_path / "copy" / name).write_bytes(b"half")

    output = media_copy("default", f"file://{tmp_path}/copy/")

    assert "removed 2 partial files" in output
    assert sorted(path.name for path in (tmp_path / "copy").iterdir()) == ["big.bin"]
    for name in leftovers:
        (tmp_path / "copy" / name).write_bytes(b"half")
    s3_server.reset()
    back = media_copy(f"file://{tmp_path}/copy/", "default")
    assert "copied 1 file" in back
    assert s3_server.object_names() == ["big.bin"]  # never published


@pytest.mark.parametrize("after", [1, 4])
def test_a_copy_to_a_folder_killed_mid_file_leaves_no_half_file_and_resumes(faulty: FaultyS3Server, tmp_path, after):
    """Killed while files are being written: every file under its own name is whole, the rest are partial
    names only; the next run removes those and finishes."""
    body = bytes(range(256)) * 4096  # 1 MB
    for number in range(8):
        faulty.client().put_object(Bucket="media", Key=f"big{number:02}.bin", Body=body)
    faulty.slow_down("/media/big", 0.3, method="GET")
    folder = tmp_path / "copy"
    command = [sys.executable, str(PROJECT / "manage.py"), "media_copy", faulty.dsn("media"), f"file://{folder}/"]
    process = subprocess.Popen(
        [*command, "--workers", "2"], env=project_environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(folder.glob("big*.bin"))) < after:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()

    for path in folder.glob("big*.bin"):
        assert path.read_bytes() == body, path.name  # never a half-written file under the real name

    faulty.recover()
    finished = subprocess.run(command, env=project_environ(), capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert sorted(path.name for path in folder.iterdir()) == [f"big{number:02}.bin" for number in range(8)]
    assert all(path.read_bytes() == body for path in folder.iterdir())


def test_many_workers_get_a_connection_each(faulty: FaultyS3Server, s3_server, tmp_path):
    """botocore keeps 10 connections per client: with more workers urllib3 warned "Connection pool is full"
    for every connection it threw away. The clients get one per worker."""
    for number in range(60):
        faulty.client().put_object(Bucket="media", Key=f"many/{number:03}.txt", Body=b"x")
    faulty.add_latency(0.05)  # requests overlap: all 24 workers busy at once
    command = [sys.executable, str(PROJECT / "manage.py"), "media_copy", faulty.dsn("media"), s3_server.dsn("media")]

    finished = subprocess.run(
        [*command, "--workers", "24"], env=project_environ(), capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr
    assert "copied 60 files" in finished.stdout
    assert "Connection pool is full" not in finished.stderr
