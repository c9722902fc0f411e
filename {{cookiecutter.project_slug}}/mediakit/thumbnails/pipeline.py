"""The pipelines of thumbnails made ahead: for one image (make_thumbnails), and for many (Pipeline).

make_thumbnails() is what an upload, a moved focal point and the upload task share: the wanted thumbnails of
one image rendered from one read of its bytes, written concurrently and recorded.

The bulk pipeline pulls, renders, publishes and records many images concurrently. `manage.py warm_thumbnails`
runs it on the machine it is started on; with a broker, each task of a queued warm run (tasks.py) runs it on its
batch of images, on the worker that took the batch. Originals are pulled into a local folder on threads,
rendered (on several cores when given processes), written on threads and recorded in easy-thumbnails' tables,
image after image as each step finishes, with a bounded number of images in flight: memory and disk stay flat
whatever the number of images.
"""

import multiprocessing
import shutil
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import models

from . import records, transfers, wanted
from .engine import Rendered, reason, render

RECORD_BATCH = 20  # images recorded per transaction
{%- if cookiecutter.use_filer %}


def make_missing_thumbnails(fieldfile) -> dict[str, str]:
    """Every wanted thumbnail of a stored image not made yet, from one read of the original; failures by alias."""
    missing = wanted.not_made_yet(wanted.source_thumbnailer(fieldfile), wanted.wanted_thumbnails(fieldfile))
    return make_thumbnails(fieldfile, sizes=missing)[1]
{%- endif %}


def make_thumbnails(
    fieldfile, content=None, *, sizes: dict[str, dict] | None = None, source_changed: bool = False
) -> tuple[int, dict[str, str]]:
    """The pipeline the upload handler, the focal point and the upload task (tasks.py) share: the wanted thumbnails
    (default: every alias) of a stored image, rendered from one read of its bytes (`content` if in hand),
    written concurrently and recorded. How many were made, and the failures by alias."""
    if sizes is None:
        sizes = wanted.wanted_thumbnails(fieldfile)
    if not sizes:
        return 0, {}
    thumbnailer = wanted.source_thumbnailer(fieldfile)
    made, failures = render(thumbnailer, transfers.read(content, fieldfile), sizes)
    failures |= transfers.publish(thumbnailer.thumbnail_storage, made)
    stored = [thumbnail for thumbnail in made if thumbnail.alias not in failures]
    records.record(thumbnailer, stored, source_changed=source_changed)
    return len(stored), failures


def render_file(instance, field_name: str, source: Path, sizes: dict[str, dict]) -> tuple[list[Rendered], dict]:
    """render() for a model's image whose original was pulled to a local file (runs in a worker process)."""
    return render(wanted.source_thumbnailer(getattr(instance, field_name)), source.read_bytes(), sizes)


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
        return wanted.source_thumbnailer(getattr(self.instance, self.field_name))


def jobs(instances, field_name: str, aliases, force: bool, progress):
    """Each image with the thumbnails it still needs (all of them with force); the others count as done."""
    for instance in instances:
        fieldfile = getattr(instance, field_name)
        sizes = wanted.wanted_thumbnails(fieldfile, aliases)
        if not force:
            sizes = wanted.not_made_yet(wanted.source_thumbnailer(fieldfile), sizes)
        job = Job(fieldfile.name, instance, field_name, sizes)
        if sizes:
            yield job
        else:
            progress.done(job, made=0)


class Pipeline:
    """Pull, render and publish images concurrently, at most `window` of them in flight."""

    def __init__(self, workers: int, processes: int, progress):
        self.workers, self.processes, self.progress = workers, processes, progress
        self.window = workers + 2 * processes  # enough pulled ahead that rendering never waits
        self.per_storage = {}

    def run(self, jobs) -> list[Job]:
        scratch = Path(tempfile.mkdtemp(prefix="warm-thumbnails-"))
        io = ThreadPoolExecutor(self.workers, thread_name_prefix="warm-thumbnails")
        if self.processes > 1:
            # forkserver: workers are forks of a clean process with Django set up (rendering_setup.py), not
            # of this one, whose threads and database connections a fork would copy. The forkserver imports
            # the project from the working folder (the project's root, as manage.py runs); elsewhere each
            # worker sets Django up itself (the initializer), which only takes longer.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([f"{__package__}.rendering_setup"])
            renderers = ProcessPoolExecutor(self.processes, mp_context=context, initializer=django.setup)
        else:
            renderers = ThreadPoolExecutor(1, thread_name_prefix="warm-thumbnails-render")
        steps, self.failed, self.unrecorded, self.in_flight, number = {}, [], [], 0, 0
        try:
            while True:
                while self.in_flight < self.window and (job := next(jobs, None)) is not None:
                    number += 1
                    job.local = scratch / f"{number}{Path(job.label).suffix}"
                    pull = self.transfer(transfers.puller, job.thumbnailer.source_storage)
                    pulled = io.submit(pull, job.label, job.local)
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
                            steps[renderers.submit(render_file, *rendering)] = ("render", job, None)
                            continue
                        except BrokenProcessPool as broken:  # a rendering process died (out of memory?)
                            error = broken
                    if step == "render" and error is None:
                        job.local.unlink()
                        made, job.failures = future.result()
                        write = self.transfer(transfers.writer, job.thumbnailer.thumbnail_storage)
                        for thumbnail in made:
                            steps[io.submit(write, thumbnail)] = ("publish", job, thumbnail)
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
            io.shutdown(cancel_futures=True)
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
                records.record_many([(job.thumbnailer, job.stored) for job in stored])
        except Exception:
            for job in stored:
                try:
                    records.record(job.thumbnailer, job.stored)
                except Exception as error:
                    job.failures |= {made.alias: f"stored, but not recorded: {reason(error)}" for made in job.stored}
                    job.stored = []
        for job in self.unrecorded:
            self.progress.done(job, made=len(job.stored))
            if job.failures:
                self.failed.append(job)
        self.unrecorded = []

    def transfer(self, make, storage):
        """transfers.puller(storage) or .writer(storage), made once per storage, in this thread."""
        key = (make, id(storage))
        if key not in self.per_storage:
            self.per_storage[key] = (storage, make(storage))  # holding the storage keeps its id unique
        return self.per_storage[key][1]
