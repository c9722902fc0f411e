"""Benchmark the thumbnails' work on Celery workers (BROKER_URL) against the same work in-process.

    python benchmarks/worker_queue.py                          # uploads of 4000 x 3000, warm 40 images of 1000 x 750
    python benchmarks/worker_queue.py --uploads 1 --images 4 --width 640 --height 480   # a quick check

Bakes the template (a model's ImageField, the test-only gallery app; --filer for django-filer's images) into a
temporary folder and starts, on 127.0.0.1, what the baked project's tests start: its S3 test server (moto behind
the fault injector, holding every request --latency-ms), a PostgreSQL server and RabbitMQ (Debian's packages;
RabbitMQ starts as root), and real `celery worker` processes. Measured side by side in one run:
- the upload request of a --upload-width x --upload-height image, with and without the queue: the request's
  time, and with the queue the worker's time for the same thumbnails (Celery's own task runtime);
- `manage.py warm_thumbnails --force` on --images images through one worker process, then two
  (CELERYD_CONCURRENCY), then in-process without a broker: the scale-out ratio.
Prints the figures and the ratios. The machine's CPUs bound the scale-out: see the note it prints.
"""

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from common import bake, require_test_packages, s3_test_server  # benchmarks/common.py


def main() -> None:
    args = parse_args()
    require_test_packages("worker_queue.py")
    if os.geteuid() != 0:
        sys.exit("benchmarks/worker_queue.py: run it as root (RabbitMQ starts as root, then runs as user rabbitmq)")
    with tempfile.TemporaryDirectory(prefix="queue-benchmark-") as scratch:
        project = args.project or bake(Path(scratch), use_filer=args.filer)
        with s3_test_server(project) as server:
            from tests.support.postgres_server import PostgresServer, find_bindir
            from tests.support.rabbitmq_server import RabbitMQServer, unavailable

            if unavailable() or find_bindir() is None:
                sys.exit(f"benchmarks/worker_queue.py: {unavailable() or 'no PostgreSQL: apt-get install postgresql'}")
            postgres = PostgresServer(find_bindir()).start()
            rabbitmq = RabbitMQServer().start()
            try:
                run(args, project, server, postgres, rabbitmq)
            finally:
                rabbitmq.stop()
                postgres.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=3, help="uploads measured each way (default 3)")
    parser.add_argument("--upload-width", type=int, default=4000, help="uploaded image width (default 4000)")
    parser.add_argument("--upload-height", type=int, default=3000, help="uploaded image height (default 3000)")
    parser.add_argument("--images", type=int, default=40, help="images warm_thumbnails makes (default 40)")
    parser.add_argument("--width", type=int, default=1000, help="their width (default 1000)")
    parser.add_argument("--height", type=int, default=750, help="their height (default 750)")
    parser.add_argument("--batch-size", type=int, default=5, help="images per queued task (default 5)")
    parser.add_argument("--latency-ms", type=float, default=20, help="delay of every S3 request (default 20 ms)")
    parser.add_argument("--filer", action="store_true", help="django-filer's images (default: a model's ImageField)")
    parser.add_argument("--project", type=Path, help="an already baked project (default: bake one)")
    return parser.parse_args()


