"""django-storages' own S3 tests, run against the project's S3 backend (S3MediaStorage).

The backend replaces S3Storage's read path; the library's tests say whether it still keeps the
library's contract. They come from the source distribution of the pinned version (pip, from the
package index, cached between runs); nothing of them is kept in this repository.
"""

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from mediakit.storage.backends import S3MediaStorage

from ..support.project import PROJECT

UPSTREAM_TESTS = "tests/test_s3.py"
# Upstream tests that do not apply to the backend, each with why. The only acceptable reason: the
# test mocks an internal that S3MediaStorage deliberately replaces.
EXCEPTIONS = {
    "S3StorageTests::test_storage_open_read_string": (
        "mocks the client so that S3File's download (HEAD, GET) writes nothing; S3MediaFile reads its own GET's body"
    ),
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "django-storages-sdist"


def pinned_version() -> str:
    match = re.search(r"^django-storages==(\S+)", (PROJECT / "requirements.txt").read_text(), re.M)
    assert match, "requirements.txt pins no django-storages version"
    return match.group(1)


def source_distribution(version: str) -> Path:
    """The sdist of django-storages==version, downloaded once into the cache."""
    cached = sorted(CACHE.glob(f"django_storages-{version}.tar.gz"))
    if cached:
        return cached[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as download:  # then moved into place: runs may overlap
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
            + [f"django-storages=={version}", "--dest", download],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            message = f"cannot download django-storages {version}'s source from the package index: {result.stderr}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        (sdist,) = Path(download).glob("*.tar.gz")
        return Path(shutil.move(sdist, CACHE / sdist.name))


def extract_tests(sdist: Path, destination: Path) -> None:
    """Only the sdist's tests/ folder: the library itself is the installed one."""
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and len(parts) > 2 and parts[1] == "tests":
                target = destination.joinpath(*parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())


def test_django_storages_own_s3_tests_pass_with_the_project_backend(tmp_path):
    extract_tests(source_distribution(pinned_version()), tmp_path)
    shutil.copy(Path(__file__).parents[1] / "support" / "upstream_s3_conftest.py", tmp_path / "conftest.py")
    deselect = [option for name in EXCEPTIONS for option in ("--deselect", f"{UPSTREAM_TESTS}::{name}")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
        + ["-W", "ignore::DeprecationWarning", UPSTREAM_TESTS, *deselect],
        cwd=tmp_path,
        # Their settings, and the project's package importable (their tests/ package comes first).
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert f"S3Storage is {S3MediaStorage.__module__}.{S3MediaStorage.__qualname__}" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    assert f"{len(EXCEPTIONS)} deselected" in summary, f"an exception no longer matches a test: {summary}"
