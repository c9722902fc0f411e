"""The answers' check: a bad answer is refused in one line with a suggestion and leaves nothing on
disk; every accepted set of answers makes a project that works.

Hypothesis explores the check itself (fast); a handful of real bakes cover adversarial answers.
"""

import ast
import importlib.util
import json
import keyword
import sys
import tomllib

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import TEMPLATE, manage, user_run
from .linting import ruff_problems
from .requirement_modules import modules

spec = importlib.util.spec_from_file_location("pre_gen_project", TEMPLATE / "hooks" / "pre_gen_project.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)

PROPERTIES = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
DEFAULTS = {
    "project_name": "My Site",
    "project_slug": "my_site",
    "description": "A site.",
    "author_name": "Ann",
    "author_email": "ann@example.com",
    "use_filer": True,
    "private_media": False,
}


@pytest.mark.parametrize(
    ("slug", "reason", "suggestion"),
    [
        ("my-site", "must be lowercase letters, digits and underscores", "my_site"),
        ("MySite", "must be lowercase letters, digits and underscores", "mysite"),
        ("2fast", "not starting with a digit", "site_2fast"),
        ("class", "is a Python keyword", "class_project"),
        ("django", "would shadow a module the project imports", "django_project"),
        ("site", "would shadow a module the project imports", "site_project"),
        ("email", "would shadow a module the project imports", "email_project"),
        ("storages", "would shadow a module the project imports", "storages_project"),
        # Modules of the requirements' own dependencies, and of the test requirements.
        ("asgiref", "would shadow a module the project imports", "asgiref_project"),
        ("requests", "would shadow a module the project imports", "requests_project"),
        ("werkzeug", "would shadow a module the project imports", "werkzeug_project"),
        ("pytest_django", "would shadow a module the project imports", "pytest_django_project"),
        # Names the project itself uses.
        ("media", "is a name the project already uses", "media_project"),
        ("staticfiles", "is a name the project already uses", "staticfiles_project"),
        ("mediakit", "is a name the project already uses", "mediakit_project"),
        ("templates", "is a name the project already uses", "templates_project"),
        ("bin", "is a name the project already uses", "bin_project"),
        ("test", "is a name the project already uses", "test_project"),
        ("a" * 41, "is longer than 40 characters", "a" * 40),
        # Names that break the interpreter or the tools run in the project's root.
        ("__main__", "starts with two underscores", "main"),
        ("__init__", "starts with two underscores", "init"),
        ("pip", "would shadow a tool run in the project's root", "pip_project"),
        ("setuptools", "would shadow a tool run in the project's root", "setuptools_project"),
        ("sitecustomize", "would shadow a tool run in the project's root", "sitecustomize_project"),
        ("a'+__import__('os').system('true')+'", "must be lowercase letters", "a_import_os_system_true"),
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


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": 'Tom\'s "Site"'}, "project_name contains a double quote"),
        ({"description": 'A """docstring""" breaker'}, "description contains a double quote"),
        ({"author_name": "Back\\slash"}, "author_name contains"),
        ({"project_name": "Two\nlines", "project_slug": "two_lines"}, "project_name contains"),
        ({"project_name": "x" * 300}, "project_name is longer than 100 characters"),
        ({"use_filer": 1}, "use_filer must be true or false, not '1'"),
        ({"private_media": 0}, "private_media must be true or false, not '0'"),
    ],
)
def test_bad_answers_are_refused_with_one_line(tmp_path, capfd, answers, message):
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path), extra_context=answers)
    error_lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR")]
    assert len(error_lines) == 1 and message in error_lines[0] and "try " in error_lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_hooks_module_list_is_derived_from_the_generated_requirements(bake):
    """When a pin changes, this says so: print the new list with `python -m tests.requirement_modules`."""
    project = bake(use_filer=True)
    derived = modules(project)
    assert {"asgiref", "requests", "werkzeug", "pytest_django", "django", "filer", "hypothesis"} <= set(derived)
    missing = sorted(set(derived) - set(hook.REQUIREMENT_MODULES))
    assert not missing, f"add {missing} to REQUIREMENT_MODULES in hooks/pre_gen_project.py"


