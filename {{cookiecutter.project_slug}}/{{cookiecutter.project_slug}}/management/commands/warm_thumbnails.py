"""manage.py warm_thumbnails: make the thumbnail aliases of existing images ahead of time, concurrently.

With a broker (BROKER_URL), the images are queued in batches for the Celery workers of every instance
(tasks.py), and the command follows them until they are done. Without one, the work is done here:
originals are pulled into a local folder on threads, rendered on several cores (worker processes),
written on threads and recorded in easy-thumbnails' tables, image after image as each step finishes,
with a bounded number of images in flight: memory and disk stay flat whatever the number of images.
"""

import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import django
from celery.result import ResultSet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils.functional import LazyObject, empty
{%- if cookiecutter.use_filer %}
from filer.models.abstract import BaseImage
{%- endif %}
from kombu.exceptions import OperationalError

from ... import thumbnails
from ...thumbnails import Rendered, reason

RECORD_BATCH = 20  # images recorded per transaction
QUEUE_BATCH = 20  # images per queued task: a few seconds of a worker's time, so batches spread over the workers


@dataclass
class Job:
    """One image on its way: pulled, rendered, published, recorded."""

    label: str
    instance: models.Model
    field_name: str
    wanted: dict[str, dict]
    local: Path | None = None
    pending: int = 0
    stored: list[Rendered] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def thumbnailer(self):
        return thumbnails.source_thumbnailer(getattr(self.instance, self.field_name))


class Command(BaseCommand):
    help = (
        "Make the thumbnail aliases (THUMBNAIL_ALIASES) of existing images ahead of time, so that no page waits "
        "for one: every image field on the media storage{% if cookiecutter.use_filer %} and filer's images{% endif %}, or the fields named."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "fields", nargs="*", metavar="app_label.Model.field", help="only these image fields (default: all)"
        )
        parser.add_argument(
            "--alias", action="append", dest="aliases", metavar="NAME", help="only this alias (repeat for more)"
        )
        parser.add_argument("--force", action="store_true", help="make them again even where they are recorded")
        parser.add_argument("--dry-run", action="store_true", help="count what would be made; make nothing")
        workers = thumbnails.WORKERS
        parser.add_argument("--workers", type=int, default=workers, help=f"concurrent transfers (default {workers})")
        parser.add_argument(
            "--processes", type=int, default=os.cpu_count() or 1, help="rendering processes (default: one per CPU)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=QUEUE_BATCH,
            help=f"with BROKER_URL: images per queued task (default {QUEUE_BATCH})",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="with BROKER_URL: queue the images and return at once"
        )

    def handle(self, *args, fields, aliases, force, dry_run, workers, processes, batch_size, no_wait, **options):
        if workers < 1 or processes < 1:
            raise CommandError("--workers and --processes take a whole number of at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size takes a whole number of at least 1.")
        queued = bool(settings.CELERY_BROKER_URL) and not dry_run
        if no_wait and not queued:
            raise CommandError("--no-wait needs a queue: set BROKER_URL (without it the images are made here).")
        sources = [self.image_field(label) for label in fields] if fields else default_image_fields()
        if aliases:
            known = {name for model, name in sources for name in all_aliases(model, name)}
            unknown = sorted(set(aliases) - known)
            if unknown:
                names = ", ".join(sorted(known))
                raise CommandError(f"Unknown alias {', '.join(map(repr, unknown))}: THUMBNAIL_ALIASES names {names}.")
        if queued:
            self.queue(sources, aliases, force, batch_size, wait=not no_wait)
            return
        started = time.monotonic()
        total = sum(images(model, name).count() for model, name in sources)
        progress = Progress(self.stdout, total)
        jobs = self.jobs(sources, aliases, force, progress)
        if dry_run:
            for job in jobs:
                progress.done(job, made=len(job.wanted))
            progress.finish(time.monotonic() - started, dry_run=True)
            return
        failed = Pipeline(workers, processes, progress).run(jobs)
        progress.finish(time.monotonic() - started)
        self.report({job.label: job.failures for job in failed}, total)

    def report(self, failures: dict[str, dict[str, str]], total: int) -> None:
        """The failures by image and alias, sorted by name (not by when they failed); an error if there are any."""
        for label, by_alias in sorted(failures.items()):
            for alias, why in sorted(by_alias.items()):
                self.stderr.write(f"{label} ({alias}): {why}")
        if failures:
            raise CommandError(f"{len(failures)} of {total} images failed (listed above); run again to retry them.")

    def queue(self, sources, aliases, force, batch_size: int, wait: bool) -> None:
        """The images in batches for the workers (ids only); then, unless told not to wait, their progress."""
        from ...tasks import warm_thumbnails_batch

        started, total, results, sizes = time.monotonic(), 0, [], {}
        try:
            for model, field_name in sources:
                pks = list(images(model, field_name).values_list("pk", flat=True))
                total += len(pks)
                for start in range(0, len(pks), batch_size):
                    batch = pks[start : start + batch_size]
                    arguments = (model._meta.label, field_name, batch, aliases, force)
                    results.append(warm_thumbnails_batch.apply_async(arguments, ignore_result=not wait))
                    sizes[results[-1].id] = len(batch)
        except OperationalError as error:
            raise CommandError(
                f"Could not queue the images: the broker (BROKER_URL) cannot be reached ({reason(error)}); "
                f"{len(results)} batches were queued before."
            ) from None
        queued = f"warm_thumbnails: queued {total} images in {len(results)} batches of up to {batch_size}."
        if not wait or not results:
            self.stdout.write(queued)
            return
        self.stdout.write(f"{queued} Waiting for the workers (Ctrl-C stops waiting; the batches stay queued).")
        progress, failures = Progress(self.stdout, total), {}

        def batch_done(task_id, result) -> None:
            if isinstance(result, BaseException):  # the batch itself failed (e.g. its worker died): all of it
                size = sizes[task_id]
                failures[f"a batch of {size} images ({task_id})"] = {"every alias": reason(result)}
                progress.add(images=size, thumbnails=0, skipped=0, failed=size)
                return
            failures.update(result["failures"])
            progress.add(result["images"], result["thumbnails"], result["skipped"], len(result["failures"]))

        # Results come back over the broker (settings.CELERY_RESULT_BACKEND, rpc://): no other service to run.
        ResultSet(results).join_native(callback=batch_done, propagate=False)
        progress.finish(time.monotonic() - started)
        self.report(failures, total)

    def image_field(self, label: str) -> tuple[type[models.Model], str]:
        try:
            app_label, model_name, field_name = label.split(".")
            model = apps.get_model(app_label, model_name)
            model_field = model._meta.get_field(field_name)
        except ValueError:
            raise CommandError(f"{label!r} is not app_label.Model.field (e.g. shop.Product.photo).") from None
        except (LookupError, FieldDoesNotExist) as error:
            raise CommandError(f"{label!r}: {error}") from None
        if not is_image_field(model, model_field):
            raise CommandError(f"{label!r} is not an image field.")
        return model, field_name

    def jobs(self, sources, aliases, force, progress):
        """Each image with the thumbnails it still needs (all of them with --force); the others count as done."""
        for model, field_name in sources:
            for instance in images(model, field_name).iterator(chunk_size=200):
                fieldfile = getattr(instance, field_name)
                wanted = thumbnails.wanted_thumbnails(fieldfile, aliases)
                if not force:
                    wanted = thumbnails.not_made_yet(thumbnails.source_thumbnailer(fieldfile), wanted)
                job = Job(fieldfile.name, instance, field_name, wanted)
                if wanted:
                    yield job
                else:
                    progress.done(job, made=0)


