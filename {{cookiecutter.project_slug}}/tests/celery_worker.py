"""A Celery worker as the platform runs it (the Procfile's `worker:`), in a process of its own."""

import os
import signal
import subprocess
import sys
import tempfile
import time

from .project import PROJECT


class CeleryWorker:
    """A worker (its main process and its pool) in a process group of its own: kill() takes all of it at once, as
    when an instance dies. A context manager that stops it on exit."""

    def __init__(self, environ: dict, name: str = "worker"):
        self.environ, self.process = environ, None
        self.command = [sys.executable, "-m", "celery", "-A", "{{ cookiecutter.project_slug }}"]
        self.command += ["worker", "--loglevel=INFO", "--hostname", f"{name}@%h"]
        self.command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]  # no chatter between workers

    def __enter__(self) -> "CeleryWorker":
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed in __exit__
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT, env=self.environ, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the worker did not start:\n{self.output}")
            time.sleep(0.1)
        return self

    @property
    def output(self) -> str:
        """What the worker logged (until it stopped, once stopped)."""
        if self.log.closed:
            return self.logged
        self.log.seek(0)
        return self.log.read()

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: nothing is acknowledged, nothing is cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # Celery's warm shutdown: the tasks at hand are finished
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.logged = self.output
        self.log.close()


def wait_until(condition, what: str, timeout: float = 60) -> None:
    """Poll `condition` until it holds; fail the test naming `what` if it does not within the timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
