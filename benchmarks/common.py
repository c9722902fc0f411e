"""What the benchmark scripts share: the packages they need, a baked project and its S3 test server,
memory measurement, and the verdict on a target."""

import contextlib
import importlib.metadata
import re
import sys
import threading
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent


def require_test_packages(script: str) -> None:
    """Stop with one line saying what to install, as after bin/generate alone (only the generator)."""
    if missing := missing_packages():
        sys.exit(
            f"benchmarks/{script}: {', '.join(missing)} not installed here: run `bin/venv requirements-dev.txt` "
            "(bin/test does it; bin/generate installs only the generator), then run the benchmark again"
        )


def missing_packages() -> list[str]:
    """The packages requirements-dev.txt pins (the generator and the baked project's) not installed."""
    wanted, files = [], [TEMPLATE / "requirements-dev.txt"]
    for requirements in files:
        for line in requirements.read_text().splitlines():
            if line.startswith("-r "):
                files.append(requirements.parent / line.removeprefix("-r ").strip())
            elif name := re.match(r"[A-Za-z0-9._-]+", line):
                wanted.append(name[0])
    missing = []
    for name in wanted:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def bake(scratch: Path, **answers) -> Path:
    from cookiecutter.main import cookiecutter

    baked = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(scratch / "baked"), extra_context=answers)
    return Path(baked)


@contextlib.contextmanager
def s3_test_server(project: Path):
    """The baked project's own S3 test server (moto in a separate process on 127.0.0.1), behind its fault
    injector, which can hold every request a while."""
    sys.path.insert(0, str(project))
    from tests.support.s3_server import FaultyS3Server

    server = FaultyS3Server.start()
    try:
        yield server
    finally:
        server.stop()


class PeakMemory:
    """Peak growth of this process's resident memory (RSS) while the block runs.

    Reads the kernel's high-water mark (VmHWM), reset on entry through /proc/self/clear_refs;
    where that is not allowed, samples VmRSS every 5 ms on a thread instead.
    """

    def __enter__(self):
        self.start = _status_kb("VmRSS")
        self.sampled = self.start
        try:
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            self.sampler = None
        except OSError:
            self.stop = threading.Event()
            self.sampler = threading.Thread(target=self._sample, daemon=True)
            self.sampler.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.005):
            self.sampled = max(self.sampled, _status_kb("VmRSS"))

    def __exit__(self, *exc):
        if self.sampler is None:
            peak = _status_kb("VmHWM")
        else:
            self.stop.set()
            self.sampler.join()
            peak = self.sampled
        self.growth_mb = max(0, peak - self.start) / 1024


def _status_kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))


def verdict(met: bool) -> str:
    return "meets the" if met else "MISSES the"
