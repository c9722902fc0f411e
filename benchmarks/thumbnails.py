"""Benchmark thumbnails made ahead of time (manage.py warm_thumbnails) against easy-thumbnails' own on-demand path.

    python benchmarks/thumbnails.py                                  # 100 images of 4000 x 3000, 3 aliases
    python benchmarks/thumbnails.py --filer --images 60 --width 1000 --height 750   # django-filer's images
    python benchmarks/thumbnails.py --images 6 --width 640 --height 480 --page 4   # a quick check

Bakes the template (plain easy-thumbnails with the test-only gallery app, or django-filer with --filer)
into a temporary folder,
starts the baked project's S3 test server (moto in a separate process on 127.0.0.1, behind its
fault injector, which can hold every request for a while), and measures side by side in one run,
with no latency and then with --latency-ms per request: a sequential loop over easy-thumbnails'
get_thumbnailer(image)[alias] against warm_thumbnails, the requests each sends per image, the
bound warm_thumbnails cannot beat (the same transfers on raw boto3 at the same concurrency, or the
same rendering alone, whichever takes longer), a page showing --page warmed thumbnails, and the
peak memory growth of warm_thumbnails. It prints figures and whether the targets are met.
"""

import argparse
import io
import os
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from common import PeakMemory, bake, require_test_packages, s3_test_server, verdict  # benchmarks/common.py

TARGET_SPEEDUP = 5.0  # warm_thumbnails (the whole command) vs the sequential loop, like for like, with latency
TARGET_BOUND = 1.3  # warm_thumbnails within this of the bound
TARGET_MEMORY_MB = 150
ALIASES = ("small", "medium", "large")
ACL = "public-read"  # what the storage sends (the DSN's default)
PAGE = "{% load thumbnail %}{% for photo in photos %}<img src=\"{% thumbnail photo.FIELD 'small' %}\">{% endfor %}"


def main() -> None:
    args = parse_args()
    require_test_packages("thumbnails.py")
    with tempfile.TemporaryDirectory(prefix="thumbnails-benchmark-") as scratch:
        scratch = Path(scratch)
        project = args.project or bake(scratch, use_filer=args.filer)  # the gallery test app's image field, or filer
        with s3_test_server(project) as server:
            set_up_django(project, server, scratch, args.filer)
            run(args, server, scratch)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=100, help="number of images (default 100)")
    parser.add_argument("--width", type=int, default=4000, help="image width in pixels (default 4000)")
    parser.add_argument("--height", type=int, default=3000, help="image height in pixels (default 3000)")
    parser.add_argument("--latency-ms", type=float, default=20, help="delay of every S3 request (default 20 ms)")
    parser.add_argument("--workers", type=int, default=10, help="concurrent transfers (default 10)")
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="rendering processes (default: CPUs)")
    parser.add_argument("--page", type=int, default=50, help="thumbnails on the page (default 50)")
    parser.add_argument("--filer", action="store_true", help="django-filer's images (default: a model's ImageField)")
    parser.add_argument("--project", type=Path, help="an already baked project, with filer as --filer says")
    return parser.parse_args()


def set_up_django(project: Path, server, scratch: Path, filer: bool) -> None:
    import django
    from django.core.management import call_command

    os.environ["DEFAULT_STORAGE_DSN"] = server.dsn(server.MEDIA_BUCKET)
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    # The project, plus (without filer) a model with an image field.
    os.environ["DJANGO_SETTINGS_MODULE"] = f"{project.name}.settings" if filer else "tests.gallery.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.chdir(project)  # as manage.py runs: the rendering processes' forkserver imports the project from here
    django.setup()
    call_command("migrate", verbosity=0)


def run(args, server, scratch: Path) -> None:
    from django.core.management import call_command
    from django.template import Context, Template
    from easy_thumbnails.files import get_thumbnailer
    from easy_thumbnails.models import Source

    raw = server.client()  # the project's client settings off AWS (checksums only when required)
    model, field = image_model(args.filer)
    photos = store_images(args, raw, server.MEDIA_BUCKET)
    counted = RequestCounter(server)

    def sequential() -> None:  # as a page would, one after another: get_thumbnailer(image)[alias]
        for photo in model.objects.order_by("pk"):
            for alias in ALIASES:
                get_thumbnailer(photo if args.filer else getattr(photo, field))[alias]

    def warm() -> None:  # like for like: the same aliases (with filer, not also the sizes filer asks for itself)
        options = {"workers": args.workers, "processes": args.processes, "aliases": list(ALIASES)}
        call_command("warm_thumbnails", **options, stdout=io.StringIO())

    results = {}
    for latency in (0, args.latency_ms):
        if latency:
            server.add_latency(latency / 1000)
        figures = results[latency] = {}
        for name, method in (("sequential", sequential), ("warm", warm)):
            Source.objects.all().delete()  # no thumbnail recorded: both make all of them
            with counted as requests, PeakMemory() as memory, ProcessTreeMemory(exclude=server.process.pid) as tree:
                started = time.perf_counter()
                method()
                figures[name] = time.perf_counter() - started
            figures[f"{name} requests"] = requests
            figures[f"{name} memory"] = (memory.growth_mb, tree.growth_mb)
        figures["transfers"], figures["rendering"] = bound(args, raw, server.MEDIA_BUCKET, photos, scratch)
        page = Template(PAGE.replace("FIELD", field))
        with counted as requests:
            started = time.perf_counter()
            html = page.render(Context({"photos": model.objects.order_by("pk")[: args.page]}))
            figures["page"] = time.perf_counter() - started
        figures["page requests"] = requests
        assert html.count("<img") == min(args.page, args.images)
    report(args, results)


