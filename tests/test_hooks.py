"""The pre-generation hook refuses bad package names with one clear line, and leaves nothing on disk."""

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from .conftest import TEMPLATE


@pytest.mark.parametrize(
    ("slug", "reason", "suggestion"),
    [
        ("my-site", "must be lowercase letters, digits and underscores", "my_site"),
        ("MySite", "must be lowercase letters, digits and underscores", "mysite"),
        ("2fast", "not starting with a digit", "site_2fast"),
        ("class", "is a Python keyword", "class_project"),
        ("django", "would shadow a module the project imports", "django_project"),
        ("test", "would shadow a module the project imports", "test_project"),
        ("site", "would shadow a module the project imports", "site_project"),
        ("email", "would shadow a module the project imports", "email_project"),
        ("storages", "would shadow a module the project imports", "storages_project"),
    ],
)
def test_bad_slug_is_refused_with_a_suggestion(tmp_path, capfd, slug, reason, suggestion):
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path), extra_context={"project_slug": slug})
    error_lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR")]
    assert len(error_lines) == 1
    assert reason in error_lines[0]
    assert f"try {suggestion!r} instead" in error_lines[0]
    assert list(tmp_path.iterdir()) == []


def test_slug_is_derived_from_the_name(cookies):
    result = cookies.bake(extra_context={"project_name": "Café Zürich Media"})
    assert result.exit_code == 0
    assert result.project_path.name == "cafe_zurich_media"
