"""A throwaway PostgreSQL server for the tests, from the distribution's packages, on loopback."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .processes import free_port


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin."""
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).resolve().parent  # beside its siblings, not a lone symlink
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; as root, the server runs as the postgres user."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="postgres-"))
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/site"

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        data = self.folder / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        log = str(self.folder / "log")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
        try:
            self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "site")
        except RuntimeError:
            self.stop()
            raise
        return self

    def new_database(self, name: str) -> str:
        """Another database on this server, for tests that must not see the others' rows: its URL."""
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
