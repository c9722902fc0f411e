"""Run the project as a real web server in its own process, for browser and multi-instance tests."""

import http.client
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .processes import free_port, stop_process
from .project import PROJECT, manage

ADMIN_USER = {"username": "admin", "password": "a-test-only-password-1234"}


def prepare_database(environ: dict) -> None:
    """Create the tables and an admin user in the database DATABASE_URL names."""
    manage("migrate", "--noinput", check=True, **environ)
    manage(
        "createsuperuser",
        "--noinput",
        f"--username={ADMIN_USER['username']}",
        "--email=admin@example.com",
        check=True,
        **{**environ, "DJANGO_SUPERUSER_PASSWORD": ADMIN_USER["password"]},
    )


class DjangoServer:
    """One running instance of the site; a context manager that stops it on exit."""

    def __init__(self, command: list[str], environ: dict, cwd: Path = PROJECT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.format(port=self.port) for part in command]
        self.environ = environ
        self.cwd = cwd
        self.process = None

    @classmethod
    def runserver(cls, environ: dict) -> "DjangoServer":
        return cls(
            [sys.executable, str(PROJECT / "manage.py"), "runserver", "--noreload", "127.0.0.1:{port}"], environ
        )

    @classmethod
    def gunicorn(cls, environ: dict, cwd: Path) -> "DjangoServer":
        """A production server: gunicorn, two workers, the project imported from its folder."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            "127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-control-socket",
        ]
        command += ["--pythonpath", str(PROJECT), "{{ cookiecutter.project_slug }}.wsgi"]
        return cls(command, environ, cwd)

    def __enter__(self) -> "DjangoServer":
        # A file, not a pipe: a full pipe would block a chatty server.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed in __exit__
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.environ, stdout=self.log, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the site did not start:\n{self.output}")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        """Any HTTP answer will do (with DEBUG off, plain HTTP is redirected to HTTPS)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/admin/login/")
            connection.getresponse()
        except OSError:
            return False
        finally:
            connection.close()
        return True

    def __exit__(self, *exc_info) -> None:
        stop_process(self.process, timeout=20)
        self.log.seek(0)
        self.output = self.log.read()
        self.log.close()
