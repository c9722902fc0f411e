"""The media app's layers, kept by tools rather than by docstrings.

- import-linter's contracts (pyproject.toml): the app never imports the site package, storage imports no wing,
  the wings do not import each other, the storage configuration is pure;
- one door to S3: django-storages' private names and botocore's client are used in mediakit/storage/s3.py only.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.project import PROJECT

APP = PROJECT / "mediakit"
SITE = PROJECT / "{{ cookiecutter.project_slug }}"
DOOR = APP / "storage" / "s3.py"
# What only the door touches: django-storages' private methods and the per-thread resource behind the client.
PRIVATE_NAMES = {"_normalize_name", "_get_write_parameters", "connection"}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache"],  # installed beside this Python
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_are_kept():
    result = lint_imports(PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# A line that breaks each contract, and the module it is added to.
BREAKS = {
    "The media app never imports the site package": ("mediakit/checks.py", f"import {SITE.name}.urls"),
    "Storage stands on no wing above it": ("mediakit/storage/backends.py", "from ..staging import errors"),
    "The wings do not import each other": ("mediakit/copy/listing.py", "from ..thumbnails import engine"),
    "Storage configuration is pure": ("mediakit/storage/configuration/endpoints.py", "import boto3"),
}


@pytest.mark.parametrize("contract", BREAKS)
def test_a_broken_contract_fails(tmp_path, contract):
    """The same contracts on a copy of the project with one forbidden import added: lint-imports names it."""
    for name in ("mediakit", SITE.name):
        shutil.copytree(PROJECT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    module, line = BREAKS[contract]
    with (tmp_path / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def private_uses(path: Path, root: Path = PROJECT) -> list[str]:
    """Where a module reads one of PRIVATE_NAMES as an attribute, or botocore's client as `.meta.client`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute):
            continue
        is_client = node.attr == "client" and isinstance(node.value, ast.Attribute) and node.value.attr == "meta"
        if node.attr in PRIVATE_NAMES or is_client:
            found.append(f"{path.relative_to(root)}:{node.lineno}: .{node.attr}")
    return found


def test_only_the_door_touches_django_storages_internals_and_the_client():
    modules = [path for path in APP.rglob("*.py") if path != DOOR]
    assert [use for path in modules for use in private_uses(path)] == []
    assert private_uses(DOOR), "the door itself must be where they are used"


def test_the_door_check_sees_private_uses(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def key(storage, name):\n    return storage._normalize_name(name), storage.connection.meta.client\n"
    )
    assert sorted(private_uses(module, tmp_path)) == [
        "module.py:2: ._normalize_name",
        "module.py:2: .client",
        "module.py:2: .connection",
    ]


def test_the_site_package_is_the_owners_and_small():
    """The site package holds what startproject and Celery's layout give, and the settings' environment reader."""
    assert sorted(path.name for path in SITE.glob("*.py")) == [
        "__init__.py",
        "asgi.py",
        "celery.py",
        "env.py",
        "settings.py",
        "urls.py",
        "wsgi.py",
    ]
