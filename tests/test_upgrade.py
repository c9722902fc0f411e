"""A generated project takes a newer template with bin/upgrade, keeping its own changes.

Real git, real cruft, and a template repository without tags, as a fresh clone is: the project is
created from the template's version 1.0.0 or from a commit between 1.0.0 and 2.0.0 (the template_repo
fixture), the user changes it, and bin/upgrade takes it to version 2.0.0, which appends a setting at
the end of settings.py and adds docs/deploy.md.
"""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import NOT_TEMPLATE, TEMPLATE, git, run, tree, user_run

SETTINGS = "my_site/settings.py"
V2_SETTING = "DATA_UPLOAD_MAX_NUMBER_FILES = 500"
APP_ANCHOR = '    "my_site",\n]'
RESOLVE = "edit the <<<<<<< / >>>>>>> blocks (and apply then delete each .rej file), run the tests, then commit"
COMMIT_FIRST = "commit or stash them first; the upgrade needs a clean tree"
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


def cruft_create(repo: Path, out: Path, home: Path, commit: str | None, **answers) -> Path:
    """A project made with cruft from the template at commit (None: its newest)."""
    args = [
        sys.executable,
        "-m",
        "cruft",
        "create",
        "--no-input",
        "--output-dir",
        out,
        *(["--checkout", commit] if commit else []),
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
def project(template_repo, template_commits, user_home, tmp_path) -> Path:
    """A project created with cruft from version 1.0.0 and committed."""
    project = cruft_create(template_repo, tmp_path / "out", user_home, template_commits["Release 1.0.0"])
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    commit(project, user_home, "Start from the template")
    return project


def test_upgrade_keeps_the_projects_own_changes(project, template_commits, user_home):
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
    assert json.loads((project / ".cruft.json").read_text())["commit"] == template_commits["Release 2.0.0"]
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
    template_repo, template_commits, user_home, tmp_path, edited_before_first_commit, named
):
    project = cruft_create(template_repo, tmp_path / "out", user_home, template_commits["Release 1.0.0"])
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    if not edited_before_first_commit:
        commit(project, user_home, "Start from the template")
    with (project / SETTINGS).open("a") as settings:  # where version 2.0.0 adds its own setting
        settings.write("\nDATA_UPLOAD_MAX_NUMBER_FILES = 100\n")
    commit(project, user_home, "Accept fewer files per upload")

    result = upgrade(project, user_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == f"bin/upgrade: the upgrade left conflicts to resolve by hand in {named}: {RESOLVE}\n"
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
    assert result.stderr == f"bin/upgrade: uncommitted changes ({SETTINGS}): {COMMIT_FIRST}\n"
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
    fresh = cruft_create(template_repo, tmp_path / "fresh", user_home, None, **changes)
    add_own_app(fresh)
    assert tree(project) == tree(fresh)  # .cruft.json and the answers file included


def plain_cookiecutter(template_repo: Path, at: str, out: Path, home: Path, recorded: bool) -> Path:
    """A committed project made with plain cookiecutter from the template at commit `at`: from a clone of
    the template's URL (the template's hook records the commit), or from an export of that commit's
    files, as a zip download gives (nothing records the commit; the answers file has the version)."""
    out.mkdir()
    if recorded:
        source, checkout = f"git+file://{template_repo}", ["--checkout", at]
    else:
        source, checkout = out / "export", []
        git(template_repo, home, "archive", "--output", str(out / "export.tar"), at)
        shutil.unpack_archive(out / "export.tar", source)
    args = [sys.executable, "-m", "cookiecutter", "--no-input", *checkout, "-o", out, source]
    made = user_run(args, out, home)
    assert made.returncode == 0, made.stderr
    project = out / "my_site"
    assert not (project / ".cruft.json").exists()
    git(project, home, "init", "--quiet", "--initial-branch=main")
    commit(project, home, "Start from the template")
    assert (project / ".cookiecutter-commit").exists() == recorded
    return project


@pytest.mark.parametrize("made_from", ["Release 1.0.0", "Add docs/deploy.md"], ids=["release", "between-releases"])
@pytest.mark.parametrize("recorded", [True, False], ids=["commit-recorded", "version-only"])
def test_a_plain_cookiecutter_project_links_to_its_commit_and_upgrades(
    template_repo, template_commits, user_home, tmp_path, made_from, recorded
):
    origin = template_commits[made_from]
    project = plain_cookiecutter(template_repo, origin, tmp_path / "plain", user_home, recorded)
    if recorded:
        assert (project / ".cookiecutter-commit").read_text() == origin + "\n"
    add_own_app(project)
    commit(project, user_home, "Add the blog app")

    unlinked = upgrade(project, user_home)
    assert unlinked.returncode == 2
    assert "link it to its template once, which also upgrades it: bin/upgrade --link TEMPLATE_URL" in unlinked.stderr

    result = upgrade(project, user_home, "--link", str(template_repo))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"linking to the template commit {origin[:12]} " in result.stdout
    assert "?? .cruft.json" in git(project, user_home, "status", "--porcelain")  # committed with the upgrade
    fresh = cruft_create(template_repo, tmp_path / "fresh", user_home, None)
    add_own_app(fresh)
    upgraded, expected = tree(project), tree(fresh)
    newest = template_commits["Release 2.0.0"]
    assert (
        json.loads(upgraded.pop(".cruft.json"))["commit"]
        == json.loads(expected.pop(".cruft.json"))["commit"]
        == newest
    )
    assert upgraded == expected  # nothing applied twice or missed, no .rej; .cookiecutter-commit is gone
    check = user_run([sys.executable, "-m", "cruft", "check"], project, user_home)
    assert check.returncode == 0, check.stdout + check.stderr


# Failures: each one line on stderr, naming the cause and the fix, and the project left as it was.
@pytest.fixture(scope="module")
def made(template_repo, template_commits, user_home, tmp_path_factory) -> dict[str, Path]:
    """Committed projects from version 1.0.0 to copy: one made with plain cookiecutter, one with cruft."""
    root = tmp_path_factory.mktemp("made")
    version_1 = template_commits["Release 1.0.0"]
    plain = plain_cookiecutter(template_repo, version_1, root / "plain", user_home, recorded=False)
    crufted = cruft_create(template_repo, root / "cruft", user_home, version_1)
    git(crufted, user_home, "init", "--quiet", "--initial-branch=main")
    commit(crufted, user_home, "Start from the template")
    return {"plain": plain, "cruft": crufted}


# Each setup changes the copied project (committing) and returns bin/upgrade's arguments and environment.
def rewrite(name: str, text: str):
    def setup(project, repo, tmp, home):
        (project / name).write_text(text)
        commit(project, home, f"Change {name}")
        return (["--link", str(repo)] if name != ".cruft.json" else []), {}

    return setup


def no_answers_file(project, repo, tmp, home):
    (project / ".cookiecutter-answers.json").unlink()
    commit(project, home, "Lose the answers")
    return ["--link", str(repo)], {}


def shallow_template(project, repo, tmp, home):
    git(tmp, home, "clone", "--quiet", "--depth", "1", f"file://{repo}", "shallow")
    return ["--link", str(tmp / "shallow")], {}


def moved_template(project, repo, tmp, home):
    state = json.loads((project / ".cruft.json").read_text())
    (project / ".cruft.json").write_text(json.dumps(state | {"template": str(tmp / "moved")}))
    commit(project, home, "Point at a template that is not there")
    return [], {}


def no_git(project, repo, tmp, home):
    (tmp / "empty-path").mkdir()
    return [], {"PATH": str(tmp / "empty-path")}


def folder(project, repo, tmp, home):
    (tmp / "folder").mkdir()
    return ["--link", str(tmp / "folder")], {}


def no_repository(project, repo, tmp, home):
    shutil.rmtree(project / ".git")
    return [], {}


def bogus_version(project, repo, tmp, home):
    answers = project / ".cookiecutter-answers.json"
    answers.write_text(answers.read_text().replace('"1.0.0"', '"9.9.9"'))
    commit(project, home, "A version the template never had")
    return ["--link", str(repo)], {}


def arguments(*args):
    return lambda project, repo, tmp, home: (
        [arg.replace("{repo}", str(repo)).replace("{tmp}", str(tmp)) for arg in args],
        {},
    )


FAILURES = {
    # case: (project kind, setup, exit code, words of the line)
    "template-missing": ("plain", arguments("--link", "{tmp}/nowhere"), 2, ["cannot read the template", "git URL"]),
    "template-not-a-repository": ("plain", folder, 2, ["is a folder, not a git repository", "a clone of it"]),
    "template-shallow": ("plain", shallow_template, 2, ["is a shallow clone", "git fetch --unshallow"]),
    "template-moved": ("cruft", moved_template, 2, ["(in .cruft.json) (fatal:", 'if it moved, set "template"']),
    "checkout-not-in-template": (
        "cruft",
        arguments("--checkout", "no-such-branch"),
        1,
        ["`cruft update` failed (InvalidCookiecutterRepository: ", "reference no-such-branch", "--checkout"],
    ),
    "answer-not-a-choice": (
        "cruft",
        arguments("--variables-to-update", '{"region": "mars"}'),
        1,
        ["`cruft update` failed (", "mars", "--variables-to-update"],
    ),
    "bad-json": ("cruft", arguments("--variables-to-update", "{region: ch-dk-2}"), 2, ["not valid JSON", "e.g. '{"]),
    "json-not-an-object": ("cruft", arguments("--variables-to-update", '["region"]'), 2, ["needs a JSON object"]),
    "unknown-question": (
        "cruft",
        arguments("--variables-to-update", '{"colour": "red"}'),
        2,
        ["no question colour", "the questions are"],
    ),
    "corrupt-answers-file": (
        "plain",
        rewrite(".cookiecutter-answers.json", '{"cookiecutter": {'),
        2,
        [".cookiecutter-answers.json cannot be read", "restore it with `git checkout"],
    ),
    "answers-file-without-version": (
        "plain",
        rewrite(".cookiecutter-answers.json", '{"cookiecutter": {}}'),
        2,
        ["lacks template_version", "restore it"],
    ),
    "answers-file-missing": ("plain", no_answers_file, 2, ["answers are unknown", "link by hand with `cruft link`"]),
    "corrupt-cruft-file": ("cruft", rewrite(".cruft.json", "{"), 2, [".cruft.json cannot be read", "restore it"]),
    "version-not-in-template": ("plain", bogus_version, 2, ["version 9.9.9", "--link TEMPLATE_URL --from COMMIT"]),
    "recorded-commit-not-in-template": (
        "plain",
        rewrite(".cookiecutter-commit", "0" * 40 + "\n"),
        2,
        ["has no commit 0000", "recorded in .cookiecutter-commit", "this project's template"],
    ),
    "no-git": ("cruft", no_git, 2, ["git is not installed", "install git"]),
    "not-a-git-repository": ("cruft", no_repository, 2, ["not in a git repository", "git init"]),
    "unknown-option": ("cruft", arguments("--frobnicate"), 2, ["unrecognized arguments: --frobnicate", "--help"]),
    "from-without-link": ("cruft", arguments("--from", "abc"), 2, ["--from goes with --link"]),
    "already-linked": ("cruft", arguments("--link", "{repo}"), 2, ["already linked", "without --link"]),
    "not-linked": ("plain", arguments(), 2, ["no .cruft.json", "bin/upgrade --link TEMPLATE_URL"]),
}


@pytest.mark.parametrize("case", FAILURES)
def test_every_failure_is_one_line_naming_the_cause_and_the_fix(made, template_repo, user_home, tmp_path, case):
    kind, setup, code, words = FAILURES[case]
    project = tmp_path / "project"
    shutil.copytree(made[kind], project, symlinks=True)
    args, environment = setup(project, template_repo, tmp_path, user_home)
    before = tree(project)

    result = run([sys.executable, "bin/upgrade", *args], project, HOME=str(user_home), **environment)

    assert (result.returncode, result.stdout) == (code, ""), result.stdout + result.stderr
    assert result.stderr.startswith("bin/upgrade: ") and result.stderr.count("\n") == 1, result.stderr
    assert all(word in result.stderr for word in words), result.stderr
    assert tree(project) == before


# Across the move of 0.5.0: the media machinery left the site package for the mediakit app beside it.
OWN_ALIAS = ('"medium": {"size": (480, 480), "ALIAS": "medium"}', '"medium": {"size": (600, 600), "ALIAS": "medium"}')
OWN_URL = '    path("blog/", include("blog.urls")),\n'
MOVED_EDIT = ("import unicodedata\n", "import unicodedata  # the owner's edit\n")


@pytest.fixture(scope="module")
def release_0_4_0_repo(tmp_path_factory, user_home) -> tuple[Path, str]:
    """A template repository whose history is release 0.4.0 (from this checkout's history), then this tree."""
    found = git(TEMPLATE, user_home, "log", "--format=%H", "--grep", "^Release 0.4.0$", "HEAD").split()
    assert found, "the template's history lacks release 0.4.0 (a shallow clone: git fetch --unshallow)"
    repo = tmp_path_factory.mktemp("template-0.4.0") / "repo"
    repo.mkdir()
    git(repo, user_home, "init", "--quiet", "--initial-branch=main")
    archive = user_run(
        ["git", "-C", TEMPLATE, "archive", "--output", repo.parent / "0.4.0.tar", found[0]], repo, user_home
    )
    assert archive.returncode == 0, archive.stderr
    shutil.unpack_archive(repo.parent / "0.4.0.tar", repo)
    git(repo, user_home, "add", "--all")
    git(repo, user_home, "commit", "--quiet", "--message", "Release 0.4.0")
    old = git(repo, user_home, "rev-parse", "HEAD").strip()
    for path in repo.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(TEMPLATE, repo, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    git(repo, user_home, "add", "--all")
    git(repo, user_home, "commit", "--quiet", "--message", "This version")
    return repo, old


def test_upgrade_from_0_4_0_across_the_move_keeps_the_owners_changes(release_0_4_0_repo, user_home, tmp_path):
    repo, old = release_0_4_0_repo
    project = cruft_create(repo, tmp_path / "out", user_home, old)
    git(project, user_home, "init", "--quiet", "--initial-branch=main")
    commit(project, user_home, "Start from the template")
    add_own_app(project)
    (project / "blog" / "urls.py").write_text("urlpatterns = []\n")
    settings = project / SETTINGS
    assert OWN_ALIAS[0] in settings.read_text()
    settings.write_text(
        settings.read_text().replace(*OWN_ALIAS) + "\nBLOG_PAGE_SIZE = 20\nDATA_UPLOAD_MAX_NUMBER_FILES = 500\n"
    )
    urls = project / "my_site" / "urls.py"
    urls.write_text(
        urls.read_text().replace(
            '    path("admin/", admin.site.urls),\n', '    path("admin/", admin.site.urls),\n' + OWN_URL
        )
    )
    moved = project / "my_site" / "staging" / "names.py"  # a module that moves whole, to mediakit/staging/
    moved.write_text(moved.read_text().replace(*MOVED_EDIT))
    commit(project, user_home, "The owner's changes")

    result = upgrade(project, user_home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert not (project / "my_site" / "staging").exists() and not (project / "my_site" / "mediastorage").exists()
    assert MOVED_EDIT[1] in (project / "mediakit" / "staging" / "names.py").read_text()  # carried to its new place
    settings = settings.read_text()
    assert '"mediakit",' in settings and '"blog",' in settings and OWN_ALIAS[1] in settings
    assert "BLOG_PAGE_SIZE = 20" in settings and "from mediakit.storage.configuration import" in settings
    assert OWN_URL in urls.read_text()
    check = run([sys.executable, "manage.py", "check", "--fail-level", "WARNING"], project)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = ["tests/test_blog.py", "tests/site/test_architecture.py", "tests/storage/test_s3_roundtrip.py"]
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], project, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
