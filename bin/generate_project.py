"""bin/generate's Python half: `cruft create` with the answers checked before anything is written.

Plain cruft and cookiecutter print a refused answer with a page of traceback, write a folder
named after a bad slug before the hook can refuse it, and crash on a template tag in an answer.
Here the pre-generation hook's own check runs on the answers first, and every refusal is one
line: `ERROR: what is wrong; try what instead.` Arguments are cruft create's.
"""

import importlib
import importlib.util
import json
import os
import shlex
import sys
from pathlib import Path

import click
import typer
import typer.exceptions
from cookiecutter.exceptions import FailedHookException, OutputDirExistsException, UndefinedVariableInTemplate
from cruft._cli import app
from jinja2 import TemplateError

ROOT = Path(__file__).resolve().parent.parent


def load_hook():
    """The pre-generation hook as a module: its refusal() is the one check of the answers."""
    spec = importlib.util.spec_from_file_location("pre_gen_project", ROOT / "hooks" / "pre_gen_project.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = load_hook()


def fail(message: str) -> None:
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def normalised(args: list[str]) -> list[str]:
    """--extra-context (or the file of --extra-context-file, -E) with booleans as booleans (JSON 1/0 too),
    and no template tags in answers."""
    args = list(args)
    for index, arg in enumerate(args):
        if arg in ("--extra-context", "--extra-context-file", "-E") and index + 1 < len(args):
            option, position, text = arg, index + 1, args[index + 1]
        elif arg.startswith(("--extra-context=", "--extra-context-file=")):
            option, _, text = arg.partition("=")
            position = index
        else:
            continue
        if option != "--extra-context":
            text = context_file_text(text)
        try:
            context = json.loads(text)
        except json.JSONDecodeError as error:
            fail(f'{option} is not JSON ({error.msg}); try \'{{"project_name": "My Site"}}\'')
        if not isinstance(context, dict):
            fail(f'{option} must be a JSON object; try \'{{"project_name": "My Site"}}\'')
        for name in HOOK.BOOLEAN_ANSWERS:
            if type(context.get(name)) in (int, float) and context[name] in (0, 1):
                context[name] = bool(context[name])
        for name, value in context.items():
            if isinstance(value, str) and HOOK.UNSAFE_TEXT.search(value) and name != "project_slug":
                limit = HOOK.TEXT_ANSWERS.get(name, 100)
                fail(
                    f"{name} contains a double quote, a backslash, a line break or a template tag; "
                    f"try {HOOK.text_suggestion(value, limit)!r} instead."
                )
        text = json.dumps(context)
        if option == "--extra-context":
            args[position] = text if position == index + 1 else f"--extra-context={text}"
        else:  # the checked answers, given as they are read
            args[index : index + (2 if position == index + 1 else 1)] = [f"--extra-context={text}"]
    return args


def context_file_text(path: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read the answers file {path} ({getattr(error, 'strerror', None) or error}); check the path.")


WRITTEN: list[Path] = []  # the project folder, once cookiecutter has written it


def checked(generate_files):
    """cookiecutter's generate_files, refusing bad answers before it writes anything."""

    def generate_checked_files(*args, context, **kwargs):
        reason = HOOK.refusal(dict(context["cookiecutter"]))
        if reason:
            fail(reason)
        written = generate_files(*args, context=context, **kwargs)
        WRITTEN.append(Path(written))
        return written

    return generate_checked_files


def choices() -> dict[str, list]:
    """The template's questions with a fixed set of answers: choice lists and booleans."""
    questions = json.loads((ROOT / "cookiecutter.json").read_text())
    return {
        name: value if isinstance(value, list) else [True, False]
        for name, value in questions.items()
        if not name.startswith("_") and isinstance(value, list | bool)
    }


def answer_problem(answers: dict) -> str | None:
    """The one line refusing an answer outside its question's choices, or None."""
    for name, allowed in choices().items():
        if name not in answers:
            continue
        value = answers[name]
        if isinstance(allowed[0], bool):
            if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS):
                continue
            return f"{name} must be true or false, not {str(value)[:20]!r}; try true or false."
        if not isinstance(value, str) or value not in allowed:  # a list would be read as a multiple choice
            return f"{name} {str(value)[:40]!r} is not offered; try one of {', '.join(map(str, allowed))}."
    return None


# What cookiecutter turns into a boolean (its YesNoPrompt), besides JSON's true and false.
BOOLEAN_WORDS = {"1", "true", "t", "yes", "y", "on", "0", "false", "f", "no", "n", "off"}


def checked_context(generate_context):
    """cookiecutter's generate_context, whose refusal of an answer (a ValueError) becomes one line.

    Answers reach it from --extra-context, --extra-context-file and the user's config file alike.
    """

    def generate_checked_context(*args, **kwargs):
        for answers in (kwargs.get("default_context"), kwargs.get("extra_context")):
            problem = answer_problem(answers or {})
            if problem:
                fail(problem)
        try:
            return generate_context(*args, **kwargs)
        except (ValueError, TypeError) as error:  # anything this file's check does not foresee
            fail(str(error).splitlines()[0] + "; see cookiecutter.json for the answers each question takes.")

    return generate_checked_context


def main(args: list[str]) -> None:
    create = importlib.import_module("cruft._commands.create")  # the module; the package exports a function
    create.generate_files = checked(create.generate_files)
    context_module = importlib.import_module("cruft._commands.utils.cookiecutter")
    context_module.generate_context = checked_context(context_module.generate_context)
    command = typer.main.get_command(app)
    try:
        command.main(["create", str(ROOT), *normalised(args)], prog_name="bin/generate", standalone_mode=False)
    except click.exceptions.Abort:
        fail("aborted; nothing was written.")
    except (click.ClickException, typer.exceptions.TyperException) as error:  # typer has a click of its own
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        fail(f"{message.splitlines()[0] if message else type(error).__name__}; see bin/generate --help.")
    except FailedHookException:
        sys.exit(1)  # the hook printed its one line; cookiecutter removed the output
    except OutputDirExistsException as error:
        fail(f"{error}; choose another project_slug or --output-dir.")
    except (TemplateError, UndefinedVariableInTemplate):
        fail("an answer contains a template tag ({ followed by {, % or #); remove it.")
    except Exception as error:  # the last word of a command line tool: one line, not a traceback
        first_line = str(error).splitlines()[0] if str(error) else ""
        fail(f"cannot generate the project: {type(error).__name__}: {first_line}")
    if WRITTEN:  # not after --help and the like
        print(next_steps(WRITTEN[0]))


def next_steps(project: Path) -> str:
    """Where the project was written and the first commands to run there (its README has the rest)."""
    shown = os.path.relpath(project) if not os.path.relpath(project).startswith("..") else str(project)
    return (
        f"Wrote the project to {shown}. Next:\n"
        f"  cd {shlex.quote(shown)}\n"
        "  python3 -m venv .venv && . .venv/bin/activate\n"
        "  pip install -r requirements-dev.txt\n"
        "  python manage.py migrate && python manage.py createsuperuser\n"
        "  python manage.py runserver      # then http://127.0.0.1:8000/admin/; README.md has the rest"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