def run(args, project: Path, server, postgres, rabbitmq) -> None:
    from tests.support.celery_worker import CeleryWorker, wait_until
    from tests.support.project import manage, project_environ

    environ = project_environ(
        PYTHONPATH=str(project),
        DATABASE_URL=postgres.url,
        DEFAULT_STORAGE_DSN=server.dsn(server.MEDIA_BUCKET),
        LOG_LEVEL="INFO",
        **({} if args.filer else {"DJANGO_SETTINGS_MODULE": "tests.gallery.settings"}),
    )
    queued = {**environ, "BROKER_URL": rabbitmq.url}
    manage("migrate", "--noinput", check=True, **environ)
    server.add_latency(args.latency_ms / 1000)
    size = (args.upload_width, args.upload_height)

    in_request = uploads(environ, args.uploads, size, args.filer)
    queued_request = uploads(queued, args.uploads, size, args.filer)
    with CeleryWorker({**queued, "CELERYD_CONCURRENCY": "1"}) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the upload tasks", timeout=600)
    succeeded = re.findall(r"make_upload_thumbnails\[.*\] succeeded in ([\d.]+)s", worker.output)
    on_worker = [float(seconds) for seconds in succeeded]

    store = f"from tests.support.images import image_bytes; data = image_bytes(size=({args.width}, {args.height}))\n"
    store += STORE_FILER if args.filer else STORE_PHOTOS
    manage("shell", "--no-imports", "-c", store.replace("COUNT", str(args.images)), check=True, **environ)
    warm = ["warm_thumbnails", "--force", f"--batch-size={args.batch_size}"]
    warmed = {}
    for processes in (1, 2):
        with CeleryWorker({**queued, "CELERYD_CONCURRENCY": str(processes)}):
            warmed[processes] = command_seconds(manage(*warm, check=True, **queued).stdout)
    warmed["here"] = command_seconds(manage(*warm, check=True, **environ).stdout)  # no broker: its own pipeline

    kind = "django-filer images" if args.filer else "ImageField uploads"
    print(f"{kind}, {args.latency_ms:g} ms per S3 request, {os.cpu_count()} CPUs\n")
    print(f"Upload request of a {size[0]} x {size[1]} JPEG ({args.uploads} each way, mean):")
    print(f"  without the queue (renders in the request)  {mean(in_request):7.2f} s")
    print(f"  with the queue (queued on commit)           {mean(queued_request):7.2f} s")
    print(f"  the worker's time for its thumbnails         {mean(on_worker):7.2f} s")
    print(f"  the request is {mean(in_request) / mean(queued_request):.1f}x faster with the queue\n")
    images = f"{args.images} images of {args.width} x {args.height}"
    print(f"warm_thumbnails --force, {images}, batches of {args.batch_size}:")
    print(f"  through 1 worker process    {warmed[1]:7.2f} s")
    print(f"  through 2 worker processes  {warmed[2]:7.2f} s")
    print(f"  in-process, no broker       {warmed['here']:7.2f} s")
    print(f"  scale-out, 1 -> 2 worker processes: {warmed[1] / warmed[2]:.2f}x")
    print(
        "Note: the workers share this machine's CPUs with the command, the S3 and database servers; rendering is\n"
        "CPU-bound, so processes beyond the CPUs add little here. On the platform each instance brings its own\n"
        "CPUs (CELERYD_CONCURRENCY processes each): the batches spread over instances until S3 or the database\n"
        "is the limit, which this machine cannot show."
    )


STORE_PHOTOS = """
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from tests.gallery.models import Photo
names = [storages["default"].save(f"photos/{n}.jpg", ContentFile(data)) for n in range(COUNT)]
Photo.objects.bulk_create(Photo(title=name, image=name) for name in names)
"""
STORE_FILER = """
from django.core.files.base import ContentFile
from easy_thumbnails.signals import saved_file
from filer.models import Image
saved_file.receivers.clear()  # stored as an import leaves them: no thumbnails, none queued
for n in range(COUNT):
    Image.objects.create(file=ContentFile(data, name=f"{n}.jpg"), original_filename=f"{n}.jpg")
"""
UPLOAD = """
import json, time
from django.core.files.base import ContentFile
from tests.support.images import image_bytes
data = image_bytes(size=SIZE)
times = []
for n in range(COUNT):
    started = time.perf_counter()
    UPLOAD_ONE
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""
UPLOAD_PHOTO = "Photo(title=f'{n}.jpg', image=ContentFile(data, name=f'{n}.jpg')).save()"
UPLOAD_FILER = "Image.objects.create(file=ContentFile(data, name=f'{n}.jpg'), original_filename=f'{n}.jpg')"


def uploads(environ: dict, count: int, size: tuple[int, int], filer: bool) -> list[float]:
    """The time of each upload's save (what the request spends on it), in a site process."""
    from tests.support.project import manage

    model = "from filer.models import Image\n" if filer else "from tests.gallery.models import Photo\n"
    code = model + UPLOAD.replace("SIZE", repr(size)).replace("COUNT", str(count))
    code = code.replace("UPLOAD_ONE", UPLOAD_FILER if filer else UPLOAD_PHOTO)
    result = manage("shell", "--no-imports", "-c", code, check=True, **environ)
    return json.loads(result.stdout.strip().splitlines()[-1])


def command_seconds(output: str) -> float:
    """The time warm_thumbnails reports (from listing the images to the last one done; not Python's start-up)."""
    return float(re.search(r"failed\) in (\d+\.\d) s", output)[1])


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


if __name__ == "__main__":
    main()
