"""The template's own code (hooks, tests, benchmarks) is held to the same ruff rules as what it generates."""

import sys

from .conftest import TEMPLATE, run


def test_template_code_is_lint_clean():
    ruff = [sys.executable, "-m", "ruff"]
    lint = run([*ruff, "check", "--no-cache", "."], TEMPLATE)
    assert lint.returncode == 0, lint.stdout
    formatting = run([*ruff, "format", "--check", "--no-cache", "."], TEMPLATE)
    assert formatting.returncode == 0, formatting.stdout
