"""The template's own code (hooks, tests, benchmarks) is held to the same ruff rules as what it generates."""

from .conftest import TEMPLATE
from .linting import ruff_problems


def test_template_code_is_lint_clean():
    problems = ruff_problems(TEMPLATE)
    assert not problems, problems