def text_answers(name: str):
    limit = hook.TEXT_ANSWERS[name]
    return st.text(max_size=limit + 20) | st.text("ab \"\\\n{}%#'", max_size=12)


@PROPERTIES
@given(
    name=text_answers("project_name"),
    description=text_answers("description"),
    author=text_answers("author_name"),
    slug=st.text(max_size=50) | st.from_regex(r"[a-z_][a-z0-9_]{0,45}", fullmatch=True),
    use_filer=st.sampled_from([True, False, 1, 0, "1", "0", "yes", None, 1.0]),
)
def test_answers_are_refused_in_one_line_or_safe_to_render(name, description, author, slug, use_filer):
    answers = {**DEFAULTS, "project_name": name, "description": description, "author_name": author}
    answers |= {"project_slug": slug, "use_filer": use_filer}
    reason = hook.refusal(answers)
    if reason is not None:
        assert "\n" not in reason and "try " in reason
        return
    assert isinstance(use_filer, bool)
    for text in (name, description, author):
        # What the templates make of them: a Python string, a docstring, a TOML string, no template tags.
        assert ast.literal_eval(f'"{text}"') == text
        ast.parse(f'"""Django settings for {text}.\n"""')
        assert tomllib.loads(f'description = "{text}"')["description"] == text
        assert not any(tag in text for tag in ("{" + "{", "{" + "%", "{" + "#"))
    assert slug.isidentifier() and not keyword.iskeyword(slug) and len(slug) <= 40
    assert slug not in sys.stdlib_module_names and slug not in hook.REQUIREMENT_MODULES
    assert not slug.startswith("__") and slug not in hook.INSTALLER_MODULES


@PROPERTIES
@given(st.text(max_size=60))
def test_every_suggestion_is_itself_accepted(slug):
    reason = hook.refusal({**DEFAULTS, "project_slug": slug})
    if reason:
        suggested = reason.rsplit("try ", 1)[1].removesuffix(" instead.")
        assert hook.refusal({**DEFAULTS, "project_slug": ast.literal_eval(suggested)}) is None


@pytest.mark.parametrize(
    "answers",
    [
        # Everything a Python or TOML string may hold but the refused characters, and the longest slug.
        {
            "project_name": "Tom's Café & <Co> 100% {not a tag} #1",
            "project_slug": "abcdefghij_abcdefghij_abcdefghij_abcdefg",
            "description": "It's 'quoted', €5, <b>bold</b>, a # and a }",
            "author_name": "Zoë O'Brien-Łukasz",
            "author_email": "zoe+site@example.com",
            "region": "other",
            "use_filer": False,
            "private_media": True,
        },
    ],
)
def test_adversarial_accepted_answers_bake_a_working_project(bake, answers):
    project = bake(**answers)
    assert project.name == answers["project_slug"]
    assert not ruff_problems(project)
    check = manage(project, "check", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stderr
    code = f"import {answers['project_slug']}.urls; from django.contrib import admin; print(admin.site.site_header)"
    assert manage(project, "shell", "--no-imports", "-c", code).stdout.strip() == answers["project_name"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == answers["description"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "a/../b"}, "project_slug 'a/../b' must be lowercase letters"),
        ({"project_slug": ""}, "project_slug '' is empty; try 'my_site' instead."),
        ({"project_slug": "b" * 300}, "is longer than 40 characters"),
        ({"project_name": "x {{ y"}, "project_name contains"),
        ({"project_name": "x" * 300}, "project_name is longer than 100 characters"),
        ({"project_slug": "asgiref"}, "would shadow a module the project imports; try 'asgiref_project' instead."),
        ({"region": "mars-1"}, "region 'mars-1' is not offered; try one of eu-central-1,"),
        ({"region": ["us-east-1"]}, "region \"['us-east-1']\" is not offered"),
        ({"use_filer": "maybe"}, "use_filer must be true or false, not 'maybe'"),
        ({"private_media": None}, "private_media must be true or false"),
    ],
)
def test_bin_generate_refuses_in_one_line_before_writing_anything(
    template_repo, user_home, tmp_path, answers, message
):
    output = tmp_path / "out"
    output.mkdir()
    arguments = ["--no-input", "--output-dir", output, "--extra-context", json.dumps(answers)]
    result = user_run([sys.executable, template_repo / "bin" / "generate_project.py", *arguments], tmp_path, user_home)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("ERROR: "), result.stderr
    assert message in result.stderr
    assert list(output.iterdir()) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--extra-context-file", "missing.json"], "cannot read the answers file missing.json"),
        (["-E", "list.json"], "-E must be a JSON object"),
        (["--extra-context-file", "text.json"], "--extra-context-file is not JSON"),
        (["--extra-context-file", "region.json"], "region 'mars-1' is not offered"),
        (["--no-such-option"], "No such option: --no-such-option"),
    ],
)
def test_bin_generate_refuses_bad_arguments_in_one_line(template_repo, user_home, tmp_path, arguments, message):
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "text.json").write_text("region: mars")
    (tmp_path / "region.json").write_text('{"region": "mars-1"}')
    output = tmp_path / "out"
    output.mkdir()
    command = [sys.executable, template_repo / "bin" / "generate_project.py", "--no-input", "--output-dir", output]
    result = user_run([*command, *arguments], tmp_path, user_home)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("ERROR: "), result.stderr
    assert message in result.stderr
    assert list(output.iterdir()) == []


