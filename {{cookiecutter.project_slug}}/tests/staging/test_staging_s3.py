"""The staging utility's S3 fast path against a real S3 server over HTTP on loopback (moto, a separate process)."""

import io
import os
from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image

from mediakit.staging import StagingError, staging_area

from ..support.staging_helpers import FILES, body, head, leftovers, read, s3_storage, write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder


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
