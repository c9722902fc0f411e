"""Refuse answers that would not make a working project, before anything is written.

Prints one line saying what is wrong and what to type instead, and exits 1; cookiecutter then
removes the output. The answers arrive as JSON text (rendered with tojson into a raw string), so
no answer is ever pasted into this script as code. Importable: tests call refusal() directly.
"""

import json
import keyword
import re
import sys

# Top-level modules of everything the generated requirements install (their dependencies
# included): a package of the same name would shadow it. Kept in step with the requirements
# files by tests/test_hooks.py (derived there with tests/requirement_modules.py).
REQUIREMENT_MODULES = """
PIL _cffi_backend _hypothesis_ftz_detector _hypothesis_globals _hypothesis_pytestplugin _pytest _yaml amqp
annotated_doc annotated_types antlr4 arrow asgiref attr attrs aws_xray_sdk billiard binaryornot blinker boto3 botocore
celery certifi cffi cfnlint charset_normalizer click click_didyoumean click_plugins click_repl cookiecutter cruft
cryptography dateutil django docker dotenv easy_thumbnails environ filer flask flask_cors git gitdb graphql greenlet
grimp gunicorn hypothesis idna importlinter iniconfig isympy itsdangerous jinja2 jmespath joserfc jsonpatch
jsonpatch_cli jsonpath_ng jsonpointer jsonschema jsonschema_path jsonschema_specifications kombu lazy_object_proxy
markdown_it markupsafe mdurl moto mpmath networkx openapi_schema_validator openapi_spec_validator packaging pathable
playwright pluggy polymorphic prompt_toolkit psycopg psycopg_binary py py_partiql_parser py_svg_hush pyasn1 pycparser
pydantic pydantic_core pydantic_settings pygments pyparsing pytest pytest_django referencing regex requests responses
rfc3339_validator rich rpds rsa ruff s3transfer shellingham six slugify smmap sortedcontainers sqlparse storages sympy
text_unidecode typer typing_extensions typing_inspection tzdata tzlocal urllib3 vine wcwidth werkzeug whitenoise wrapt
xmltodict yaml
""".split()  # noqa: SIM905 -- a word list, printed by tests/requirement_modules.py

# Names the project itself uses: folders beside the package (media/ is where local uploads land,
# git-ignored; mediakit/ is the template's media app), its other top-level modules, and the app labels
# of its installed apps.
PROJECT_NAMES = {
    "bin", "conftest", "manage", "media", "mediakit", "static", "staticfiles", "templates", "test", "tests",
    "admin", "auth", "contenttypes", "gallery", "messages", "sessions", "whitenoise_runserver_nostatic",
}  # fmt: skip

# What pip and the interpreter load by name, from the project's root too: `python -m pip` (a generated
# test runs it), `python -m pytest`; sitecustomize/usercustomize are imported at every start-up.
INSTALLER_MODULES = {
    "pip", "setuptools", "pkg_resources", "_distutils_hack", "wheel", "distutils", "ensurepip", "venv",
    "sitecustomize", "usercustomize",
}  # fmt: skip

MAX_SLUG = 40
TEXT_ANSWERS = {"project_name": 100, "description": 300, "author_name": 100, "author_email": 254}
BOOLEAN_ANSWERS = ("use_filer", "private_media")
# What the generated files cannot hold as they are: Python and TOML strings, Jinja syntax. (Written
# so that this file, itself rendered by Jinja, holds no Jinja delimiter.)
UNSAFE_TEXT = re.compile(r'["\\\x00-\x1f\x7f]|\{[#%{]|[}#%]\}')


def slug_problem(slug: str) -> str | None:
    if not slug:
        return "is empty"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", slug):
        return "must be lowercase letters, digits and underscores, not starting with a digit"
    if len(slug) > MAX_SLUG:
        return f"is longer than {MAX_SLUG} characters"
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return "is a Python keyword"
    if slug.startswith("__"):
        # __main__ breaks manage.py, __init__ and the like are the interpreter's own names.
        return "starts with two underscores, which the interpreter reserves (__main__, __init__, ...)"
    if slug in sys.stdlib_module_names or slug in REQUIREMENT_MODULES:
        return "would shadow a module the project imports"
    if slug in INSTALLER_MODULES:
        return "would shadow a tool run in the project's root (python -m pip, pytest, ...)"
    if slug in PROJECT_NAMES:
        return "is a name the project already uses (a folder, module or app label)"
    return None


def slug_suggestion(slug: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", str(slug).lower()).strip("_")[:MAX_SLUG].strip("_") or "my_site"
    if name[0].isdigit():
        name = "site_" + name
    return name if slug_problem(name) is None else name[: MAX_SLUG - len("_project")] + "_project"


def text_suggestion(text: str, limit: int) -> str:
    cleaned = UNSAFE_TEXT.sub(" ", text)
    return " ".join(cleaned.replace("{", " ").replace("}", " ").split())[:limit].strip()


def refusal(answers: dict) -> str | None:
    """The one line that refuses these answers, or None when they make a working project."""
    for name in BOOLEAN_ANSWERS:
        if name in answers and not isinstance(answers[name], bool):
            return f"{name} must be true or false, not {str(answers[name])[:20]!r}; try true or false."
    for name, limit in TEXT_ANSWERS.items():
        text = answers.get(name, "")
        if not isinstance(text, str):
            return f"{name} must be text; try {str(text)[:limit]!r}."
        if UNSAFE_TEXT.search(text) or len(text) > limit:
            problem = (
                f"is longer than {limit} characters"
                if len(text) > limit
                else "contains a double quote, a backslash, a line break or a template tag"
            )
            return f"{name} {problem}; try {text_suggestion(text, limit)!r} instead."
    slug = answers.get("project_slug", "")
    if not isinstance(slug, str) or slug_problem(slug):
        reason = slug_problem(slug) if isinstance(slug, str) else "must be text"
        return f"project_slug {str(slug)[:60]!r} {reason}; try {slug_suggestion(slug)!r} instead."
    return None


def main() -> None:
    # tojson escapes every quote and line break: JSON's \" never closes this raw string, nor anything else.
    answers = json.loads(
        r"""{{ {
            "project_slug": cookiecutter.project_slug,
            "project_name": cookiecutter.project_name,
            "description": cookiecutter.description,
            "author_name": cookiecutter.author_name,
            "author_email": cookiecutter.author_email,
            "use_filer": cookiecutter.use_filer,
            "private_media": cookiecutter.private_media,
        } | tojson }}"""
    )
    reason = refusal(answers)
    if reason:
        print(f"ERROR: {reason}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
