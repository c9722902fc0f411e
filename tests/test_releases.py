"""CHANGELOG.md, the version in cookiecutter.json and the git history agree.

bin/upgrade --link finds the template commit a project was made from by the version recorded in the
project, in the template's history, without tags (a fresh clone has none). So the rules:
- a release X.Y.Z is the one commit (on the main line) that sets `_template_version` to X.Y.Z, and the
  changelog has a `## X.Y.Z` section for it;
- past a release the version is `X.Y.Z-dev` (the next release, not yet made) and the changelog
  opens with `## Unreleased`;
- changelog sections go newest first.
"""

import json
import re
import subprocess

import pytest

from .conftest import TEMPLATE

RELEASE = re.compile(r"\d+\.\d+\.\d+")
DEV = re.compile(r"(\d+\.\d+\.\d+)-dev")


def number(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def release_problems(changelog: str, version: str, history: list[str | None]) -> list[str]:
    """What disagrees. version: cookiecutter.json's, as in the working tree; history: the version of
    each commit on the main line, HEAD first, then its first parent, and so on."""
    problems = []
    sections = re.findall(r"^## (.+?)\s*$", changelog, re.MULTILINE)
    released = [section for section in sections if section != "Unreleased"]
    if bad := [section for section in released if not RELEASE.fullmatch(section)]:
        problems.append(f"changelog sections that are not versions: {bad}")
        released = [section for section in released if RELEASE.fullmatch(section)]
    if "Unreleased" in sections[1:]:
        problems.append("the changelog's Unreleased section is not its first")
    if [number(v) for v in released] != sorted((number(v) for v in released), reverse=True) or len(
        set(released)
    ) != len(released):
        problems.append(f"changelog releases are not newest first, each once: {released}")

    # Commits that set each version: their version differs from their first parent's.
    setters: dict[str | None, int] = {}
    for at, found in enumerate(history):
        if found is not None and (at + 1 == len(history) or history[at + 1] != found):
            setters[found] = setters.get(found, 0) + 1
    committed = history[0] if history else None

    if dev := DEV.fullmatch(version):
        if sections[:1] != ["Unreleased"]:
            problems.append(f"version {version}: the changelog must open with ## Unreleased")
        if released and number(dev[1]) <= number(released[0]):
            problems.append(f"version {version} is not after the last release {released[0]}")
    elif RELEASE.fullmatch(version):
        if sections[:1] != [version]:
            problems.append(f"version {version}: the changelog must open with ## {version} (rename Unreleased)")
        if committed == version and len(history) > 1 and history[1] == version:
            problems.append(f"HEAD is past release {version}: set the version to the next X.Y.Z-dev")
    else:
        problems.append(f"version {version} is neither X.Y.Z nor X.Y.Z-dev")

    for release in released:
        preparing = release == version and committed != version  # the release commit is being made
        if setters.get(release, 0) != (0 if preparing else 1):
            problems.append(f"release {release}: {setters.get(release, 0)} commits set it, not exactly one")
    for found in setters:
        if found and RELEASE.fullmatch(found) and found not in released:
            problems.append(f"release {found} is set in the history but has no changelog section")
    return problems


def history_of_this_checkout() -> list[str | None]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=TEMPLATE, capture_output=True, text=True, check=True).stdout

    if subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=TEMPLATE, capture_output=True).returncode:
        pytest.skip("not a git checkout: the history cannot be checked (run the tests from a clone)")
    assert git("rev-parse", "--is-shallow-repository").strip() == "false", "a shallow clone: git fetch --unshallow"
    versions = []
    for commit in git("rev-list", "--first-parent", "HEAD").split():
        shown = subprocess.run(["git", "show", f"{commit}:cookiecutter.json"], cwd=TEMPLATE, capture_output=True)
        versions.append(json.loads(shown.stdout).get("_template_version") if shown.returncode == 0 else None)
    return versions


def test_the_changelog_the_version_and_the_history_agree():
    changelog = (TEMPLATE / "CHANGELOG.md").read_text()
    version = json.loads((TEMPLATE / "cookiecutter.json").read_text())["_template_version"]

    assert release_problems(changelog, version, history_of_this_checkout()) == []


GOOD_CHANGELOG = "# Changelog\n\n## Unreleased\n\n### Added\n- x\n\n## 1.1.0\n\n## 1.0.0\n"
GOOD_HISTORY = ["1.2.0-dev", "1.2.0-dev", "1.1.0", "1.1.0-dev", "1.0.0", None]


@pytest.mark.parametrize(
    ("changelog", "version", "history", "problem"),
    [
        (GOOD_CHANGELOG, "1.2.0-dev", GOOD_HISTORY, None),
        (GOOD_CHANGELOG.replace("## Unreleased", "## 1.2.0"), "1.2.0", GOOD_HISTORY, None),  # preparing
        (GOOD_CHANGELOG.replace("## Unreleased", "## 1.2.0"), "1.2.0", ["1.2.0", *GOOD_HISTORY], None),
        (GOOD_CHANGELOG, "1.1.0", ["1.1.0", *GOOD_HISTORY[2:]], "must open with ## 1.1.0"),
        ("## 1.1.0\n\n## 1.0.0\n", "1.1.0", ["1.1.0", *GOOD_HISTORY[2:]], "HEAD is past release 1.1.0"),
        ("## 1.1.0\n## 1.0.0\n", "1.2.0-dev", GOOD_HISTORY, "must open with ## Unreleased"),
        (GOOD_CHANGELOG, "1.1.0-dev", GOOD_HISTORY, "not after the last release 1.1.0"),
        (GOOD_CHANGELOG, "1.2", GOOD_HISTORY, "neither X.Y.Z nor X.Y.Z-dev"),
        (GOOD_CHANGELOG, "1.2.0-dev", ["1.2.0-dev", "1.1.0-dev", "1.0.0"], "release 1.1.0: 0 commits"),
        (GOOD_CHANGELOG, "1.2.0-dev", ["1.2.0-dev", "1.1.0", "x", "1.1.0", "1.0.0"], "release 1.1.0: 2 commits"),
        (GOOD_CHANGELOG, "1.2.0-dev", ["1.2.0-dev", "0.9.0", *GOOD_HISTORY[2:]], "0.9.0 is set in the history"),
        ("## Unreleased\n\n## 1.0.0\n\n## 1.1.0\n", "1.2.0-dev", GOOD_HISTORY, "not newest first"),
        ("## 1.1.0\n\n## Unreleased\n\n## 1.0.0\n", "1.2.0-dev", GOOD_HISTORY, "Unreleased section is not its first"),
    ],
)
def test_disagreements_are_found(changelog, version, history, problem):
    problems = release_problems(changelog, version, history)

    if problem is None:
        assert problems == []
    else:
        assert any(problem in found for found in problems), problems
