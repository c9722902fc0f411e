"""A throwaway RabbitMQ broker for the tests (the platform's broker), from Debian's rabbitmq-server, on loopback.

Its own node name, ports and folders, so that it meets no other broker on the machine. It starts the Erlang
port mapper (epmd) itself, on its own port: rabbitmq-server would start one that outlives the broker.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .processes import free_port, stop_process


def unavailable() -> str | None:
    """Why the broker cannot run here, or None."""
    if not shutil.which("rabbitmq-server", path="/usr/sbin:" + os.environ.get("PATH", "")):
        return "no RabbitMQ server: apt-get install rabbitmq-server"
    if os.geteuid() != 0:
        return "the test broker starts as root (it runs as the rabbitmq user)"
    return None


class RabbitMQServer:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="rabbitmq-"))
        self.port, dist_port, epmd_port = free_port(), free_port(), free_port()
        self.node = f"test{self.port}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        plugins = self.folder / "enabled_plugins"
        plugins.write_text("[].")
        self.environ = {
            **os.environ,
            "PATH": "/usr/sbin:" + os.environ.get("PATH", ""),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "ERL_EPMD_PORT": str(epmd_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
        }
        self.epmd = self.server = self.log = None

    def start(self) -> "RabbitMQServer":
        for path in (self.folder, self.folder / "mnesia", self.folder / "log"):
            path.mkdir(exist_ok=True)
            shutil.chown(path, "rabbitmq", "rabbitmq")
        shutil.chown(self.folder / "enabled_plugins", "rabbitmq", "rabbitmq")
        epmd_port = self.environ["ERL_EPMD_PORT"]
        self.epmd = subprocess.Popen(["epmd", "-port", epmd_port], stderr=subprocess.DEVNULL)
        self.log = (self.folder / "server.out").open("w")
        # As the rabbitmq user, in a process group of its own (Debian's wrapper would start it in another session,
        # out of reach if it has to be killed).
        self.server = subprocess.Popen(
            ["runuser", "-u", "rabbitmq", "--", "/usr/lib/rabbitmq/bin/rabbitmq-server"],
            env={**self.environ, "HOME": "/var/lib/rabbitmq"},
            cwd="/var/lib/rabbitmq",
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:  # await_startup fails at once while the node is not yet reachable
            try:
                self._ctl("await_startup", timeout=60)
                return self
            except (RuntimeError, subprocess.TimeoutExpired):
                if self.server.poll() is not None or time.monotonic() > deadline:
                    output = (self.folder / "server.out").read_text()[-3000:]
                    self.stop()
                    raise RuntimeError(f"RabbitMQ did not start:\n{output}") from None
                time.sleep(0.5)

    def _ctl(self, *args: str, timeout: float = 30) -> str:
        result = subprocess.run(
            ["rabbitmqctl", "-n", self.node, *args],
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def messages(self, queue: str = "celery") -> int:
        """The messages in a queue, those delivered but not acknowledged yet included (0 if there is no queue)."""
        listed = self._ctl("list_queues", "--quiet", "--no-table-headers", "name", "messages")
        counts = dict(line.split() for line in listed.splitlines() if line.strip())
        return int(counts.get(queue, 0))

    def purge(self) -> None:
        """Empty every queue (a test's leftovers go nowhere)."""
        for line in self._ctl("list_queues", "--quiet", "--no-table-headers", "name").splitlines():
            if line.strip():
                self._ctl("purge_queue", line.strip())

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            try:
                self._ctl("stop", timeout=60)
                self.server.wait(timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        if self.log is not None:
            self.log.close()
        if self.epmd is not None:
            stop_process(self.epmd)
        shutil.rmtree(self.folder, ignore_errors=True)
