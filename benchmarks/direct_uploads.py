"""Benchmark a large upload sent straight to the bucket (direct uploads) against today's path through the instance.

    python benchmarks/direct_uploads.py                     # one 200 MB file, 20 ms per S3 request
    python benchmarks/direct_uploads.py --size-mb 20        # a quick check

Bakes the template (the test-only gallery app's Document, a FileField) into a temporary folder and starts, on
127.0.0.1, what the baked project's tests start: its S3 test server (moto behind the fault injector, holding every
request --latency-ms, checking presigned URLs' signatures) and the site under gunicorn (two workers, DEBUG off,
SQLite). Measured side by side in one run, for the same file:
- through the instance: the admin's add form posted with the file (the worker receives it, spools it to its
  temporary folder, then uploads it to S3 inside the request);
- direct: the steps a browser takes (direct-upload.js): start, part URLs, parts PUT to the bucket 4 at a time,
  complete, then the form posted with the signed result;
for each, the web workers' busy seconds (the requests' durations), their peak memory growth (the kernel's
high-water mark of each worker process) and the instance's temporary disk at its peak; and the direct upload's
throughput against boto3's own multipart upload of the same file with the same part size and concurrency (the
bound: what S3 allows from one client).
"""

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import bake, require_test_packages, s3_test_server  # benchmarks/common.py

MB = 1024 * 1024
PARTS_AT_ONCE = 4  # direct-upload.js's CONCURRENCY


def main() -> None:
    args = parse_args()
    require_test_packages("direct_uploads.py")
    with tempfile.TemporaryDirectory(prefix="direct-upload-benchmark-") as scratch:
        scratch = Path(scratch)
        project = args.project or bake(scratch, use_filer=False)
        with s3_test_server(project) as server:
            run(args, project, server, scratch)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="the file's size in MiB (default 200)")
    parser.add_argument("--latency-ms", type=float, default=20, help="delay of every S3 request (default 20 ms)")
    parser.add_argument("--project", type=Path, help="an already baked project (default: bake one)")
    return parser.parse_args()


