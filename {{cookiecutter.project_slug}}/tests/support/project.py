"""The project as its tests run it in processes of their own: its folder, a clean environment, manage.py."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def project_environ(**environ: str) -> dict:
    """A clean environment for a project process: only PATH and the variables given."""
    return {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", **environ}


def manage(*args: str, cwd: Path = PROJECT, check: bool = False, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py ARGS in a process of its own, with only PATH and the variables given.

    With check=True a failure stops the test, showing manage.py's error output.
    """
    result = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), *args],
        cwd=cwd,
        env=project_environ(**environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result