class Pipeline:
    """Pull, render and publish images concurrently, at most `window` of them in flight."""

    def __init__(self, workers: int, processes: int, progress: "Progress"):
        self.workers, self.processes, self.progress = workers, processes, progress
        self.window = workers + 2 * processes  # enough pulled ahead that rendering never waits
        self.per_storage = {}

    def run(self, jobs) -> list[Job]:
        scratch = Path(tempfile.mkdtemp(prefix="warm-thumbnails-"))
        transfers = ThreadPoolExecutor(self.workers, thread_name_prefix="warm-thumbnails")
        if self.processes > 1:
            # forkserver: workers are forks of a clean process with Django set up (_rendering_setup.py), not
            # of this one, whose threads and database connections a fork would copy. The forkserver imports
            # the project from the working folder (the project's root, as manage.py runs); elsewhere each
            # worker sets Django up itself (the initializer), which only takes longer.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([f"{__package__}._rendering_setup"])
            renderers = ProcessPoolExecutor(self.processes, mp_context=context, initializer=django.setup)
        else:
            renderers = ThreadPoolExecutor(1, thread_name_prefix="warm-thumbnails-render")
        steps, self.failed, self.unrecorded, self.in_flight, number = {}, [], [], 0, 0
        try:
            while True:
                while self.in_flight < self.window and (job := next(jobs, None)) is not None:
                    number += 1
                    job.local = scratch / f"{number}{Path(job.label).suffix}"
                    pull = self.transfer(thumbnails.puller, job.thumbnailer.source_storage)
                    pulled = transfers.submit(pull, job.label, job.local)
                    steps[pulled] = ("pull", job, None)
                    self.in_flight += 1
                if not steps:
                    break
                done, _ = wait(steps, return_when=FIRST_COMPLETED)
                for future in done:
                    step, job, rendered = steps.pop(future)
                    error = future.exception()
                    if step == "pull" and error is None:
                        rendering = (job.instance, job.field_name, job.local, job.wanted)
                        try:
                            steps[renderers.submit(thumbnails.render_file, *rendering)] = ("render", job, None)
                            continue
                        except BrokenProcessPool as broken:  # a rendering process died (out of memory?)
                            error = broken
                    if step == "render" and error is None:
                        job.local.unlink()
                        made, job.failures = future.result()
                        write = self.transfer(thumbnails.writer, job.thumbnailer.thumbnail_storage)
                        for thumbnail in made:
                            steps[transfers.submit(write, thumbnail)] = ("publish", job, thumbnail)
                        job.pending = len(made)
                    elif step == "publish":
                        job.pending -= 1
                        if error is None:
                            job.stored.append(rendered)
                        else:
                            job.failures[rendered.alias] = reason(error)
                    else:  # the pull or the rendering failed: nothing of this image was made
                        job.failures = {alias: reason(error) for alias in job.wanted}
                    if job.pending == 0:
                        self.finish(job)
                if len(self.unrecorded) >= RECORD_BATCH or (self.unrecorded and not steps):
                    self.record()
        finally:
            transfers.shutdown(cancel_futures=True)
            renderers.shutdown(cancel_futures=True)
            shutil.rmtree(scratch, ignore_errors=True)
        return self.failed

    def finish(self, job: Job) -> None:
        self.in_flight -= 1
        self.unrecorded.append(job)

    def record(self) -> None:
        """Record the finished images together (in this thread: the connection is this thread's); if that fails,
        one by one, so that the images that cannot be recorded are named."""
        stored = [job for job in self.unrecorded if job.stored]
        try:
            if stored:
                thumbnails.record_many([(job.thumbnailer, job.stored) for job in stored])
        except Exception:
            for job in stored:
                try:
                    thumbnails.record(job.thumbnailer, job.stored)
                except Exception as error:
                    job.failures |= {made.alias: f"stored, but not recorded: {reason(error)}" for made in job.stored}
                    job.stored = []
        for job in self.unrecorded:
            self.progress.done(job, made=len(job.stored))
            if job.failures:
                self.failed.append(job)
        self.unrecorded = []

    def transfer(self, make, storage):
        """thumbnails.puller(storage) or .writer(storage), made once per storage, in this thread."""
        key = (make, id(storage))
        if key not in self.per_storage:
            self.per_storage[key] = (storage, make(storage))  # holding the storage keeps its id unique
        return self.per_storage[key][1]


