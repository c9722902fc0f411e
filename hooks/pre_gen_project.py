"""Refuse a project_slug that would not work as the project's Python package, before anything is written.

Prints one line saying what to type instead and exits 1; cookiecutter then removes the output.
"""

import keyword
import re
import sys

SLUG = "{{ cookiecutter.project_slug }}"

# Modules the generated project imports (or that sit at its top level): a package of the same
# name would shadow them.
TAKEN = {
    "boto3", "botocore", "conftest", "django", "easy_thumbnails", "environ", "filer", "gunicorn", "manage",
    "moto", "PIL", "polymorphic", "psycopg", "pytest", "s3transfer", "site", "storages", "test", "tests",
    "whitenoise",
}  # fmt: skip


def problem(slug: str) -> str | None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", slug):
        return "must be lowercase letters, digits and underscores, not starting with a digit"
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return "is a Python keyword"
    if slug in TAKEN or slug in sys.stdlib_module_names:
        return "would shadow a module the project imports"
    return None


def suggestion(slug: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", slug.lower()).strip("_") or "my_site"
    if name[0].isdigit():
        name = "site_" + name
    return name if problem(name) is None else name + "_project"


reason = problem(SLUG)
if reason:
    print(f"ERROR: project_slug {SLUG!r} {reason}; try {suggestion(SLUG)!r} instead.", file=sys.stderr)
    sys.exit(1)