generate_spec = importlib.util.spec_from_file_location("generate_project", TEMPLATE / "bin" / "generate_project.py")
generate_project = importlib.util.module_from_spec(generate_spec)
generate_spec.loader.exec_module(generate_project)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)


@settings(PROPERTIES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    answers=st.dictionaries(
        st.sampled_from(["region", "use_filer", "private_media"]),
        JSON_VALUES | st.sampled_from(["eu-central-1", "other", "ch-dk-2", "yes", "off", "TRUE"]),
    )
)
def test_bin_generate_reads_every_choice_answer_or_refuses_it_in_one_line(capsys, answers):
    """cookiecutter's own check of choice and boolean answers, seen through bin/generate's wrapper."""
    from cookiecutter.generate import generate_context

    generate = generate_project.checked_context(generate_context)
    try:
        context = generate(context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=answers)["cookiecutter"]
    except SystemExit:
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("ERROR: ") and "try " in error, error
        return
    for name in ("use_filer", "private_media"):
        assert isinstance(context[name], bool)
    assert context["region"][0] in json.loads((TEMPLATE / "cookiecutter.json").read_text())["region"]


def test_bin_generate_takes_json_numbers_as_booleans(template_repo, user_home, tmp_path):
    answers = {"project_slug": "counted", "use_filer": 0, "private_media": 1}
    arguments = ["--no-input", "--output-dir", tmp_path, "--extra-context", json.dumps(answers)]
    result = user_run([sys.executable, template_repo / "bin" / "generate_project.py", *arguments], tmp_path, user_home)
    assert result.returncode == 0, result.stderr
    recorded = json.loads((tmp_path / "counted" / ".cookiecutter-answers.json").read_text())["cookiecutter"]
    assert (recorded["use_filer"], recorded["private_media"]) == (False, True)
    assert not (tmp_path / "counted" / "mediakit" / "storage" / "configuration" / "filer.py").exists()
    # It ends by saying where it wrote the project, and the first commands to run there.
    assert result.stdout.splitlines()[:2] == ["Wrote the project to counted. Next:", "  cd counted"]
    assert "python manage.py runserver" in result.stdout


def test_slug_is_derived_from_the_name(cookies):
    result = cookies.bake(extra_context={"project_name": "Café Zürich Media"})
    assert result.exit_code == 0
    assert result.project_path.name == "cafe_zurich_media"


def test_a_long_name_gives_a_slug_that_fits(cookies):
    result = cookies.bake(extra_context={"project_name": "A name that goes on and on " * 3})
    assert result.exit_code == 0
    assert result.project_path.name == "a_name_that_goes_on_and_on_a_name_that_g"
