"""Names S3 (or its batch delete) would refuse: refused before anything is sent, shown escaped."""

import unicodedata

import hypothesis
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from hypothesis import strategies as st

from mediakit.staging import StagingError, staging_area
from mediakit.staging.names import storage_name

from ..support.staging_helpers import write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder


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
