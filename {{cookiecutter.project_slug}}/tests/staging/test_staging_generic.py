"""Any other Django storage: the generic path (save/listdir/delete on threads)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from mediakit.staging import StagingError, staging_area

from ..support.staging_helpers import FILES, read, write

pytestmark = pytest.mark.usefixtures("local_dir")  # staging areas are made in the test's own folder


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
