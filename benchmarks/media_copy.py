"""Benchmark the generated project's media copy (manage.py media_copy) against S3 servers (moto) in separate processes.

    python benchmarks/media_copy.py                          # full size: 1,000 objects of 10 KB, 20 ms per request
    python benchmarks/media_copy.py --objects 50 --repeat 1  # a quick check

Bakes the template into a temporary folder (or uses --project), starts two moto servers on 127.0.0.1 with
the baked project's tests/support/s3_server.py (behind its fault injector, which can hold every request a
while), stores the objects (public ones with a content type), and times, side by side and interleaved in
one run, with no latency and with --latency-ms per request (default 20 ms, a bucket some way off):
copying them server-side (two buckets on one server) and streamed (from one server to the other) with
the project's copy (run_copy(), what manage.py media_copy runs), with a sequential loop sending the same
requests one after another, and with raw boto3 sending the same requests on as many threads as the copy
has workers (the bound). Each method lists the source and copies each object with its headers and the
ACL the configuration gives it (the destination's, public-read; no per-object ACL read). It prints
figures, ratios and whether the targets are met; it asserts nothing.
"""

import argparse
import contextlib
import gc
import importlib
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import bake, require_test_packages, s3_test_server, verdict  # benchmarks/common.py

TARGET_SPEEDUP_LATENCY = 5.0  # media_copy at least this much faster than the sequential loop, with latency
TARGET_OVERHEAD = 1.3  # ... and taking at most this much of raw boto3's time
SOURCE_BUCKET = "source"
SEQUENTIAL = "sequential loop, same requests"
MEDIA_COPY = "media_copy (run_copy)"
RAW = "raw boto3, {workers} threads, same requests"
WAYS = ("server-side", "streamed")


def main() -> None:
    args = parse_args()
    require_test_packages("media_copy.py")
    with tempfile.TemporaryDirectory(prefix="media-copy-benchmark-") as scratch:
        project = args.project or bake(Path(scratch))
        with s3_test_server(project) as near, s3_test_server(project) as far:
            mediacopy = set_up_django(project, near)
            run(args, mediacopy, near, far)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=1000, help="number of objects (default 1000)")
    parser.add_argument("--size-kb", type=int, default=10, help="size of each object in KB (default 10)")
    parser.add_argument("--workers", type=int, default=10, help="media_copy's workers, and raw boto3's threads")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each method; the median is shown")
    parser.add_argument("--latency-ms", type=float, default=20, help="also measure with this delay per request")
    parser.add_argument("--project", type=Path, help="an already baked project (default: bake the template)")
    return parser.parse_args()


def set_up_django(project: Path, server):
    import django

    os.environ["DEFAULT_STORAGE_DSN"] = server.dsn(server.MEDIA_BUCKET)
    os.environ["DJANGO_SETTINGS_MODULE"] = f"{project.name}.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()
    return importlib.import_module("mediakit.copy")


def run(args, mediacopy, near, far) -> None:

    clients = {server: server.client() for server in (near, far)}  # checksums only when required, as the project
    store_objects(args, clients[near])
    destinations = {"server-side": (near, SOURCE_BUCKET + "-copy"), "streamed": (far, far.MEDIA_BUCKET)}
    clients[near].create_bucket(Bucket=SOURCE_BUCKET + "-copy")
    runs = 0

    def methods(way: str) -> dict:
        server, bucket = destinations[way]
        destination_client = clients[server]

        def copy_one(key: str, prefix: str) -> None:
            """What media_copy sends for one object: a copy with its headers and the configuration's ACL."""
            acl = "public-read"
            if way == "server-side":
                source = {"Bucket": SOURCE_BUCKET, "Key": key}
                destination_client.copy_object(CopySource=source, Bucket=bucket, Key=f"{prefix}/{key}", ACL=acl)
            else:
                got = clients[near].get_object(Bucket=SOURCE_BUCKET, Key=key)
                destination_client.put_object(
                    Bucket=bucket,
                    Key=f"{prefix}/{key}",
                    Body=got["Body"].read(),
                    ContentType=got["ContentType"],
                    ACL=acl,
                )

        def keys() -> list[str]:
            pages = clients[near].get_paginator("list_objects_v2").paginate(Bucket=SOURCE_BUCKET)
            return [item["Key"] for page in pages for item in page.get("Contents", ())]

        def sequential(prefix: str):
            def copy() -> None:
                for key in keys():
                    copy_one(key, prefix)

            return copy

        def raw(prefix: str):
            def copy() -> None:
                with ThreadPoolExecutor(max_workers=args.workers) as pool:
                    list(pool.map(lambda key: copy_one(key, prefix), keys()))

            return copy

        def project_copy(prefix: str):
            # The storages are made before the clock starts, as the raw clients are: botocore's start-up
            # (about a second per client) is paid once per process, not per object.
            source = mediacopy.open_side("SOURCE", near.dsn(SOURCE_BUCKET))
            destination = mediacopy.open_side("DESTINATION", server.dsn(bucket).replace("/?", f"/{prefix}?"))

            def copy() -> None:
                result = mediacopy.run_copy(mediacopy.plan_copy(source, destination), workers=args.workers)
                if result.failures or result.server_side != (way == "server-side"):
                    raise SystemExit(f"media_copy failed: {result}")

            return copy

        return {SEQUENTIAL: sequential, MEDIA_COPY: project_copy, RAW: raw}

    def measure(latency: float) -> dict[tuple[str, str], float]:
        nonlocal runs
        for server in (near, far):
            server.recover()  # forgets any delay; the objects stay
            if latency:
                server.add_latency(latency / 1000)
        times = {}
        for way in WAYS:
            server, bucket = destinations[way]
            way_methods = methods(way)
            for name, method in way_methods.items():  # warm up: connections, imports, moto's first-request costs
                method(f"warm-up-{runs}-{len(name)}")()
            for repetition in range(args.repeat):  # interleaved, each run starting with another method
                order = list(way_methods.items())
                order = order[repetition % len(order) :] + order[: repetition % len(order)]
                for name, method in order:
                    runs += 1
                    prefix = f"run-{runs}"
                    copy = method(prefix)
                    gc.collect()
                    started = time.perf_counter()
                    copy()
                    times.setdefault((way, name), []).append(time.perf_counter() - started)
                    stored = clients[server].list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/").get("KeyCount", 0)
                    if stored != min(args.objects, 1000):
                        raise SystemExit(f"{name} ({way}) stored {stored} objects, not {args.objects}")
        return {key: statistics.median(values) for key, values in times.items()}

    medians = {latency: measure(latency) for latency in dict.fromkeys((0, args.latency_ms))}
    print(
        f"Media copy benchmark: moto S3 servers in separate processes on 127.0.0.1, {os.cpu_count()} CPUs, "
        f"{args.objects} objects of {args.size_kb} KB, {args.workers} workers, median of {args.repeat} runs"
    )
    for latency, median in medians.items():
        print()
        report(args, median, latency)


def store_objects(args, client) -> None:
    client.create_bucket(Bucket=SOURCE_BUCKET)
    body = os.urandom(args.size_kb * 1024)

    def put(number: int) -> None:
        client.put_object(
            Bucket=SOURCE_BUCKET,
            Key=f"photos/{number:05}.jpg",
            Body=body,
            ContentType="image/jpeg",
            ACL="public-read" if number % 10 else "private",
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(put, range(args.objects)))


def report(args, median: dict, latency: float) -> None:
    label = {name: name.format(workers=args.workers) for name in (SEQUENTIAL, MEDIA_COPY, RAW)}
    width = max(map(len, label.values())) + 4
    title = f"Copying {args.objects} objects of {args.size_kb} KB, {latency:g} ms per request, seconds"
    print(f"{title:<{width + 2}}" + "".join(f"{way:>14}" for way in WAYS))
    for name in (SEQUENTIAL, MEDIA_COPY, RAW):
        print(f"  {label[name]:<{width}}" + "".join(f"{median[(way, name)]:>14.2f}" for way in WAYS))
    for way in WAYS:
        speedup = median[(way, SEQUENTIAL)] / median[(way, MEDIA_COPY)]
        overhead = median[(way, MEDIA_COPY)] / median[(way, RAW)]
        bound = median[(way, SEQUENTIAL)] / median[(way, RAW)]
        line = f"{way}: media_copy {speedup:.2f}x faster than the sequential loop"
        if latency:
            line += f" ({verdict(speedup >= TARGET_SPEEDUP_LATENCY)} target: at least {TARGET_SPEEDUP_LATENCY:g}x)"
        line += f", raw boto3 {bound:.2f}x; media_copy {overhead:.2f}x the time of raw boto3"
        line += f" ({verdict(overhead <= TARGET_OVERHEAD)} target: at most {TARGET_OVERHEAD:g}x)"
        print(line)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
