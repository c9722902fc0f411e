"""A Celery worker as the platform runs it (the Procfile's `worker:`), in a process of its own."""

import contextlib
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
        output = {"stdout": self.log, "stderr": subprocess.STDOUT}
        self.process = subprocess.Popen(self.command, cwd=PROJECT, env=self.environ, start_new_session=True, **output)
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
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def __exit__(self, *exc) -> None:
        # SIGTERM to the whole group (the worker may run under a shell): Celery's warm shutdown finishes the tasks
        # at hand; whatever is left of the group after 30 s is killed.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self._group_alive():
            self.kill()
        self.process.wait()
        self.logged = self.output
        self.log.close()

    def _group_alive(self) -> bool:
        self.process.poll()  # reap the leader once it has exited
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_until(condition, what: str, timeout: float = 60) -> None:
    """Poll `condition` until it holds; fail the test naming `what` if it does not within the timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
