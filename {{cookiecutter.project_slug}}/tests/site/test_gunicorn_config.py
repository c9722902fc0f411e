"""gunicorn.conf.py: the web process listens on $PORT with $WEB_CONCURRENCY workers, as the platform says."""

import subprocess
import sys

import pytest

from ..support.project import PROJECT, project_environ


def gunicorn_config(**environ: str) -> subprocess.CompletedProcess:
    """gunicorn's settings as it resolves them from gunicorn.conf.py, without starting it."""
    command = [sys.executable, "-m", "gunicorn", "--print-config", "{{ cookiecutter.project_slug }}.wsgi"]
    return subprocess.run(command, cwd=PROJECT, env=project_environ(**environ), capture_output=True, text=True)


def setting(output: str, name: str) -> str:
    return next(line.split("=", 1)[1].strip() for line in output.splitlines() if line.split()[:1] == [name])


def test_port_and_workers_come_from_the_environment():
    result = gunicorn_config(PORT="8123", WEB_CONCURRENCY="3")
    assert result.returncode == 0, result.stderr
    assert setting(result.stdout, "bind") == "['0.0.0.0:8123']"
    assert setting(result.stdout, "workers") == "3"


def test_defaults_without_the_platform():
    result = gunicorn_config()
    assert result.returncode == 0, result.stderr
    assert setting(result.stdout, "bind") == "['0.0.0.0:8000']"
    assert setting(result.stdout, "workers") == "2"


@pytest.mark.parametrize("variable, value", [("PORT", "http"), ("PORT", ""), ("WEB_CONCURRENCY", "0")])
def test_a_wrong_value_stops_start_up_with_one_line(variable, value):
    result = gunicorn_config(**{variable: value})
    assert result.returncode != 0
    assert f"Cannot start: {variable} must be a positive whole number" in result.stderr
    assert "Traceback" not in result.stderr
