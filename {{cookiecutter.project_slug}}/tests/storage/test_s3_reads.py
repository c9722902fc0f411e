"""Reading media from S3 keeps django-storages' file contract: reopen, spool to disk, gzip; one GET a read.

django-storages' own tests (test_upstream_s3.py) miss what breaks thumbnails: a file closed and
opened again, as easy-thumbnails does for each size and ImageFieldFile.width does after a read.
"""

import gzip
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.db.models.fields.files import ImageFieldFile

from mediakit.storage.backends import S3MediaStorage
from mediakit.storage.configuration.storage_configs import MAX_MEMORY_SIZE

from ..support.images import JPEG, PNG_TRANSPARENT
from ..support.project import PROJECT, project_environ
from ..support.s3_requests import s3_requests

LARGE_MB = 300
MEMORY_LIMIT_MB = 50


def test_read_close_reopen_reads_the_bucket_again(s3_server, tmp_path, monkeypatch):
    storage = storages["default"]
    name = storage.save("notes.txt", ContentFile(b"first version"))
    # A same-named file in the working directory must never be read instead of the object.
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(b"a local file, not the object")

    with s3_requests(storage) as sent:
        file = storage.open(name)
        assert file.read() == b"first version"
        assert file.size == len(b"first version")  # from the GET's headers: no HEAD
        file.close()
    assert sent == [f"GET {name}"]

    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=name, Body=b"second version")
    with s3_requests(storage) as sent, file.open() as reopened:
        assert reopened.read() == b"second version"
    assert sent == [f"GET {name}"]
    assert file.closed


def test_a_response_cut_short_is_read_again_with_retries(s3_server, monkeypatch):
    from botocore.exceptions import IncompleteReadError

    storage = storages["default"]
    name = storage.save("cut.bin", ContentFile(b"0123456789" * 1000))
    file = storage.open(name)

    def cut_short(*args, **kwargs):
        raise IncompleteReadError(actual_bytes=10, expected_bytes=10000)

    monkeypatch.setattr(file._response["Body"], "read", cut_short)
    with s3_requests(storage) as sent:
        assert file.read() == b"0123456789" * 1000
    # S3File's own download takes over: s3transfer's GET, which retries a broken transfer. (It sends a
    # HEAD first only to validate the response checksum, which off AWS is checked only when required.)
    assert sent == [f"GET {name}"]
    file.close()


def test_a_file_opened_and_closed_unread_releases_its_response(s3_server):
    storage = storages["default"]
    name = storage.save("unread.txt", ContentFile(b"never read"))
    file = storage.open(name)
    body = file._response["Body"]
    file.close()
    assert body._raw_stream.closed
    with file.open() as reopened:
        assert reopened.read() == b"never read"


def test_text_mode_and_missing_files(s3_server):
    storage = storages["default"]
    name = storage.save("lines.txt", ContentFile(b"one\r\ntwo\rthree\n"))
    with storage.open(name, "r") as file:
        assert file.read() == "one\ntwo\nthree\n"
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        storage.open("missing.txt")


@pytest.mark.parametrize("data", [JPEG, PNG_TRANSPARENT], ids=["jpeg", "png"])
def test_image_field_file_dimensions_after_a_read(s3_server, data):
    storage = storages["default"]
    name = storage.save("photos/picture", ContentFile(data))
    field = models.ImageField(storage=storage)
    field.name = "image"
    image = ImageFieldFile(None, field, name)

    image.open()
    assert image.read() == data
    image.close()
    assert (image.width, image.height) in [(800, 600), (640, 480)]  # reopens the closed file


def test_gzip_encoded_objects_come_back_decoded(s3_server, settings):
    storage = S3MediaStorage(**{**settings.STORAGES["default"]["OPTIONS"], "gzip": True})
    name = storage.save("styles/site.css", ContentFile(b"body { color: red }" * 100))

    stored = s3_server.client().get_object(Bucket=s3_server.MEDIA_BUCKET, Key=name)
    assert stored["ContentEncoding"] == "gzip"
    assert gzip.decompress(stored["Body"].read()) == b"body { color: red }" * 100
    with storage.open(name) as file:
        assert file.read() == b"body { color: red }" * 100


def test_large_reads_spill_to_a_temporary_file(s3_server):
    storage = storages["default"]
    assert storage.max_memory_size == MAX_MEMORY_SIZE
    small = storage.save("small.bin", ContentFile(b"x" * 1000))
    large = storage.save("large.bin", ContentFile(os.urandom(MAX_MEMORY_SIZE + 1)))
    with storage.open(small) as file:
        assert not file.file._rolled  # SpooledTemporaryFile: still in memory
    with storage.open(large) as file:
        assert file.file._rolled  # on disk
        assert len(file.read()) == MAX_MEMORY_SIZE + 1


# Peak growth of resident memory while reading: the kernel's high-water mark (VmHWM), reset to the
# current size first through /proc/self/clear_refs (Linux).
READ_AND_MEASURE = """
import re, sys
from pathlib import Path
import django
django.setup()
from django.core.files.storage import storages

def status_kb(field):
    return int(re.search(rf"^{field}:\\s+(\\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))

storage = storages["default"]
with storage.open("warm-up.txt") as file:  # imports and the client's connection, before measuring
    file.read()
Path("/proc/self/clear_refs").write_text("5")
before = status_kb("VmRSS")
size = 0
with storage.open(sys.argv[1]) as file:
    for chunk in file.chunks():
        size += len(chunk)
print(size, (status_kb("VmHWM") - before) / 1024)
"""


def test_reading_a_300_mb_object_grows_memory_by_less_than_50_mb(s3_server, tmp_path):
    large = tmp_path / "video.bin"
    with large.open("wb") as out:
        for _ in range(LARGE_MB):
            out.write(os.urandom(1024 * 1024))
    client = s3_server.client()
    client.upload_file(str(large), s3_server.MEDIA_BUCKET, "video.bin")
    client.put_object(Bucket=s3_server.MEDIA_BUCKET, Key="warm-up.txt", Body=b"warm")
    large.unlink()

    result = subprocess.run(
        [sys.executable, "-c", READ_AND_MEASURE, "video.bin"],
        cwd=PROJECT,
        env=project_environ(
            DJANGO_SETTINGS_MODULE="{{ cookiecutter.project_slug }}.settings",
            DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
            PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    size, growth_mb = result.stdout.split()
    assert int(size) == LARGE_MB * 1024 * 1024
    assert float(growth_mb) < MEMORY_LIMIT_MB, f"reading {LARGE_MB} MB grew memory by {growth_mb} MB"
