"""The staging utility against real S3 servers over HTTP on loopback (moto, separate processes).

The fault-injection tests use a second server that answers errors for some keys, slows requests
down, or exits part-way (tests/faulty_s3_server.py)."""

import io
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote

import hypothesis
import pytest
from boto3.s3.transfer import TransferConfig
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from hypothesis import strategies as st
from PIL import Image
from storages.backends.s3 import S3Storage

from {{ cookiecutter.project_slug }}.mediastorage.configuration import parse_storage_dsn
from {{ cookiecutter.project_slug }}.staging import StagingError, staging_area
from {{ cookiecutter.project_slug }}.staging.names import storage_name

from .processes import stop_process
from .s3_server import FaultyS3Server

ACCESS_KEY = "AKIASTAGINGTEST"
SECRET = "Sup3rS3cretStagingValue"


def write(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def s3_storage(**options) -> S3Storage:
    """A storage configured like the default one, with some options changed."""
    return S3Storage(**{**settings.STORAGES["default"]["OPTIONS"], **options})


def head(server, key: str) -> dict:
    return server.client().head_object(Bucket=server.MEDIA_BUCKET, Key=key)


def read(storage, name: str) -> bytes:
    with storage.open(name) as stored:
        return stored.read()


def body(server, key: str) -> bytes:
    return server.client().get_object(Bucket=server.MEDIA_BUCKET, Key=key)["Body"].read()


@pytest.fixture(autouse=True)
def local_dir(tmp_path, monkeypatch) -> Path:
    """Staging areas are made here (the system's temporary folder, as Python sees it), then cleaned up."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def leftovers(local_dir: Path) -> list[Path]:
    """Whatever is left in the folder staging areas are made in, whatever its name."""
    return list(local_dir.iterdir())


@pytest.fixture(scope="module")
def faulty_server():
    server = FaultyS3Server.start()
    yield server
    server.stop()


@pytest.fixture
def faulty(faulty_server) -> FaultyS3Server:
    faulty_server.reset()
    return faulty_server


def storage_on(server: FaultyS3Server) -> S3Storage:
    """The media storage exactly as settings build it from a DSN, pointed at this server."""
    dsn = f"s3://{ACCESS_KEY}:{SECRET}@{server.MEDIA_BUCKET}/?endpoint_url={quote(server.url, safe='')}"
    return S3Storage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"])


FILES = {
    "report.txt": b"plain text",
    "data.json": b'{"a": 1}',
    "no-extension": b"\x00\x01binary",
    "empty.txt": b"",
    "tables/2026/sales.csv.gz": b"\x1f\x8b not really gzip",
    "résumé/naïve café.txt": "unicode names ✓".encode(),
}


def test_publishes_every_file_and_reads_back(s3_server, local_dir):
    with staging_area("exports/run-1") as area:
        write(area.path, FILES)
        local = area.path

    assert area.published == {name: f"exports/run-1/{name}" for name in FILES}
    assert sorted(s3_server.object_names()) == sorted(area.published.values())
    for name, content in FILES.items():
        assert body(s3_server, area.published[name]) == content
        assert read(storages["default"], area.published[name]) == content
    assert head(s3_server, "exports/run-1/report.txt")["ContentType"] == "text/plain"
    assert head(s3_server, "exports/run-1/data.json")["ContentType"] == "application/json"
    assert head(s3_server, "exports/run-1/no-extension")["ContentType"] == "application/octet-stream"
    compressed = head(s3_server, "exports/run-1/tables/2026/sales.csv.gz")
    assert (compressed["ContentType"], compressed["ContentEncoding"]) == ("text/csv", "gzip")
    assert not local.exists()
    assert leftovers(local_dir) == []


def test_objects_are_the_ones_storage_save_writes(s3_server):
    """Location, object parameters, ACL and content type: the fast path mirrors S3Storage._save()."""
    storage = s3_storage(
        location="site/media",
        object_parameters={"CacheControl": "max-age=86400", "Metadata": {"origin": "tests"}},
    )
    saved = [storage.save(f"by-save/{name}", ContentFile(b"x")) for name in ("a.pdf", "b.csv.gz", "c")]
    with staging_area("by-staging", storage) as area:
        write(area.path, {"a.pdf": b"x", "b.csv.gz": b"x", "c": b"x"})

    client = s3_server.client()
    for by_save, by_staging in zip(saved, sorted(area.published.values()), strict=True):
        key_save, key_staging = f"site/media/{by_save}", f"site/media/{by_staging}"
        fields = ("ContentType", "ContentEncoding", "CacheControl", "Metadata")
        assert {f: head(s3_server, key_staging).get(f) for f in fields} == {
            f: head(s3_server, key_save).get(f) for f in fields
        }
        assert head(s3_server, key_staging)["CacheControl"] == "max-age=86400"
        acl = client.get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key=key_staging)["Grants"]
        assert acl == client.get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key=key_save)["Grants"]
        assert any(grant["Grantee"].get("URI", "").endswith("/AllUsers") for grant in acl)  # public-read
    keys = s3_server.object_names()
    assert len(keys) == 6
    assert all(key.startswith("site/media/") for key in keys)


def test_large_files_go_multipart_from_disk(s3_server):
    part = 5 * 1024 * 1024
    storage = s3_storage(transfer_config=TransferConfig(multipart_threshold=part, multipart_chunksize=part))
    content = os.urandom(2 * part + 1234)
    with staging_area("big", storage) as area:
        write(area.path, {"video.bin": content})

    assert head(s3_server, "big/video.bin")["ETag"].strip('"').endswith("-3")  # three parts
    assert body(s3_server, "big/video.bin") == content


def test_pull_downloads_inputs_that_are_not_published_again(s3_server):
    storage = storages["default"]
    originals = [storage.save(f"uploads/{n}.txt", ContentFile(f"original {n}".encode())) for n in range(5)]

    with staging_area("derived") as area:
        pulled = area.pull(name for name in originals)
        with pytest.raises(TypeError, match="list of names"):
            area.pull(originals[0])
        assert [path.read_text() for path in pulled] == [f"original {n}" for n in range(5)]
        for path in pulled:
            (area.path / path.name).write_text(path.read_text().upper())

    assert area.published == {f"{n}.txt": f"derived/{n}.txt" for n in range(5)}
    assert sorted(s3_server.object_names()) == sorted([*originals, *area.published.values()])
    assert body(s3_server, "derived/3.txt") == b"ORIGINAL 3"


def test_pulling_a_missing_file_names_it_and_publishes_nothing(s3_server, local_dir):
    storages["default"].save("uploads/here.txt", ContentFile(b"x"))
    with pytest.raises(StagingError) as caught, staging_area("out") as area:
        (area.path / "result.txt").write_text("never published")
        area.pull(["uploads/here.txt", "uploads/missing.txt"])

    assert "uploads/missing.txt: not found" in str(caught.value)
    assert "uploads/here.txt" not in caught.value.failures
    assert s3_server.object_names() == ["uploads/here.txt"]
    assert leftovers(local_dir) == []


def test_an_exception_in_the_block_uploads_nothing(s3_server, local_dir):
    with pytest.raises(ZeroDivisionError), staging_area("out") as area:
        write(area.path, FILES)
        1 / 0  # noqa: B018

    assert s3_server.object_names() == []
    assert area.published == {}
    assert leftovers(local_dir) == []


def test_existing_names_are_refused_before_anything_is_sent_with_one_listing_per_folder(s3_server):
    storage = storages["default"]
    storage.save("out/a/1.txt", ContentFile(b"already there"))
    calls = []
    client = storage.connection.meta.client
    client.meta.events.register("before-call.s3", lambda model, **kwargs: calls.append(model.name))
    try:
        with pytest.raises(StagingError) as caught, staging_area("out") as area:
            write(area.path, {f"{folder}/{n}.txt": b"new" for folder in "abc" for n in range(10)})
    finally:
        client.meta.events.unregister("before-call.s3")

    assert caught.value.failures == {"out/a/1.txt": "already exists"}
    assert "overwrite=True" in str(caught.value)
    assert sorted(calls) == ["ListObjectsV2"] * 3  # one per folder: no HEAD per file, no upload
    assert s3_server.object_names() == ["out/a/1.txt"]
    assert body(s3_server, "out/a/1.txt") == b"already there"
    assert (caught.value.kept_in / "b/7.txt").read_bytes() == b"new"  # nothing lost


def test_overwrite_replaces_under_the_same_names(s3_server):
    storage = storages["default"]
    storage.save("out/a.txt", ContentFile(b"old"))
    with staging_area("out", overwrite=True) as area:
        write(area.path, {"a.txt": b"new", "b.txt": b"b"})

    assert area.published == {"a.txt": "out/a.txt", "b.txt": "out/b.txt"}
    assert sorted(s3_server.object_names()) == ["out/a.txt", "out/b.txt"]
    assert body(s3_server, "out/a.txt") == b"new"


@pytest.mark.parametrize("prefix", ["../outside", "/absolute", "a/../../b", "a//b", "./a", "a\\b"])
def test_prefixes_that_escape_are_refused(s3_server, local_dir, prefix):
    with pytest.raises(SuspiciousFileOperation):
        staging_area(prefix).__enter__()
    assert leftovers(local_dir) == []


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/passwd", "a/../../b", ""])
def test_names_that_escape_cannot_be_pulled(s3_server, name):
    with pytest.raises(SuspiciousFileOperation), staging_area("out") as area:
        area.pull([name])


def test_symbolic_links_are_refused_and_nothing_is_sent(s3_server, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not for publishing")
    with pytest.raises(StagingError) as caught, staging_area("out") as area:
        (area.path / "fine.txt").write_text("fine")
        (area.path / "link.txt").symlink_to(outside)

    assert "link.txt: is a symbolic link" in str(caught.value)
    assert s3_server.object_names() == []
    assert (caught.value.kept_in / "fine.txt").read_text() == "fine"


@pytest.mark.parametrize("workers", [0, -1, 2.5, True])
def test_workers_must_be_a_positive_whole_number(s3_server, workers):
    with pytest.raises(ValueError, match="workers"):
        staging_area("out", workers=workers).__enter__()


def test_a_batch_of_resized_images(s3_server):
    """The README's example: derived images made locally with Pillow, then published at once."""
    storage = storages["default"]
    originals = []
    for n, colour in enumerate(["red", "green", "blue"]):
        image = io.BytesIO()
        Image.new("RGB", (1600, 1200), colour).save(image, "JPEG")
        originals.append(storage.save(f"photos/{n}.jpg", ContentFile(image.getvalue())))

    with staging_area("renditions/2026") as area:
        for name, source in zip(originals, area.pull(originals), strict=True):
            with Image.open(source) as image:
                for width in (320, 640):
                    target = area.path / str(width) / Path(name).with_suffix(".webp").name
                    target.parent.mkdir(exist_ok=True)
                    resized = image.copy()
                    resized.thumbnail((width, width))
                    resized.save(target, "WEBP")

    assert sorted(area.published) == [f"{width}/{n}.webp" for width in (320, 640) for n in range(3)]
    for relative, name in area.published.items():
        assert head(s3_server, name)["ContentType"] == "image/webp"
        with Image.open(io.BytesIO(body(s3_server, name))) as image:
            assert image.width == int(relative.split("/")[0])


# Any other Django storage: the generic path (save/listdir/delete on threads).


def test_generic_path_with_the_file_system_storage(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "media")
    storage.save("out/old.txt", ContentFile(b"old"))
    with staging_area("out", storage) as area:
        write(area.path, FILES)
        pulled = area.pull(["out/old.txt"])
        assert pulled[0].read_bytes() == b"old"

    assert area.published == {name: f"out/{name}" for name in FILES}
    for name, content in FILES.items():
        assert read(storage, f"out/{name}") == content

    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, {"report.txt": b"again", "new.txt": b"new"})
    assert caught.value.failures == {"out/report.txt": "already exists"}
    assert not storage.exists("out/new.txt")

    with staging_area("out", storage, overwrite=True) as area:
        write(area.path, {"report.txt": b"again"})
    assert read(storage, "out/report.txt") == b"again"
    assert sorted(storage.listdir("out")[1]) == sorted(["old.txt", *[n for n in FILES if "/" not in n]])


