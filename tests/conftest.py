"""Shared helpers for the template's tests: bake the template, run things in the baked project."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())


# Passed on to baked projects' processes; nothing else (no storage variables) leaks in from the caller.
PASSED_ON = ("PATH", "HOME", "CI", "CHROMIUM")
ARTIFACTS = TEMPLATE / "test-artifacts"


def run(args: list[str], cwd: Path, timeout: float = 600, **environ: str) -> subprocess.CompletedProcess:
    """Run a command in a clean environment."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ} | environ
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def manage(project: Path, *args: str, **environ: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], project, **environ)


@pytest.fixture(scope="session")
def bake(cookies_session):
    """Bake the template with some answers (once per set of answers) and return the project path."""
    baked = {}

    def bake(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in baked:
            result = cookies_session.bake(extra_context=answers)
            assert result.exit_code == 0, result.exception
            baked[key] = Path(result.project_path)
        return baked[key]

    return bake
