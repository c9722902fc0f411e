"""The staging utility on SeaweedFS, a service that grants by bucket policy and checks conditional writes for
real: a name another writer takes after the check is never replaced, and an undo puts a replaced file back
without changing who may read it (SeaweedFS reports only the owner's grant, and takes it back)."""

import os
import time

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from mediakit.staging import StagingError, staging_area
from mediakit.storage import s3
from mediakit.storage.configuration import parse_storage_dsn

from ..support.seaweedfs_server import SeaweedFSServer
from ..support.staging_helpers import write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder
PART = 5 * 1024 * 1024


def storage_on(seaweedfs: SeaweedFSServer) -> S3Storage:
    """The media storage as the settings build it from a DSN, on SeaweedFS, sending 5 MB parts."""
    config = parse_storage_dsn(seaweedfs.dsn("media"), variable="DEFAULT_STORAGE_DSN")
    storage = storages.create_storage(config.storages_entry())
    storage.transfer_config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART)
    return storage


def before_request(storage: S3Storage, operation: str, key: str, action) -> None:
    """Run action() once, just before the staging utility sends `operation` for `key`."""
    done = []

    def handler(params, **kwargs):
        if params.get("Key") == key and not done:
            done.append(True)
            action()

    s3.client(storage).meta.events.register(f"before-parameter-build.s3.{operation}", handler)


def body(seaweedfs: SeaweedFSServer, key: str) -> bytes:
    return seaweedfs.client().get_object(Bucket="media", Key=key)["Body"].read()


@pytest.mark.parametrize("large", [False, True], ids=["put", "multipart"])
def test_a_name_taken_after_the_check_is_not_replaced(seaweedfs, large):
    storage = storage_on(seaweedfs)
    mine = os.urandom(PART + 10) if large else b"mine"
    theirs = b"theirs: published by another process in the meantime"

    def write_theirs():
        seaweedfs.client().put_object(Bucket="media", Key="out/shared.bin", Body=theirs)

    before_request(storage, "CompleteMultipartUpload" if large else "PutObject", "out/shared.bin", write_theirs)
    with pytest.raises(StagingError) as caught, staging_area("out", storage) as area:
        write(area.path, {"shared.bin": mine, "own.txt": b"own"})

    assert caught.value.conflicts == {"out/shared.bin"}
    assert body(seaweedfs, "out/shared.bin") == theirs
    assert seaweedfs.object_names() == ["out/shared.bin"]  # this publish's own file is removed again


def test_an_undo_puts_a_replaced_file_back_readable_as_before(seaweedfs):
    storage = storage_on(seaweedfs)
    seaweedfs.client().put_object(Bucket="media", Key="out/page.html", Body=b"old", ContentType="text/html")
    seaweedfs.open_to_readers("media", "out/")

    written = []

    def page_written(http_response, model, **kwargs):
        if model.name == "PutObject" and http_response.url.endswith("/out/page.html"):
            written.append(True)

    def refuse():
        deadline = time.monotonic() + 10
        while not written and time.monotonic() < deadline:  # the new page replaces the old one first
            time.sleep(0.01)
        raise OSError("the disk went away")

    s3.client(storage).meta.events.register("after-call.s3.PutObject", page_written)
    before_request(storage, "PutObject", "out/zz-last.txt", refuse)
    with pytest.raises(StagingError), staging_area("out", storage, overwrite=True, workers=2) as area:
        write(area.path, {"page.html": b"new", "zz-last.txt": b"fails"})

    assert written
    assert body(seaweedfs, "out/page.html") == b"old"
    assert seaweedfs.client().head_object(Bucket="media", Key="out/page.html")["ContentType"] == "text/html"
    assert seaweedfs.anonymous_status("media", "out/page.html") == 200
    assert seaweedfs.object_names() == ["out/page.html"]