class Progress:
    """A one-line progress bar on a terminal; elsewhere (logs, cron) only the summary line at the end.

    Hand-written: one self-redrawing line does not need a dependency.
    """

    WIDTH = 30

    def __init__(self, out, total: int):
        self.out, self.total = out, total
        self.images = self.thumbnails = self.skipped = self.failed = 0
        self.on_terminal = out.isatty()
        self.drawn = 0.0

    def done(self, job: Job, made: int) -> None:
        self.add(images=1, thumbnails=made, skipped=int(not job.wanted), failed=int(bool(job.failures)))

    def add(self, images: int, thumbnails: int, skipped: int, failed: int) -> None:
        self.images += images
        self.thumbnails += thumbnails
        self.skipped += skipped
        self.failed += failed
        if self.on_terminal and (time.monotonic() - self.drawn > 0.1 or self.images == self.total):
            self.drawn = time.monotonic()
            filled = self.WIDTH * self.images // max(self.total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.out.write(
                f"\r[{bar}] {self.images}/{self.total} images, {self.thumbnails} thumbnails, {self.failed} failed",
                ending="",
            )
            self.out.flush()

    def finish(self, seconds: float, dry_run: bool = False) -> None:
        if self.on_terminal and self.images:
            self.out.write("")  # end the bar's line
        made = "would make" if dry_run else "made"
        self.out.write(
            f"warm_thumbnails: {made} {self.thumbnails} thumbnails of {self.images - self.skipped} images "
            f"({self.skipped} already had theirs, {self.failed} failed) in {seconds:.1f} s"
        )


def default_image_fields() -> list[tuple[type[models.Model], str]]:
    """Every image field of the installed models on the media storage{% if cookiecutter.use_filer %}, and filer's images{% endif %}."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
{%- if cookiecutter.use_filer %}
        if issubclass(model, BaseImage):
            found.append((model, "file"))
            continue
{%- endif %}
        for model_field in model._meta.get_fields(include_parents=False):
            if is_image_field(model, model_field) and _unwrapped(model_field.storage) is storages["default"]:
                found.append((model, model_field.name))
    return found


def is_image_field(model, model_field) -> bool:
{%- if cookiecutter.use_filer %}
    if issubclass(model, BaseImage) and model_field.name == "file":
        return True  # filer's images keep their file in a (non-image) file field of its File model
{%- endif %}
    return isinstance(model_field, models.ImageField)


def images(model, field_name: str):
    return model._default_manager.exclude(**{field_name: ""}).exclude(**{f"{field_name}__isnull": True}).order_by("pk")


def all_aliases(model, field_name: str) -> set[str]:
    from easy_thumbnails.alias import aliases

    return set(aliases.all(f"{model._meta.app_label}.{model.__name__}.{field_name}", include_global=True))


def _unwrapped(storage):
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage
