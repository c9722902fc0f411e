"""Benchmark the generated project's collector (manage.py media_cleanup) against an S3 server (moto), in its process.

    python benchmarks/media_cleanup.py                              # full size: 20,000 objects, 20 ms per request
    python benchmarks/media_cleanup.py --objects 300 --latency-ms 5 # a quick check

Bakes the template into a temporary folder (or uses --project), starts the baked project's S3 test server
(behind its fault injector, which holds every request --latency-ms), stores the objects (one in ten named by a
filer row, the rest orphans), and measures, with the latency: listing the bucket alone with boto3 (the bound:
no collector can list in fewer requests), the collector's report run and its deleting run (the
Collector that manage.py media_cleanup runs), each with the requests sent per thousand objects. Then, without
latency, the peak of Python memory the report run allocates at a quarter of the objects and at all of them:
flat, not proportional to the objects. It prints figures, ratios and whether the targets are met; it
asserts nothing.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import bake, require_test_packages, verdict  # benchmarks/common.py

TARGET_OVERHEAD = 1.5  # the report run at most this much of the listing's time
TARGET_MEMORY_GROWTH = 1.5  # peak memory at 4x the objects at most this much of the peak at 1x
USED_EVERY = 10  # one object in ten is named by a row


def main() -> None:
    args = parse_args()
    require_test_packages("media_cleanup.py")
    with tempfile.TemporaryDirectory(prefix="media-cleanup-benchmark-") as scratch:
        project = args.project or bake(Path(scratch))
        sys.path.insert(0, str(project))
        from tests.support.s3_server import FaultyS3Server

        server = FaultyS3Server.start()
        try:
            set_up_django(server, Path(scratch))
            run(args, server)
        finally:
            server.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20000, help="number of objects (default 20000)")
    parser.add_argument("--latency-ms", type=float, default=20, help="delay per request (default 20 ms)")
    parser.add_argument("--project", type=Path, help="an already baked project (default: bake the template)")
    return parser.parse_args()


def set_up_django(server, scratch: Path) -> None:
    import django
    from django.core.management import call_command

    os.environ["DEFAULT_STORAGE_DSN"] = server.dsn(server.MEDIA_BUCKET)
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "") or settings_module()
    django.setup()
    call_command("migrate", verbosity=0)


def settings_module() -> str:
    project = Path(sys.path[0])
    return "tests.gallery.settings" if (project / "tests" / "gallery").is_dir() else f"{project.name}.settings"


def store(server, count: int, start: int = 0) -> None:
    """count more objects, one in USED_EVERY named by a row (a filer file, or a gallery photo), the rest orphans."""
    from django.apps import apps

    client = server.client()
    names = [f"filer_public/{number % 97:02d}/{number:06d}.jpg" for number in range(start, start + count)]

    def put(chunk: list[str]) -> None:
        for name in chunk:
            client.put_object(Bucket=server.MEDIA_BUCKET, Key=name, Body=b"x" * 100)

    with ThreadPoolExecutor(max_workers=10) as pool:  # as many as the client keeps connections
        list(pool.map(put, [names[index : index + 200] for index in range(0, count, 200)]))
    used = names[::USED_EVERY]
    if apps.is_installed("filer"):
        from filer.models import File

        File.objects.bulk_create([File(file=name, original_filename=name.rsplit("/", 1)[-1]) for name in used])
    else:
        from tests.gallery.models import Photo

        Photo.objects.bulk_create([Photo(title=name, image=name) for name in used])


def counting(storages):
    """A list that grows by one for every request the storages' clients send."""
    from tests.support.s3_requests import s3_requests

    return s3_requests(*storages)


def collect(delete: bool) -> tuple[float, int, object]:
    from mediakit.cleanup import places
    from mediakit.cleanup.collector import Collector

    older_than = datetime.now(UTC) + timedelta(seconds=2)  # everything stored counts as old
    with counting(places.project_storages()) as sent:
        started = time.perf_counter()
        report = Collector(older_than=older_than, delete=delete, say=lambda line: None).run()
        seconds = time.perf_counter() - started
    return seconds, len(sent), report


def listing_alone(server) -> tuple[float, int]:
    client = server.client()
    started, requests = time.perf_counter(), 0
    for _ in client.get_paginator("list_objects_v2").paginate(Bucket=server.MEDIA_BUCKET):
        requests += 1
    return time.perf_counter() - started, requests


def peak_memory_mb() -> float:
    tracemalloc.start()
    collect(delete=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def run(args, server) -> None:
    small = max(1, args.objects // 4)
    collect(delete=False)  # imports and first queries: not the collector's own memory
    store(server, small)
    memory_small = peak_memory_mb()
    store(server, args.objects - small, start=small)
    memory_large = peak_memory_mb()

    server.add_latency(args.latency_ms / 1000)
    bound, listed = listing_alone(server)
    report_seconds, report_requests, report = collect(delete=False)
    delete_seconds, delete_requests, deleted = collect(delete=True)
    server.recover()

    thousands = args.objects / 1000
    print(f"Collector over {args.objects} objects ({report.orphans} orphans), {args.latency_ms:g} ms per request")
    print(f"{'':34} {'seconds':>8} {'requests':>9} {'per 1000 objects':>17}")
    for label, seconds, requests in (
        ("listing alone, boto3 (the bound)", bound, listed),
        ("report run (Collector)", report_seconds, report_requests),
        ("deleting run (Collector)", delete_seconds, delete_requests),
    ):
        print(f"{label:34} {seconds:8.2f} {requests:9d} {requests / thousands:17.1f}")
    ratio = report_seconds / bound
    print(
        f"report run: {ratio:.2f}x the time of the listing alone ({verdict(ratio <= TARGET_OVERHEAD)} target of "
        f"at most {TARGET_OVERHEAD:.1f}x); deleting run: {delete_seconds / bound:.2f}x "
        f"({deleted.deleted} deleted, {len(deleted.failures)} failed)"
    )
    growth = memory_large / memory_small
    print(
        f"peak Python memory of a report run: {memory_small:.1f} MB at {small} objects, {memory_large:.1f} MB at "
        f"{args.objects}: {growth:.2f}x for {args.objects / small:.0f}x the objects "
        f"({verdict(growth <= TARGET_MEMORY_GROWTH)} target of at most {TARGET_MEMORY_GROWTH:.1f}x)"
    )


if __name__ == "__main__":
    main()