def image_model(filer: bool) -> tuple:
    """The model whose images are measured, and its file field."""
    if filer:
        from filer.models import Image

        return Image, "file"
    from tests.gallery.models import Photo

    return Photo, "image"


def store_images(args, raw, bucket: str) -> list:
    """The originals in the bucket and in the database, with no thumbnail (as after an import)."""
    from PIL import Image, ImageDraw

    distinct = []
    for seed in range(min(args.images, 4)):  # a few different pictures: making 100 big JPEGs is slow
        rng = random.Random(seed)
        image = Image.linear_gradient("L").resize((args.width, args.height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(args.width), rng.randrange(args.height)
            colour = tuple(rng.randrange(256) for _ in "rgb")
            draw.ellipse((x, y, x + args.width // 5, y + args.height // 5), fill=colour)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        distinct.append(buffer.getvalue())
    prefix = "filer_public/benchmark" if args.filer else "photos"
    names = [f"{prefix}/{number:04}.jpg" for number in range(args.images)]
    with ThreadPoolExecutor(args.workers) as pool:
        for name, data in zip(names, distinct * args.images, strict=False):
            pool.submit(raw.put_object, Bucket=bucket, Key=name, Body=data, ContentType="image/jpeg", ACL=ACL)
    model, field = image_model(args.filer)
    if not args.filer:
        return model.objects.bulk_create(model(title=name, image=name) for name in names)
    known = {"_width": args.width, "_height": args.height, "date_taken": datetime.now(UTC)}
    # filer's images are two tables: no bulk_create.
    return [model.objects.create(file=name, original_filename=name, **known) for name in names]


def bound(args, raw, bucket: str, photos, scratch: Path) -> tuple[float, float]:
    """What warm_thumbnails cannot beat: its transfers on raw boto3 at the same concurrency; its rendering alone."""
    from mediakit.thumbnails import pipeline, wanted

    model, field = image_model(args.filer)
    photos = list(model.objects.order_by("pk"))
    made = [thumbnail for photo in photos for thumbnail in photo_thumbnails(getattr(photo, field))]
    bodies = {name: raw.get_object(Bucket=bucket, Key=name)["Body"].read() for name in made}

    def get(photo) -> None:
        raw.get_object(Bucket=bucket, Key=getattr(photo, field).name)["Body"].read()

    def put(name: str) -> None:
        raw.put_object(Bucket=bucket, Key=name, Body=bodies[name], ContentType="image/jpeg", ACL=ACL)

    started = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(get, photos))
        list(pool.map(put, made))
    transfers = time.perf_counter() - started

    local = scratch / "originals"
    local.mkdir(exist_ok=True)
    paths = []
    for photo in photos:
        paths.append(local / Path(getattr(photo, field).name).name)
        if not paths[-1].exists():
            paths[-1].write_bytes(raw.get_object(Bucket=bucket, Key=getattr(photo, field).name)["Body"].read())
    sizes = wanted.wanted_thumbnails(getattr(photos[0], field), ALIASES)  # what warm_thumbnails renders
    started = time.perf_counter()
    if args.processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        import django

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(args.processes, mp_context=context, initializer=django.setup) as pool:
            list(pool.map(pipeline.render_file, photos, [field] * len(photos), paths, [sizes] * len(photos)))
    else:
        for photo, path in zip(photos, paths, strict=True):
            pipeline.render_file(photo, field, path, sizes)
    return transfers, time.perf_counter() - started


def photo_thumbnails(fieldfile) -> list[str]:
    from easy_thumbnails.models import Thumbnail

    return list(Thumbnail.objects.filter(source__name=fieldfile.name).values_list("name", flat=True))


class RequestCounter:
    """Requests the S3 server answered while the block ran, by method (its fault injector keeps the list)."""

    def __init__(self, server):
        self.server = server

    def __enter__(self) -> Counter:
        self.before = len(self.server.stats()["requests"])
        self.counts = Counter()
        return self.counts

    def __exit__(self, *exc):
        requests = self.server.stats()["requests"][self.before :]
        self.counts.update(method for method, path, status in requests)


class ProcessTreeMemory:
    """Peak growth of the memory of this process and all it starts (the rendering processes), but the
    S3 server: their proportional set sizes, summed, sampled every 20 ms from /proc."""

    def __init__(self, exclude: int):
        self.exclude = exclude

    def __enter__(self):
        self.start = self._total()
        self.peak = self.start
        self.stop = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, self._total())

    def __exit__(self, *exc):
        self.stop.set()
        self.sampler.join()
        self.growth_mb = max(0, self.peak - self.start) / 1024

    def _total(self) -> int:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = {os.getpid()}, [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid != self.exclude and pid not in tree:
                    tree.add(pid)
                    frontier.append(pid)
        total = 0
        for pid in tree:
            try:  # proportional set size: pages shared with the forkserver (Django, Pillow) count once
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        return total


def report(args, results: dict) -> None:
    latencies = list(results)
    print(
        f"Thumbnails benchmark: moto S3 server in a separate process on 127.0.0.1, {os.cpu_count()} CPUs, "
        f"{args.images} JPEG images of {args.width} x {args.height}{' in django-filer' if args.filer else ''}, "
        f"aliases {', '.join(ALIASES)}; "
        f"warm_thumbnails with {args.workers} transfer threads and {args.processes} rendering processes"
    )
    print()
    columns = "".join(f"{f'{latency:g} ms/request':>24}" for latency in latencies)
    print(f"{'':<58}{columns}")

    def row(label: str, value) -> None:
        print(f"  {label:<56}" + "".join(f"{value(results[latency]):>24}" for latency in latencies))

    n = args.images
    row("sequential get_thumbnailer(image)[alias] loop, s", lambda r: f"{r['sequential']:.2f}")
    row("manage.py warm_thumbnails, s", lambda r: f"{r['warm']:.2f}")
    row("  speed-up", lambda r: f"{r['sequential'] / r['warm']:.2f}x")
    row("bound: transfers on raw boto3, same concurrency, s", lambda r: f"{r['transfers']:.2f}")
    row("bound: rendering alone, same processes, s", lambda r: f"{r['rendering']:.2f}")
    row("  warm_thumbnails / bound", lambda r: f"{r['warm'] / max(r['transfers'], r['rendering']):.2f}x")
    row("requests per image, sequential loop", lambda r: per_image(r["sequential requests"], n))
    row("requests per image, warm_thumbnails", lambda r: per_image(r["warm requests"], n))
    shown = min(args.page, n)
    row(f"page with {shown} warmed thumbnails: S3 requests", lambda r: str(sum(r["page requests"].values())))
    row(f"page with {shown} warmed thumbnails: s", lambda r: f"{r['page']:.3f}")
    row("warm_thumbnails peak memory growth, command process, MB", lambda r: f"{r['warm memory'][0]:.1f}")
    row("  with its rendering processes, MB", lambda r: f"{r['warm memory'][1]:.1f}")
    print()
    slow = results[latencies[-1]]
    speedup = slow["sequential"] / slow["warm"]
    to_bound = slow["warm"] / max(slow["transfers"], slow["rendering"])
    requests = slow["warm requests"]
    thumbnails = n * len(ALIASES)
    clean = requests["GET"] <= n and requests["PUT"] <= thumbnails and not (requests["HEAD"] or requests["DELETE"])
    memory = max(result["warm memory"][0] for result in results.values())
    print(
        f"At {latencies[-1]:g} ms: warm_thumbnails {speedup:.2f}x faster than the sequential loop "
        f"({verdict(speedup >= TARGET_SPEEDUP)} target: at least {TARGET_SPEEDUP:g}x), {to_bound:.2f}x the bound "
        f"({verdict(to_bound <= TARGET_BOUND)} target: at most {TARGET_BOUND:g}x)"
    )
    print(
        f"warm_thumbnails requests: {requests['GET']} GET for {n} images, {requests['PUT']} PUT for {thumbnails} "
        f"thumbnails, {requests['HEAD']} HEAD, {requests['DELETE']} DELETE ({verdict(clean)} target: at most one GET "
        "per image and one PUT per thumbnail, no HEAD, no DELETE)"
    )
    page = max(sum(result["page requests"].values()) for result in results.values())
    print(f"Page with {min(args.page, n)} warmed thumbnails: {page} S3 requests ({verdict(page == 0)} target: 0)")
    print(
        f"Peak memory growth of warm_thumbnails: {memory:.1f} MB in the command's process "
        f"({verdict(memory < TARGET_MEMORY_MB)} target: under {TARGET_MEMORY_MB} MB); with its rendering processes "
        f"{max(result['warm memory'][1] for result in results.values()):.1f} MB"
    )


def per_image(counts: Counter, images: int) -> str:
    methods = ", ".join(f"{counts[method] / images:g} {method}" for method in sorted(counts))
    return methods or "0"


if __name__ == "__main__":
    main()
