"""Generation is a pure function of the answers: same answers, same bytes, whoever renders them.

cruft relies on it: every update renders the project's old and new template versions again, in
temporary directories, and merges their difference into the project.
"""

import json
import sys

import pytest

from .conftest import CHOICES, TEMPLATE, git, tree, user_run

ANSWERS = {
    "project_name": "Café Zürich Media",
    "region": "ch-gva-2",
    "use_filer": False,
    "private_media": True,
}


def modes(root):
    return {path: (root / path).stat().st_mode for path in tree(root)}


@pytest.mark.parametrize("answers", [{}, ANSWERS], ids=["defaults", "every-answer-changed"])
def test_baking_twice_gives_identical_trees(cookies, answers):
    first, second = (cookies.bake(extra_context=answers) for _ in range(2))
    assert first.exit_code == second.exit_code == 0
    assert first.project_path.parent != second.project_path.parent
    assert tree(first.project_path) == tree(second.project_path)
    assert modes(first.project_path) == modes(second.project_path)


def test_the_answers_file_holds_only_the_answers_and_replays(cookies, tmp_path, user_home):
    baked = cookies.bake(extra_context=ANSWERS).project_path
    answers_file = baked / ".cookiecutter-answers.json"
    questions = [key for key in CHOICES if not key.startswith("_")]
    recorded = json.loads(answers_file.read_text())
    assert recorded.keys() == {"cookiecutter", "template_version"}
    assert recorded["template_version"] == CHOICES["_template_version"]
    assert sorted(recorded["cookiecutter"]) == sorted(questions)  # no private variables, no paths
    assert {key: recorded["cookiecutter"][key] for key in ANSWERS} == ANSWERS
    assert recorded["cookiecutter"]["project_slug"] == "cafe_zurich_media"

    # Any prompt would fail: pytest gives subprocesses an empty stdin.
    args = [sys.executable, "-m", "cookiecutter", "--replay-file", answers_file, "-o", tmp_path, TEMPLATE]
    replayed = user_run(args, tmp_path, user_home)
    assert replayed.returncode == 0, replayed.stderr
    assert tree(tmp_path / baked.name) == tree(baked)


def test_cruft_and_plain_cookiecutter_render_the_same_tree(template_repo, user_home, tmp_path):
    """So a project made with plain cookiecutter, once linked, looks to cruft like one it made. Each
    records the template commit its own way: cruft in .cruft.json, the template's hook (for plain
    cookiecutter from a clean checkout) in .cookiecutter-commit."""
    extra = json.dumps(ANSWERS)
    create = [sys.executable, "-m", "cruft", "create", "--no-input", "--output-dir", tmp_path / "cruft"]
    made_by_cruft = user_run([*create, "--extra-context", extra, template_repo], tmp_path, user_home)
    assert made_by_cruft.returncode == 0, made_by_cruft.stderr
    plain = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", tmp_path / "plain", template_repo]
    made_by_cookiecutter = user_run(
        [*plain, *(f"{key}={value}" for key, value in ANSWERS.items())], tmp_path, user_home
    )
    assert made_by_cookiecutter.returncode == 0, made_by_cookiecutter.stderr

    by_cruft, by_cookiecutter = (
        tree(tmp_path / "cruft" / "cafe_zurich_media"),
        tree(tmp_path / "plain" / "cafe_zurich_media"),
    )
    head = git(template_repo, user_home, "rev-parse", "HEAD")
    assert json.loads(by_cruft.pop(".cruft.json"))["commit"] + "\n" == head
    assert by_cookiecutter.pop(".cookiecutter-commit").decode() == head
    assert by_cruft == by_cookiecutter
