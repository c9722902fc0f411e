"""The project's settings plus the test-only gallery app (for the browser test's server)."""

from {{ cookiecutter.project_slug }}.settings import *  # noqa: F403
from {{ cookiecutter.project_slug }}.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.gallery"]
