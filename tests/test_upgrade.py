"""A generated project takes a newer template with bin/upgrade, keeping its own changes.

Real git, real cruft: the project is created from the template's version 1.0.0 (the template_repo
fixture), the user changes it, and bin/upgrade takes it to version 2.0.0, which appends a setting at
the end of settings.py and adds docs/deploy.md.
"""

import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import git, run, tree, user_run

SETTINGS = "my_site/settings.py"
V2_SETTING = "DATA_UPLOAD_MAX_NUMBER_FILES = 500"
APP_ANCHOR = '    "my_site",\n]'
BLOG_APP = """\
from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
"""
BLOG_TEST = """\
from django.apps import apps
from django.conf import settings


def test_the_projects_own_app_is_installed():
    assert apps.is_installed("blog")


def test_the_template_upgrade_reached_the_settings():
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 500
"""


def cruft_create(repo: Path, out: Path, home: Path, tag: str | None = "v1.0.0", **answers) -> Path:
    """A project made with cruft from the template at tag (default: its newest version)."""
    args = [
        sys.executable,
        "-m",
        "cruft",
        "create",
        "--no-input",
        "--output-dir",
        out,
        *(["--checkout", tag] if tag else []),
    ]
    result = user_run([*args, "--extra-context", json.dumps(answers), repo], out.parent, home)
    assert result.returncode == 0, result.stderr
    return out / "my_site"


def commit(project: Path, home: Path, message: str) -> None:
    git(project, home, "add", "--all")
    git(project, home, "commit", "--quiet", "--message", message)


def add_own_app(project: Path) -> None:
    """What users do: their own app, listed in the template's settings.py, with a test of its own."""
    settings = project / SETTINGS
    assert APP_ANCHOR in settings.read_text(), "the user's edit needs the project app last in INSTALLED_APPS"
    settings.write_text(settings.read_text().replace(APP_ANCHOR, '    "my_site",\n    "blog",\n]'))
    (project / "blog").mkdir()
    (project / "blog" / "__init__.py").write_text("")
    (project / "blog" / "apps.py").write_text(BLOG_APP)
    (project / "tests" / "test_blog.py").write_text(BLOG_TEST)


def upgrade(project: Path, home: Path, *args: str):
    return user_run([sys.executable, "bin/upgrade", *args], project, home)


@pytest.fixture
def project(template_repo, user_home, tmp_path) -> Path:
    """A project created with cruft from version 1.0.0 and committed."""
    project = cruft_create(template_repo, tmp_path / "out", user_home)
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    commit(project, user_home, "Start from the template")
    return project


def test_upgrade_keeps_the_projects_own_changes(project, template_repo, user_home):
    add_own_app(project)
    commit(project, user_home, "Add the blog app")

    result = upgrade(project, user_home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Review `git diff HEAD`" in result.stdout
    settings = (project / SETTINGS).read_text()
    assert '"blog",' in settings and V2_SETTING in settings
    assert (project / "docs" / "deploy.md").read_text() == "# Deploying My Site\n"
    assert (project / "blog" / "apps.py").exists()
    assert json.loads((project / ".cookiecutter-answers.json").read_text())["template_version"] == "2.0.0"
    assert (
        json.loads((project / ".cruft.json").read_text())["commit"]
        == git(template_repo, user_home, "rev-parse", "v2.0.0").strip()
    )
    check = user_run([sys.executable, "-m", "cruft", "check"], project, user_home)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, timeout=900)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]
    assert re.search(r"\d+ passed", tests.stdout)


