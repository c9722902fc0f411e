"""Shared helpers for the template's tests: bake the template, run things in the baked project."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# In CI, hypothesis draws the same examples on every run: a red CI then means a change, not a new draw.
# Locally the draws vary, so that new cases keep being tried.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TEMPLATE = Path(__file__).resolve().parent.parent
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())


# Passed on to baked projects' processes; nothing else (no storage variables) leaks in from the caller.
PASSED_ON = ("PATH", "HOME", "CI", "CHROMIUM")
ARTIFACTS = TEMPLATE / "test-artifacts"


def run(args: list[str], cwd: Path, timeout: float = 600, **environ: str) -> subprocess.CompletedProcess:
    """Run a command in a clean environment."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ} | environ
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def manage(project: Path, *args: str, **environ: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], project, **environ)


@pytest.fixture(scope="session")
def bake(cookies_session):
    """Bake the template with some answers (once per set of answers) and return the project path."""
    baked = {}

    def bake(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in baked:
            result = cookies_session.bake(extra_context=answers)
            assert result.exit_code == 0, result.exception
            baked[key] = Path(result.project_path)
        return baked[key]

    return bake


# Upgrades: the template as a real git repository with two versions, and real git and cruft.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts"
)


def user_run(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    """Run a command as a user would, but with a fresh HOME: no ~/.gitconfig, no ~/.cookiecutterrc."""
    return run([str(arg) for arg in args], cwd, HOME=str(home), **GIT_IDENTITY)


def git(cwd: Path, home: Path, *args: str) -> str:
    result = user_run(["git", *args], cwd, home)
    assert result.returncode == 0, result.stderr
    return result.stdout


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (but .git and caches), by relative path: two trees compare with ==."""
    files = (path for path in root.rglob("*") if path.is_file())
    kept = (path for path in files if not {".git", "__pycache__"} & set(path.relative_to(root).parts))
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(kept)}


@pytest.fixture(scope="session")
def user_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory, user_home) -> Path:
    """This checkout as a git repository with no tags (a fresh clone has none), and this history:

    Release 1.0.0                   sets _template_version to 1.0.0
    Start 2.0.0-dev                 sets it to 2.0.0-dev
    Add docs/deploy.md              (2.0.0-dev)
    Append a setting                (2.0.0-dev) at the end of settings.py
    Release 2.0.0                   sets it to 2.0.0: the newest
    """
    repo = tmp_path_factory.mktemp("template") / "repo"
    shutil.copytree(TEMPLATE, repo, ignore=NOT_TEMPLATE)
    git(repo, user_home, "init", "--quiet", "--initial-branch=main")

    def commit(message: str, version: str | None = None) -> None:
        if version:
            context = json.loads((repo / "cookiecutter.json").read_text())
            context["_template_version"] = version
            (repo / "cookiecutter.json").write_text(json.dumps(context, indent=2, ensure_ascii=False) + "\n")
        git(repo, user_home, "add", "--all")
        git(repo, user_home, "commit", "--quiet", "--message", message)

    commit("Release 1.0.0", "1.0.0")
    commit("Start 2.0.0-dev", "2.0.0-dev")
    project = repo / "{{cookiecutter.project_slug}}"
    (project / "docs").mkdir()
    (project / "docs" / "deploy.md").write_text("# Deploying {{ cookiecutter.project_name }}\n")
    commit("Add docs/deploy.md")
    with (project / "{{cookiecutter.project_slug}}" / "settings.py").open("a") as settings:
        settings.write("\n# Added in template 2.0.0.\nDATA_UPLOAD_MAX_NUMBER_FILES = 500\n")
    commit("Append a setting")
    commit("Release 2.0.0", "2.0.0")
    return repo


@pytest.fixture(scope="session")
def template_commits(template_repo, user_home) -> dict[str, str]:
    """The template_repo's commits by subject, e.g. template_commits["Release 1.0.0"]."""
    log = git(template_repo, user_home, "log", "--format=%H %s")
    return {subject: commit for commit, subject in (line.split(" ", 1) for line in log.splitlines())}