def test_generic_path_failure_removes_what_it_wrote(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "media")
    storage.save("out/blocked", ContentFile(b"a file where the batch wants a folder"))
    files = {f"{n:02}.txt": b"x" for n in range(20)} | {"blocked/inside.txt": b"cannot be written"}
    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, files)

    assert list(caught.value.failures) == ["out/blocked/inside.txt"]
    assert storage.listdir("out") == ([], ["blocked"])
    assert all((caught.value.kept_in / name).read_bytes() == content for name, content in files.items())


# Fault injection: a second S3 server that misbehaves.


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


# Publishes that meet other writers: conditional writes (If-None-Match / If-Match) and a careful undo.


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
    """Four separate processes (tests/staging_publisher.py) that publish to the fault-injecting server."""
    dsn = faulty_server.dsn(faulty_server.MEDIA_BUCKET)
    environ = {**os.environ, "DEFAULT_STORAGE_DSN": dsn, "LOG_LEVEL": "ERROR"}
    root = Path(__file__).resolve().parent.parent
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.staging_publisher"],
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
    conflicts = successes = 0
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
        successes += len(won)
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


# Names S3 (or its batch delete) would refuse: refused before anything is sent, shown escaped.


@pytest.mark.parametrize("bad", ["\x01", "\n", "\r", "\t", "\x7f", "\x85", "\ufffe"])
def test_names_with_control_characters_are_refused_before_anything_is_sent(s3_server, bad):
    storage = storages["default"]
    calls = []
    client = storage.connection.meta.client
    client.meta.events.register("before-call.s3", lambda model, **kwargs: calls.append(model.name))
    try:
        with pytest.raises(StagingError) as caught, staging_area("out") as area:
            write(area.path, {"fine.txt": b"fine", f"bad{bad}name.txt": b"bad"})
    finally:
        client.meta.events.unregister("before-call.s3")

    message = str(caught.value)
    escaped = bad.encode("unicode_escape").decode()
    assert f"\n  bad{escaped}name.txt: " in message
    assert all(line.isprintable() for line in message.split("\n"))  # one line each, every character visible
    assert calls == []
    assert s3_server.object_names() == []
    assert (caught.value.kept_in / f"bad{bad}name.txt").read_bytes() == b"bad"
    with pytest.raises(SuspiciousFileOperation, match="control character"), staging_area("out") as area:
        area.pull([f"uploads/bad{bad}.txt"])


@hypothesis.settings(deadline=None, database=None)  # no deadline on a loaded machine; no .hypothesis/ folder
@hypothesis.given(st.text(max_size=30))
def test_any_name_is_either_kept_exactly_or_refused_with_a_printable_message(text):
    try:
        name = storage_name(text)
    except SuspiciousFileOperation as error:
        assert str(error).isprintable()
    else:
        assert name == text
        assert not any(unicodedata.category(char) == "Cc" for char in name)
        assert ".." not in name.split("/") and not name.startswith("/")


def test_the_kept_folder_message_names_everything_kept(s3_server):
    storages["default"].save("uploads/in.txt", ContentFile(b"input"))
    with pytest.raises(StagingError) as caught, staging_area("out") as area:
        area.pull(["uploads/in.txt"])
        write(area.path, {"ok.txt": b"ok"})
        (area.path / "link").symlink_to(area.path / "ok.txt")

    message, root = str(caught.value), caught.value.kept_in.parent
    kept = f"Everything kept is in {root}: files/ (the files to publish), pulled/ (the inputs pull() fetched)"
    assert kept in message
    assert f"The local files are kept in {caught.value.kept_in}" in message
    assert (root / "pulled" / "uploads" / "in.txt").read_bytes() == b"input"
