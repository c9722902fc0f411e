"""Remove the files of the options not chosen: cookiecutter renders every file of the template.
Then, for a project made with plain cookiecutter, record the template commit it was rendered from.

Idempotent (a file already gone is fine), offline, and writes only the commit file. The answers
arrive as JSON text, never pasted into this script as code.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

ANSWERS = json.loads(
    r"""{{ {
        "use_filer": cookiecutter.use_filer,
        "private_media": cookiecutter.private_media,
        "_repo_dir": cookiecutter.get("_repo_dir", ""),
    } | tojson }}"""
)
# The pre-generation hook refuses anything but a boolean.
USE_FILER = ANSWERS["use_filer"] is True
PRIVATE_MEDIA = ANSWERS["private_media"] is True
# Plain cookiecutter sets _repo_dir (its clone of a URL, or the local template folder); cruft does
# not, and records the commit in .cruft.json itself.
REPO_DIR = ANSWERS["_repo_dir"]
COMMIT_FILE = Path(".cookiecutter-commit")  # read, then removed, by bin/upgrade --link

FILER_ONLY = [
    "mediakit/storage/configuration/filer.py",
    "mediakit/thumbnails/filer.py",
    "mediakit/uploads/filer_files.py",
    "tests/thumbnails/test_filer.py",
    "tests/thumbnails/test_thumbnail_lookups.py",
    "tests/uploads/test_filer.py",
    "tests/uploads/test_filer_browser.py",
]
PRIVATE_MEDIA_ONLY = ["mediakit/thumbnails/private.py", "tests/thumbnails/test_private_images.py"]


def template_folder(repo_dir: str) -> Path | None:
    """The template folder as an absolute path. A local template given as a relative path is relative
    to where cookiecutter started, which this hook (run inside the new project) knows only from the
    shell's PWD; without it, None."""
    if Path(repo_dir).is_absolute():
        return Path(repo_dir)
    return Path(os.environ["PWD"], repo_dir) if os.environ.get("PWD") else None


def template_commit(repo_dir: Path) -> str | None:
    """The commit that was rendered, when the template folder is a git checkout of its own with no
    uncommitted change (its contents are then that commit's); None for a zip, a plain folder, a
    folder inside another repository, a dirty checkout, or no git."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=repo_dir, capture_output=True, text=True)
        except OSError:
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != repo_dir.resolve() or git("status", "--porcelain") != "":
        return None
    return git("rev-parse", "--verify", "HEAD")


unchosen = ([] if USE_FILER else FILER_ONLY) + ([] if PRIVATE_MEDIA else PRIVATE_MEDIA_ONLY)
for relative in unchosen:
    path = Path(relative)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)

if REPO_DIR and (folder := template_folder(REPO_DIR)) and folder.is_dir() and (commit := template_commit(folder)):
    COMMIT_FILE.write_text(commit + "\n")
