"""What S3 sees of a staged name: the whole key (storage prefix, area prefix and name) within S3's limit,
names that look the same, and names a local storage cannot hold as files."""

import logging
import unicodedata
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storages.backends.s3 import S3Storage

from mediakit.staging import StagingError, staging_area
from mediakit.staging.names import MAX_NAME_BYTES
from mediakit.storage.configuration import parse_storage_dsn

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder

# Folder names of up to 100 characters, one to three bytes each in UTF-8: every file system takes them.
PARTS = st.text(st.sampled_from("ab-_é€"), min_size=1, max_size=100)


def write_nested(root: Path, relative: str, content: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_the_whole_s3_key_counts_with_the_storage_prefix(s3_server):
    location, prefix, name = "l" * 300, "p" * 300, "d/" + "n" * 200 + "/" + "é" * 112 + ".txt"  # 300 + 300 + 430
    storage = S3Storage(**parse_storage_dsn(s3_server.dsn("media") + "&acl=none").storages_entry()["OPTIONS"])
    storage.location = location
    calls = []
    client = storage.connection.meta.client
    client.meta.events.register("before-call.s3", lambda model, **kwargs: calls.append(model.name))
    with pytest.raises(StagingError) as caught, staging_area(prefix, storage) as area:
        write_nested(area.path, name, b"x")
    key_bytes = len(f"{location}/{prefix}/{name}".encode())
    assert key_bytes > MAX_NAME_BYTES
    assert f"its whole key is {key_bytes} bytes in UTF-8, longer than S3's 1024" in str(caught.value)
    assert calls == []  # refused before anything is sent
    assert s3_server.object_names() == []


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.lists(PARTS, max_size=6), name=st.lists(PARTS, min_size=1, max_size=6))
def test_a_name_is_published_exactly_when_its_whole_key_fits(tmp_path_factory, prefix, name):
    media = tmp_path_factory.mktemp("media")
    prefix, name = "/".join(prefix), "/".join(name) + ".txt"
    fits = len(f"{prefix}/{name}".encode()) <= MAX_NAME_BYTES if prefix else len(name.encode()) <= MAX_NAME_BYTES
    try:
        with staging_area(prefix, FileSystemStorage(location=media)) as area:
            write_nested(area.path, name, b"x")
    except StagingError as error:
        assert not fits
        assert "longer than S3's 1024" in str(error)
        assert not any(path.is_file() for path in media.rglob("*"))
    else:
        assert fits
        assert (media / area.published[name]).read_bytes() == b"x"


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(codec="utf-8", categories=("L", "M", "N")), min_size=1, max_size=12))
def test_names_only_normalisation_tells_apart_are_published_with_a_warning(tmp_path_factory, caplog, word):
    forms = {unicodedata.normalize(form, word) for form in ("NFC", "NFD")}
    media = tmp_path_factory.mktemp("media")
    caplog.clear()
    with caplog.at_level(logging.WARNING), staging_area("out", FileSystemStorage(location=media)) as area:
        for index, form in enumerate(sorted(forms)):
            (area.path / f"{form}.txt").write_bytes(str(index).encode())
    warnings = [record.getMessage() for record in caplog.records if "Unicode normalisation" in record.getMessage()]
    if len(forms) > 1:
        assert len(warnings) == 1
        assert all(ascii(f"out/{form}.txt") in warnings[0] for form in forms)
        assert len(area.published) == 2
    else:
        assert warnings == []


def test_a_name_that_looks_like_a_stored_one_is_published_with_a_warning(s3_server, caplog):
    stored = storages["default"].save(unicodedata.normalize("NFC", "out/café.txt"), ContentFile(b"old"))
    with caplog.at_level(logging.WARNING), staging_area("out") as area:
        (area.path / unicodedata.normalize("NFD", "café.txt")).write_bytes(b"new")
    warnings = [record.getMessage() for record in caplog.records if "Unicode normalisation" in record.getMessage()]
    assert len(warnings) == 1
    published = area.published[unicodedata.normalize("NFD", "café.txt")]
    assert ascii(stored) in warnings[0] and ascii(published) in warnings[0]
    assert sorted(s3_server.object_names()) == sorted([stored, published])


def test_a_folder_where_a_file_goes_is_named_as_such_not_as_another_writer(tmp_path):
    media = tmp_path / "media"
    write_nested(media, "out/r/x/inside.txt", b"old")
    write_nested(media, "out/f", b"a file")
    with pytest.raises(StagingError) as caught, staging_area("out", FileSystemStorage(location=media)) as area:
        write_nested(area.path, "r/x", b"new")
        write_nested(area.path, "f/y.txt", b"new")
        write_nested(area.path, "fine.txt", b"new")
    message = str(caught.value)
    assert "Nothing was published: 2 names clash with folders or files" in message
    assert "out/r/x: is a folder in the storage: a file cannot have its name" in message
    assert "out/f/y.txt: needs the folder 'out/f', which is a file in the storage" in message
    assert "another writer" not in message
    assert not (media / "out" / "fine.txt").exists()
    assert (media / "out" / "r" / "x" / "inside.txt").read_bytes() == b"old"
