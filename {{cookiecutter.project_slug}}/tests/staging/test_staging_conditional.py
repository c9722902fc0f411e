"""Publishes that meet other writers: conditional writes (If-None-Match / If-Match) and a careful undo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from mediakit.staging import StagingError, staging_area

from ..support.processes import stop_process
from ..support.s3_server import FaultyS3Server
from ..support.staging_helpers import body, storage_on, write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder


def storage_with_parts(server: FaultyS3Server, part_mb: int = 5) -> S3Storage:
    """The storage on this server, sending files above part_mb MB in part_mb MB parts."""
    part = part_mb * 1024 * 1024
    storage = storage_on(server)
    storage.transfer_config = TransferConfig(multipart_threshold=part, multipart_chunksize=part)
    return storage


def before_request(storage: S3Storage, operation: str, key: str, action) -> None:
    """Run action() once, just before the staging utility sends `operation` for `key` (after its check)."""
    done = []

    def handler(params, **kwargs):
        if params.get("Key") == key and not done:
            done.append(True)
            action()

    storage.connection.meta.client.meta.events.register(f"before-parameter-build.s3.{operation}", handler)


@pytest.mark.parametrize("large", [False, True], ids=["put", "multipart"])
def test_a_name_taken_after_the_check_is_not_replaced(faulty, large):
    storage = storage_with_parts(faulty)
    mine = os.urandom(5 * 1024 * 1024 + 10) if large else b"mine"
    theirs = b"theirs: published by another process in the meantime"
    operation = "CompleteMultipartUpload" if large else "PutObject"
    other = faulty.client()

    def write_theirs():
        other.put_object(Bucket="media", Key="out/shared.bin", Body=theirs)

    before_request(storage, operation, "out/shared.bin", write_theirs)
    files = {"shared.bin": mine, "own-1.txt": b"one", "own-2.txt": b"two"}
    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, files)

    error = caught.value
    assert error.conflicts == {"out/shared.bin"}
    assert "another writer" in str(error)
    assert body(faulty, "out/shared.bin") == theirs  # theirs, intact
    assert faulty.object_names() == ["out/shared.bin"]  # this publish's own files are removed again
    assert error.left_behind == {}
    assert all((error.kept_in / name).read_bytes() == content for name, content in files.items())


def test_the_undo_leaves_an_object_someone_else_replaced_meanwhile(faulty):
    storage = storage_on(faulty)
    faulty.fail(r"/poison\.txt$")
    faulty.slow_down(r"/poison\.txt$", 0.3)  # the others are written before poison fails
    other = faulty.client()
    files = {"a.txt": b"mine", "b.txt": b"mine too", "zz/poison.txt": b"x"}

    def replace_a_after_it_is_written(http_response, model, **kwargs):
        if model.name == "PutObject" and http_response.url.endswith("/out/a.txt"):
            other.put_object(Bucket="media", Key="out/a.txt", Body=b"theirs, written after mine")

    storage.connection.meta.client.meta.events.register("after-call.s3.PutObject", replace_a_after_it_is_written)
    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, files)

    assert faulty.object_names() == ["out/a.txt"]  # b.txt (still this publish's) is removed...
    assert body(faulty, "out/a.txt") == b"theirs, written after mine"  # ...a.txt, now another's, is not
    assert caught.value.left_behind == {}


PUBLISH_SLOWLY = 0.15  # seconds each PUT waits in the test server, so that publishes overlap
TRIALS = 20


@pytest.fixture(scope="module")
def publishers(faulty_server):
    """Four separate processes (tests/support/staging_publisher.py) that publish to the fault-injecting server."""
    dsn = faulty_server.dsn(faulty_server.MEDIA_BUCKET)
    environ = {**os.environ, "DEFAULT_STORAGE_DSN": dsn, "LOG_LEVEL": "ERROR"}
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.staging_publisher"],
            cwd=root,
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for process in processes:
            assert json.loads(process.stdout.readline()) == {"started": True}
        yield processes
    finally:
        for process in processes:
            process.stdin.close()
            stop_process(process)


def send(process: subprocess.Popen, message) -> None:
    process.stdin.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
    process.stdin.flush()


def receive(process: subprocess.Popen) -> dict:
    line = process.stdout.readline()
    assert line, f"a publishing process ended (exit status {process.poll()})"
    return json.loads(line)


@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_publishes_of_the_same_names_never_lose_or_mix_work(faulty, publishers, writers):
    faulty.slow_down(r"^/media/trial-", PUBLISH_SLOWLY)
    names = ["a.txt", "b.txt", "nested/c.bin"]
    conflicts = 0
    for trial in range(TRIALS):
        prefix = f"trial-{writers}-{trial}"
        own = {
            number: {name: f"{prefix} writer {number} {name}".encode() for name in names} for number in range(writers)
        }
        for number, process in enumerate(publishers[:writers]):
            send(process, {"prefix": prefix, "files": {name: data.hex() for name, data in own[number].items()}})
        for process in publishers[:writers]:
            assert receive(process) == {"ready": True}
        for process in publishers[:writers]:
            send(process, "go")  # all at once: each checks the names, then its PUTs wait in the server together
        results = [receive(process) for process in publishers[:writers]]

        stored = {key: body(faulty, key) for key in faulty.object_names() if key.startswith(prefix)}
        won = [number for number, result in enumerate(results) if result["ok"]]
        assert len(won) <= 1, f"trial {trial}: more than one publish of the same names succeeded"
        if won:
            published = results[won[0]]["published"]
            assert published == {name: f"{prefix}/{name}" for name in names}
            assert stored == {f"{prefix}/{name}": own[won[0]][name] for name in names}  # its own bytes, intact
        else:
            assert stored == {}, f"trial {trial}: nobody succeeded, yet objects remain"
        for number, result in enumerate(results):
            if not result["ok"]:
                kept = {name: bytes.fromhex(data) for name, data in result["kept"].items()}
                assert kept == own[number], f"trial {trial}: a failed publisher lost local files"
                assert result["left_behind"] == {}
                conflicts += len(result["conflicts"])
        assert not any(key.startswith((".staging", f"{prefix}/.staging")) for key in faulty.object_names())
    # The writers really overlapped: names were taken between another's check and its write (the server
    # refused more writes than were reported: a publish stops at its first conflict).
    assert faulty.puts(r"^/media/trial-").count(412) >= conflicts > 0


def test_rollback_restores_the_replaced_object_with_its_headers_metadata_and_acl(faulty):
    storage = storage_on(faulty)  # public-read by default, as the platform's buckets expect
    client = faulty.client()
    originals = {
        "docs/custom.txt": {
            "ContentType": "text/x-custom",
            "Metadata": {"origin": "editor", "revision": "7"},
            "CacheControl": "max-age=60, private",
            "ContentDisposition": 'attachment; filename="report.txt"',
            "ContentLanguage": "de-CH",
            "ACL": "private",
        },
        "docs/public.txt": {"ContentType": "text/plain", "ACL": "public-read", "Metadata": {"a": "b"}},
    }
    for key, headers in originals.items():
        client.put_object(Bucket="media", Key=key, Body=f"old {key}".encode(), **headers)
    fields = ("ContentType", "Metadata", "CacheControl", "ContentDisposition", "ContentLanguage", "ContentEncoding")

    def state(key):
        head = client.head_object(Bucket="media", Key=key)
        return (
            {field: head.get(field) for field in fields},
            client.get_object_acl(Bucket="media", Key=key)["Grants"],
            body(faulty, key),
        )

    before = {key: state(key) for key in originals}
    faulty.fail(r"/poison\.txt$")
    faulty.slow_down(r"/poison\.txt$", 0.3)  # the replacements are written before poison fails
    with pytest.raises(StagingError) as caught, staging_area("docs", storage, overwrite=True) as area:
        write(area.path, {"custom.txt": b"new", "public.txt": b"new", "new.txt": b"new", "zz/poison.txt": b"x"})

    assert 200 in faulty.puts(r"/docs/custom\.txt$")  # it was replaced...
    assert {key: state(key) for key in originals} == before  # ...and put back exactly
    assert before["docs/custom.txt"][1] != before["docs/public.txt"][1]  # the two ACLs differ
    assert sorted(faulty.object_names()) == sorted(originals)  # no new file, no backup copy left
    assert "Nothing was published" in str(caught.value)


def test_a_successful_overwrite_leaves_no_backup_copies(faulty):
    storage = storage_on(faulty)
    storage.save("out/a.txt", ContentFile(b"old"))
    with staging_area("out", storage, overwrite=True) as area:
        write(area.path, {"a.txt": b"new"})

    assert faulty.object_names() == ["out/a.txt"]
    assert body(faulty, "out/a.txt") == b"new"


def test_a_service_without_conditional_writes_is_detected_once_and_named_in_the_log(caplog):
    server = FaultyS3Server.start()
    try:
        server.ignore_conditions()
        storage = storage_on(server)
        with caplog.at_level("WARNING"):
            for run in range(2):
                with staging_area(f"run-{run}", storage) as area:
                    write(area.path, {"a.txt": b"x"})
            server.fail(r"/poison\.txt$")
            with pytest.raises(StagingError) as caught, staging_area("run-2", storage) as area:
                write(area.path, {"a.txt": b"x", "b.txt": b"x", "zz/poison.txt": b"x"})
        names = server.object_names()
        probes = [put for method, put, _ in server.stats()["requests"] if method == "PUT" and ".staging-probe" in put]
    finally:
        server.stop()

    assert names == ["run-0/a.txt", "run-1/a.txt"]  # published all the same, with the weaker guarantee
    assert caught.value.left_behind == {}  # the failed one removed its files (comparing ETags first)
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len([text for text in warnings if "ignores conditional writes (If-None-Match)" in text]) == 1
    assert len([text for text in warnings if "ignores conditional deletes" in text]) == 1
    assert len(probes) == 3  # one probe: create, a conditional PUT, one part of a multipart upload
