"""Benchmark the generated project's staging utility against an S3 server (moto) in a separate process.

    python benchmarks/staging.py                       # full size: 200 x 50 KB, one 300 MB file
    python benchmarks/staging.py --files 20 --large-mb 5 --repeat 1   # a quick check
    python benchmarks/staging.py --baseline OTHER/my_site/staging     # also time 0.4.0's (its staging package)

Bakes the template into a temporary folder (or uses --project), starts moto on 127.0.0.1 with the
baked project's tests/support/s3_server.py (behind its fault injector, which can hold every request a
while), and prints, measured side by side in one run, with no latency and with --latency-ms per
request (default 20 ms, a bucket some way off): publishing small files with a sequential
storage.save() loop, with staging_area(), and with raw boto3 put_object on the same number of
threads; the two ratios; and the peak memory growth of publishing one large file.
With --baseline, another version of the staging package (a folder, e.g. from a project baked from an
older commit) is timed in the same loop, and the two are compared. It prints figures and whether the
targets are met; it asserts nothing.
"""

import argparse
import gc
import importlib
import importlib.util
import mimetypes
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import PeakMemory, bake, require_test_packages, s3_test_server, verdict  # benchmarks/common.py

TARGET_SPEEDUP = 3.0  # staging_area() at least this much faster than the sequential loop
TARGET_OVERHEAD = 1.15  # ... and taking at most this much of raw boto3's time
TARGET_MEMORY_MB = 50  # peak memory growth while publishing the large file
TARGET_SPEEDUP_LATENCY = 10.0  # with --latency-ms per request (a bucket some way off), against the sequential loop
SEQUENTIAL = "sequential storage.save() loop"
STAGING = "staging_area()"
BASELINE = "staging_area(), baseline version"
RAW_SAME = "raw boto3 put_object, {workers} threads, same ACL and type"
RAW_BARE = "raw boto3 put_object, {workers} threads, bare"


def main() -> None:
    args = parse_args()
    require_test_packages("staging.py")
    with tempfile.TemporaryDirectory(prefix="staging-benchmark-") as scratch:
        scratch = Path(scratch)
        project = args.project or bake(scratch)
        with s3_test_server(project) as server:
            staging = set_up_django(project, server)
            run(args, staging, server, scratch)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="number of small files (default 200)")
    parser.add_argument("--size-kb", type=int, default=50, help="size of each small file in KB (default 50)")
    parser.add_argument("--workers", type=int, default=10, help="threads for staging_area() and raw boto3")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each method; the median is shown")
    parser.add_argument("--large-mb", type=int, default=300, help="size of the large file in MB (default 300)")
    parser.add_argument("--latency-ms", type=float, default=20, help="also measure with this delay per request")
    parser.add_argument("--project", type=Path, help="an already baked project (default: bake the template)")
    parser.add_argument("--baseline", type=Path, help="another version's staging package folder, timed alongside")
    return parser.parse_args()


def load_baseline(folder: Path):
    """The staging package in `folder`, imported under another name so that it sits beside this one."""
    spec = importlib.util.spec_from_file_location(
        "baseline_staging", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def set_up_django(project: Path, server):
    import django

    slug = project.name
    os.environ["DEFAULT_STORAGE_DSN"] = server.dsn(server.MEDIA_BUCKET)
    os.environ["DJANGO_SETTINGS_MODULE"] = f"{slug}.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()
    return importlib.import_module("mediakit.staging")


def run(args, staging, server, scratch: Path) -> None:
    from django.core.files import File
    from django.core.files.storage import storages

    storage = storages["default"]
    sources = scratch / "small"
    sources.mkdir()
    for n in range(args.files):
        (sources / f"{n:04}.bin").write_bytes(os.urandom(args.size_kb * 1024))
    files = sorted(sources.iterdir())
    raw_client = server.client()  # the project's client settings off AWS (checksums only when required)

    def sequential(prefix: str) -> None:
        for path in files:
            with path.open("rb") as content:
                storage.save(f"{prefix}/{path.name}", File(content))

    def staged(prefix: str, module=staging) -> None:
        with module.staging_area(prefix, workers=args.workers) as area:
            for path in files:
                os.link(path, area.path / path.name)  # the files are "made" in the area; linking costs ~nothing

    def raw(prefix: str, **extra) -> None:
        def put(path: Path) -> None:
            with path.open("rb") as body:
                raw_client.put_object(Bucket=server.MEDIA_BUCKET, Key=f"{prefix}/{path.name}", Body=body, **extra)

        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(put, files))

    # storage.save() and staging_area() send an ACL and a content type with every object: the
    # like-for-like baseline sends them too (the bare one is shown as well).
    same_objects = {"ContentType": mimetypes.guess_type(files[0].name)[0] or storage.default_content_type}
    if storage.default_acl:
        same_objects["ACL"] = storage.default_acl
    methods = {
        SEQUENTIAL: sequential,
        STAGING: staged,
        RAW_SAME: lambda prefix: raw(prefix, **same_objects),
        RAW_BARE: raw,
    }
    if args.baseline:
        baseline = load_baseline(args.baseline)
        methods[BASELINE] = lambda prefix: staged(prefix, baseline)
    medians = {latency: measure(args, methods, server, latency) for latency in dict.fromkeys((0, args.latency_ms))}

    server.reset()
    large_seconds, large_growth = publish_large_file(staging, scratch, args.large_mb)

    print(
        f"Staging benchmark: moto S3 server in a separate process on 127.0.0.1, {os.cpu_count()} CPUs, "
        f"{args.workers} workers, median of {args.repeat} runs"
    )
    for latency, median in medians.items():
        print()
        report(args, median, latency)
    print()
    print(
        f"One {args.large_mb} MB file with staging_area(): {large_seconds:.1f} s, peak memory growth "
        f"{large_growth:.1f} MB ({verdict(large_growth < TARGET_MEMORY_MB)} target: under {TARGET_MEMORY_MB} MB)"
    )