def run(args, project: Path, server, scratch: Path) -> None:
    from tests.support.django_server import DjangoServer, prepare_database
    from tests.support.http_client import AdminSession
    from tests.support.project import manage, project_environ

    temporary = scratch / "instance-tmp"
    temporary.mkdir()
    environ = project_environ(
        STAGE="live",
        SECRET_KEY="a-long-random-benchmark-secret-key-0123456789-0123456789-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(scratch / "static"),
        PYTHONPATH=str(project),
        DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=server.dsn(server.MEDIA_BUCKET),
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",
        TMPDIR=str(temporary),  # where the instance spools uploads (Django's temporary upload files)
    )
    manage("collectstatic", "--noinput", check=True, **environ)
    prepare_database(environ)
    cors = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"]}]}
    server.client().put_bucket_cors(Bucket=server.MEDIA_BUCKET, CORSConfiguration=cors)
    path = scratch / "film.mp4"
    with path.open("wb") as file:
        for _ in range(args.size_mb):
            file.write(os.urandom(MB))
    server.add_latency(args.latency_ms / 1000)

    with DjangoServer.gunicorn(environ, scratch) as site:
        session = AdminSession(site.url)
        session.get("/admin/gallery/document/add/").raise_for_status()  # every worker has served a page or two
        session.get("/admin/gallery/document/add/").raise_for_status()
        children = Path(f"/proc/{site.process.pid}/task/{site.process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()]
        small = scratch / "small.bin"
        small.write_bytes(os.urandom(1000))
        for _ in range(3):  # each worker makes its S3 client (botocore's start-up) before anything is measured
            direct_upload(session, small)
        through = measure(workers, temporary, lambda: through_the_instance(session, path))
        steps = {}
        direct = measure(workers, temporary, lambda: direct_upload(session, path, steps))
    client = server.client()
    started = time.perf_counter()
    bound_upload(client, server.MEDIA_BUCKET, path)
    bound = time.perf_counter() - started

    size = path.stat().st_size
    print(
        f"Direct uploads benchmark: one {size / 1e6:.0f} MB file, {args.latency_ms:g} ms per S3 request, "
        f"gunicorn with {len(workers)} workers, {os.cpu_count()} CPUs\n"
    )
    print(f"{'':44}{'through the instance':>22}{'direct':>10}")
    print(f"  {'web workers busy, s':42}{through.busy:22.2f}{direct.busy:10.2f}")
    print(f"  {'web worker peak memory growth, MB':42}{through.memory_mb:22.1f}{direct.memory_mb:10.1f}")
    print(f"  {'instance temporary disk at its peak, MB':42}{through.disk_mb:22.1f}{direct.disk_mb:10.1f}")
    print(f"  {'upload, s (until the form is saved)':42}{through.wall:22.2f}{direct.wall:10.2f}")
    print(f"Web workers' busy time: direct {through.busy / direct.busy:.1f}x less than through the instance")
    print("  direct, by step, s: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in steps.items()))
    print(
        f"Direct upload vs boto3's multipart upload ({PART_MB} MiB parts, {PARTS_AT_ONCE} at a time, the bound): "
        f"{direct.wall / bound:.2f}x the time ({size / 1e6 / direct.wall:.0f} MB/s vs {size / 1e6 / bound:.0f} MB/s)"
    )


PART_MB = 8  # the protocol's part size (mediakit.uploads.protocol.PART_SIZE) for files up to 80 GB


class Measured:
    def __init__(self, wall: float, busy: float, memory_mb: float, disk_mb: float):
        self.wall, self.busy, self.memory_mb, self.disk_mb = wall, busy, memory_mb, disk_mb


def measure(workers: list[int], temporary: Path, upload) -> Measured:
    """Run upload() (which returns the seconds the site spent answering it): its time, the workers' peak memory
    growth (each worker's high-water mark, reset first), and the temporary folder's peak size."""
    start_rss = {pid: _status_kb(pid, "VmRSS") for pid in workers}
    for pid in workers:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS
    peak_disk = [0]
    stop = threading.Event()

    def watch_disk():
        while not stop.wait(0.02):
            spooled = sum(file.stat().st_size for file in temporary.rglob("*") if file.is_file())
            peak_disk[0] = max(peak_disk[0], spooled)

    watcher = threading.Thread(target=watch_disk, daemon=True)
    watcher.start()
    started = time.perf_counter()
    busy = upload()
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    growth = max(_status_kb(pid, "VmHWM") - start_rss[pid] for pid in workers)
    return Measured(wall, busy, max(growth, 0) / 1024, peak_disk[0] / MB)


def _status_kb(pid: int, field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))


def through_the_instance(session, path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as file:
        response = session.post(
            "/admin/gallery/document/add/",
            data={"title": "through", "csrfmiddlewaretoken": session.csrf_token},
            files={"file": (path.name, file, "video/mp4")},
            allow_redirects=False,
        )
    assert response.status_code == 302, response.text[:500]
    return time.perf_counter() - started


def direct_upload(session, path: Path, steps: dict | None = None) -> float:
    """What direct-upload.js does, step by step; the seconds the site spent answering (by step, in `steps`)."""
    import requests

    busy = [0.0]
    steps = {} if steps is None else steps

    def step(name: str, /, **data) -> dict:
        started = time.perf_counter()
        response = session.post(f"/uploads/{name}/", json=data, headers={"X-CSRFToken": session.csrf_token})
        busy[0] += time.perf_counter() - started
        steps[name] = steps.get(name, 0) + time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        return response.json()

    page = session.get("/admin/gallery/document/add/").text  # the form, as for the other path (not counted)
    ticket = re.search(r'data-ticket="([^"]+)"', page)[1]
    size = path.stat().st_size
    plan = step("start", ticket=ticket, name=path.name, size=size)
    numbers = list(range(1, plan["parts"] + 1))
    urls = {}
    for first in range(0, len(numbers), 20):  # the server signs 20 at a time
        urls.update(step("sign", token=plan["token"], parts=numbers[first : first + 20])["urls"])

    def put(number: int) -> None:
        with path.open("rb") as file:
            file.seek((number - 1) * plan["part_size"])
            body = file.read(plan["part_size"])
        requests.put(urls[str(number)], data=body, timeout=600).raise_for_status()

    with ThreadPoolExecutor(PARTS_AT_ONCE) as pool:
        list(pool.map(put, numbers))
    done = step("complete", token=plan["token"])
    started = time.perf_counter()
    response = session.post(
        "/admin/gallery/document/add/",
        data={"title": "direct", "file__direct": done["result"], "csrfmiddlewaretoken": session.csrf_token},
        allow_redirects=False,
    )
    busy[0] += time.perf_counter() - started
    assert response.status_code == 302, response.text[:500]
    return busy[0]


def bound_upload(client, bucket: str, path: Path) -> None:
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(
        multipart_threshold=PART_MB * MB, multipart_chunksize=PART_MB * MB, max_concurrency=PARTS_AT_ONCE
    )
    client.upload_file(str(path), bucket, "bound/film.mp4", Config=config)


if __name__ == "__main__":
    sys.exit(main())
