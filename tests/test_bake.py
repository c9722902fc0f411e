"""Bake the template across its options; the baked project must be clean, valid and pass its own tests."""

import itertools
import re
import sys

import pytest

from .conftest import ARTIFACTS, CHOICES, manage, run
from .linting import ruff_problems

REGION_KINDS = ["eu-central-1", "us-east-1", "ch-dk-2", "other"]  # AWS (default, and the global one), Exoscale, any S3
MATRIX = [
    {"region": region, "use_filer": use_filer, "private_media": private_media}
    for region, use_filer, private_media in itertools.product(REGION_KINDS, [True, False], [True, False])
]
# Every region kind, every option on and off, each pair of options together: the baked test suites to run.
COVERING = [
    {"region": "eu-central-1", "use_filer": True, "private_media": False},
    {"region": "ch-dk-2", "use_filer": False, "private_media": True},
    {"region": "other", "use_filer": True, "private_media": True},
    {"region": "us-east-1", "use_filer": False, "private_media": False},
]


def label(answers: dict) -> str:
    return "-".join(f"{value}" if key == "region" else f"{key}={value}" for key, value in answers.items())


# What only cookiecutter's Jinja writes: its variables, whitespace control and raw blocks. Django's own
# template syntax ({% thumbnail %}, {{ url }}) is at home in a Django project (templates, docs, tests).
LEFTOVER = re.compile(r"cookiecutter\.(?!json\b)|\{%-|-%\}|\{\{-|-\}\}|\{%\s*(end)?raw\b")


def project_files(project):
    return [path for path in project.rglob("*") if path.is_file() and "__pycache__" not in path.parts]


@pytest.mark.parametrize("answers", MATRIX, ids=label)
def test_baked_project_is_clean_and_valid(bake, answers):
    project = bake(**answers)
    for path in project_files(project):
        text = path.read_text()
        # What only Jinja writes (the file name cookiecutter.json may be named: bin/upgrade reads it).
        assert not LEFTOVER.search(text), f"template syntax left in {path}"
        assert text.endswith("\n") or not text, f"{path} lacks a final newline"
    problems = ruff_problems(project)
    assert not problems, problems
    check = manage(project, "check", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stderr
    migrations = manage(project, "makemigrations", "--check", "--dry-run")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr


@pytest.mark.parametrize("region", CHOICES["region"])
def test_every_region_renders_its_own_settings(bake, region):
    project = bake(region=region)
    settings = (project / "my_site" / "settings.py").read_text()
    if region == "other":
        assert "STORAGE_REGION" not in settings
    else:
        assert f'STORAGE_REGION = "{region}"' in settings
        assert region in (project / ".env.example").read_text()


@pytest.mark.parametrize("answers", COVERING, ids=label)
def test_baked_project_tests_pass(bake, answers):
    project = bake(**answers)
    artifacts = str(ARTIFACTS / label(answers))
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        timeout=900,
        TEST_ARTIFACTS=artifacts,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout)