@pytest.mark.parametrize(
    ("edited_before_first_commit", "named"),
    [
        (False, SETTINGS),  # git has the original file: a 3-way merge leaves <<<<<<< markers
        (True, SETTINGS + ".rej"),  # it does not: cruft falls back to rejected hunks in .rej files
    ],
    ids=["markers", "rej-file"],
)
def test_a_conflicting_change_fails_and_names_the_file(
    template_repo, user_home, tmp_path, edited_before_first_commit, named
):
    project = cruft_create(template_repo, tmp_path / "out", user_home)
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    if not edited_before_first_commit:
        commit(project, user_home, "Start from the template")
    with (project / SETTINGS).open("a") as settings:  # where version 2.0.0 adds its own setting
        settings.write("\nDATA_UPLOAD_MAX_NUMBER_FILES = 100\n")
    commit(project, user_home, "Accept fewer files per upload")

    result = upgrade(project, user_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"conflicts to resolve by hand:\n  {re.escape(named)}\n", result.stderr)
    if named.endswith(".rej"):
        assert V2_SETTING in (project / named).read_text()
    else:
        assert re.search(
            r"^<<<<<<< .*\nDATA_UPLOAD_MAX_NUMBER_FILES = 100\n=======\n", (project / named).read_text(), re.M
        )


def test_a_dirty_tree_is_refused_and_left_alone(project, user_home):
    with (project / SETTINGS).open("a") as settings:
        settings.write("\nTIME_ZONE = 'Europe/Zurich'\n")
    before = tree(project)

    result = upgrade(project, user_home)

    assert result.returncode == 2
    assert "commit or stash your changes first" in result.stderr
    assert f" M {SETTINGS}" in result.stderr
    assert tree(project) == before


@pytest.mark.parametrize(
    "changes",
    [{"private_media": True}, {"region": "ch-dk-2"}],
    ids=["turn-on-private-media", "move-to-switzerland"],
)
def test_changing_an_answer_gives_a_fresh_bake_plus_the_projects_changes(
    project, template_repo, user_home, tmp_path, changes
):
    add_own_app(project)
    commit(project, user_home, "Add the blog app")

    result = upgrade(project, user_home, "--variables-to-update", json.dumps(changes))

    assert result.returncode == 0, result.stdout + result.stderr
    fresh = cruft_create(template_repo, tmp_path / "fresh", user_home, tag=None, **changes)
    add_own_app(fresh)
    assert tree(project) == tree(fresh)  # .cruft.json and the answers file included


def test_a_plain_cookiecutter_project_links_and_upgrades(template_repo, user_home, tmp_path):
    url = f"git+file://{template_repo}"  # a URL, so that cookiecutter clones it and honours --checkout
    args = [sys.executable, "-m", "cookiecutter", "--no-input", "--checkout", "v1.0.0", "-o", tmp_path, url]
    made = user_run(args, tmp_path, user_home)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "my_site"
    assert not (project / ".cruft.json").exists()
    assert json.loads((project / ".cookiecutter-answers.json").read_text())["template_version"] == "1.0.0"
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    commit(project, user_home, "Start from the template")

    unlinked = upgrade(project, user_home)
    assert unlinked.returncode == 2
    assert "bin/upgrade --link TEMPLATE_URL" in unlinked.stderr

    result = upgrade(project, user_home, "--link", template_repo)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "docs" / "deploy.md").exists()
    assert V2_SETTING in (project / SETTINGS).read_text()
    assert "?? .cruft.json" in git(project, user_home, "status", "--porcelain")  # committed with the upgrade
    check = user_run([sys.executable, "-m", "cruft", "check"], project, user_home)
    assert check.returncode == 0, check.stdout + check.stderr


def test_linking_needs_the_recorded_version_tag(project, user_home, template_repo):
    (project / ".cruft.json").unlink()
    answers = project / ".cookiecutter-answers.json"
    answers.write_text(answers.read_text().replace('"1.0.0"', '"1.1.0-dev"'))
    commit(project, user_home, "A project made between two releases, without cruft")

    result = upgrade(project, user_home, "--link", template_repo)

    assert result.returncode == 2
    assert f"the template {template_repo} has no tag v1.1.0-dev" in result.stderr
    assert "cruft link --no-input --checkout COMMIT --extra-context" in result.stderr
    assert not (project / ".cruft.json").exists()
