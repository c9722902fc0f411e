"""manage.py warm_thumbnails: make the thumbnail aliases of existing images ahead of time, concurrently.

Without a broker, here, on every CPU (thumbnails/pipeline.py). With one (BROKER_URL), the images are queued
in batches for the Celery workers of every instance (tasks.py), and the command follows them until they
are done.
"""

import os
import time

from celery.result import ResultSet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from kombu.exceptions import OperationalError

from ...thumbnails import pipeline
from ...thumbnails.engine import reason
from ...thumbnails.pipeline import Job, Pipeline
from ...thumbnails.transfers import WORKERS
from ...thumbnails.wanted import all_aliases, default_image_fields, images, is_image_field

QUEUE_BATCH = 20  # images per queued task: a few seconds of a worker's time, so batches spread over the workers


class Command(BaseCommand):
{%- if cookiecutter.use_filer %}
    help = (
        "Make the thumbnail aliases (THUMBNAIL_ALIASES) of existing images ahead of time, so that no page waits "
        "for one: every image field on the media storage and filer's images, or the fields named."
    )
{%- else %}
    help = (
        "Make the thumbnail aliases (THUMBNAIL_ALIASES) of existing images ahead of time, so that no page waits "
        "for one: every image field on the media storage, or the fields named."
    )
{%- endif %}

    def add_arguments(self, parser):
        parser.add_argument(
            "fields", nargs="*", metavar="app_label.Model.field", help="only these image fields (default: all)"
        )
        parser.add_argument(
            "--alias", action="append", dest="aliases", metavar="NAME", help="only this alias (repeat for more)"
        )
        parser.add_argument("--force", action="store_true", help="make them again even where they are recorded")
        parser.add_argument("--dry-run", action="store_true", help="count what would be made; make nothing")
        parser.add_argument("--workers", type=int, default=WORKERS, help=f"concurrent transfers (default {WORKERS})")
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
        for model, field_name in sources:
            instances = images(model, field_name).iterator(chunk_size=200)
            yield from pipeline.jobs(instances, field_name, aliases, force, progress)


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