def measure(args, methods: dict, server, latency: float) -> dict[str, float]:
    """The median time of each method, every S3 request delayed by `latency` ms."""

    def reset() -> None:
        server.reset()  # forgets the delay too
        if latency:
            server.add_latency(latency / 1000)

    reset()
    for name, method in methods.items():  # warm up: connections, imports, moto's first-request costs
        method(f"warm-up-{len(name)}")
    times = {name: [] for name in methods}
    for repetition in range(args.repeat):  # interleaved, so that drift hits every method alike
        # ... and each run starts with another method, so that none always follows the same one
        order = list(methods.items())
        order = order[repetition % len(order) :] + order[: repetition % len(order)]
        for number, (name, method) in enumerate(order):
            reset()
            gc.collect()  # the same clean start for every method: no collection left over from the previous one
            started = time.perf_counter()
            method(f"run-{repetition}-{number}")
            times[name].append(time.perf_counter() - started)
            stored = len(server.object_names())
            if stored != args.files:
                raise SystemExit(f"{name} stored {stored} files, not {args.files}")
    return {name: statistics.median(values) for name, values in times.items()}


def report(args, median: dict[str, float], latency: float) -> None:
    speedup = median[SEQUENTIAL] / median[STAGING]
    ceiling = median[SEQUENTIAL] / median[RAW_SAME]
    overhead = median[STAGING] / median[RAW_SAME]
    target_speedup = TARGET_SPEEDUP_LATENCY if latency else TARGET_SPEEDUP
    labels = {name: name.format(workers=args.workers) for name in median}
    width = max(map(len, labels.values())) + 2
    title = f"Publishing {args.files} files of {args.size_kb} KB, {latency:g} ms per request"
    print(f"{title:<{width + 2}}{'seconds':>9}{'files/s':>10}")
    for name, seconds in median.items():
        print(f"  {labels[name]:<{width}}{seconds:>9.2f}{args.files / seconds:>10.0f}")
    print(
        f"staging_area() vs sequential loop: {speedup:.2f}x faster ({verdict(speedup >= target_speedup)} target: "
        f"at least {target_speedup:g}x; raw boto3 on this server: {ceiling:.2f}x)"
    )
    print(
        f"staging_area() vs raw boto3:       {overhead:.2f}x the time ({verdict(overhead <= TARGET_OVERHEAD)} "
        f"target: at most {TARGET_OVERHEAD:g}x; vs the bare put_object: {median[STAGING] / median[RAW_BARE]:.2f}x)"
    )
    if BASELINE in median:
        print(
            f"staging_area() vs baseline version: {median[STAGING] / median[BASELINE]:.2f}x the time "
            f"(baseline vs raw boto3: {median[BASELINE] / median[RAW_SAME]:.2f}x)"
        )


def publish_large_file(staging, scratch: Path, size_mb: int) -> tuple[float, float]:
    large = scratch / "large.bin"
    with large.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(1024 * 1024))
    with PeakMemory() as peak:
        started = time.perf_counter()
        with staging.staging_area("large") as area:
            os.link(large, area.path / large.name)
        seconds = time.perf_counter() - started
    large.unlink()
    return seconds, peak.growth_mb


if __name__ == "__main__":
    main()
