"""Media work for the Celery workers (celery.py), when BROKER_URL is set: images named by ids, never sent.

The work itself is thumbnails/pipeline.py's make_thumbnails(), the pipeline the in-process paths use. A task is
safe to run twice (a redelivery after a worker died, two workers on one image): it writes the same objects under
the same names and updates the same rows. A task that fails logs one line and is not retried: the thumbnails it
could not make are left to easy-thumbnails' on-demand path and the next `manage.py warm_thumbnails`.
"""

{% if cookiecutter.use_filer -%}
import hashlib
{% endif -%}
import logging

from celery import shared_task
from django.apps import apps
from django.db import transaction

from .thumbnails import pipeline
from .thumbnails.engine import reason
from .thumbnails.transfers import WORKERS
from .thumbnails.wanted import is_image

logger = logging.getLogger(__name__)
{%- if cookiecutter.use_filer %}
CHECKSUM_CHUNK = 1024 * 1024
{%- endif %}


def queue_thumbnails_on_upload(sender, fieldfile, **kwargs) -> None:
    """saved_file handler: the image's thumbnails queued once the upload is committed; the request renders nothing.

    If the broker cannot be reached the upload stands: it is logged, and pages make the thumbnails on demand.
    """
    if not fieldfile or not is_image(fieldfile):
        return
    instance, name = fieldfile.instance, fieldfile.name
    image = (instance._meta.label, instance.pk, fieldfile.field.name)

    def send() -> None:
        try:
            make_upload_thumbnails.delay(*image)
        except Exception as error:  # the broker is down or refuses us: not the upload's failure
            logger.warning("Could not queue the thumbnails of %s (pages will make them): %s", name, reason(error))

    transaction.on_commit(send)


@shared_task
def make_upload_thumbnails(model_label: str, pk, field_name: str) -> None:
    """Every alias of an image just uploaded (the source is new: every earlier thumbnail of it is out of date)."""
    fieldfile = _stored_image(model_label, pk, field_name)
    if fieldfile is None:
        return
    try:
        failures = pipeline.make_thumbnails(fieldfile, source_changed=True)[1]
    except Exception as error:
        failures = {"every alias": reason(error)}
    if failures:
        logger.warning("Could not make thumbnails of %s: %s", fieldfile.name, _listed(failures))


{%- if cookiecutter.use_filer %}


@shared_task
def filer_checksum(pk) -> None:
    """filer's sha1 of a file uploaded directly to the bucket (the web process never read it): read once, here."""
    from filer.models import File

    file = File.objects.filter(pk=pk).first()
    if file is None:
        return
    digest = hashlib.sha1()  # noqa: S324 -- filer's own checksum, for spotting duplicates, not for security
    with file.file.storage.open(file.file.name, "rb") as content:
        for chunk in iter(lambda: content.read(CHECKSUM_CHUNK), b""):
            digest.update(chunk)
    File.objects.filter(pk=pk, file=file.file.name).update(sha1=digest.hexdigest())  # unless replaced meanwhile
{%- endif %}


@shared_task(ignore_result=False)
def warm_thumbnails_batch(model_label: str, field_name: str, pks: list, aliases: list | None, force: bool) -> dict:
    """The thumbnails a batch of images still needs (all of them with force), for manage.py warm_thumbnails: through
    the command's own pipeline (transfers overlap the rendering), rendering in this worker process.

    Returns counts and the failures by image and alias, which the command shows as it does for its own work.
    """
    images = apps.get_model(model_label)._default_manager.filter(pk__in=pks).exclude(**{field_name: ""})
    tally = Tally()
    jobs = pipeline.jobs(images.order_by("pk"), field_name, aliases, force, tally)
    pipeline.Pipeline(WORKERS, 1, tally).run(jobs)
    for name, failures in sorted(tally.failures.items()):
        logger.warning("Could not make thumbnails of %s: %s", name, _listed(failures))
    gone = len(pks) - tally.images  # deleted (or emptied) since the command listed them
    return {
        "images": len(pks),
        "thumbnails": tally.thumbnails,
        "skipped": tally.skipped + gone,
        "failures": tally.failures,
    }


class Tally:
    """What the pipeline reports of a batch, image by image (as to warm_thumbnails' progress bar)."""

    def __init__(self):
        self.images = self.thumbnails = self.skipped = 0
        self.failures: dict[str, dict[str, str]] = {}

    def done(self, job, made: int) -> None:
        self.images += 1
        self.thumbnails += made
        self.skipped += not job.wanted
        if job.failures:
            self.failures[job.label] = job.failures


def _stored_image(model_label: str, pk, field_name: str):
    instance = apps.get_model(model_label)._default_manager.filter(pk=pk).first()
    fieldfile = getattr(instance, field_name, None)
    return fieldfile or None


def _listed(failures: dict[str, str]) -> str:
    """The failures of one image on one line; one reason shared by every alias is said once."""
    reasons = set(failures.values())
    if len(reasons) == 1:
        return f"{', '.join(sorted(failures))}: {reasons.pop()}"
    return "; ".join(f"{alias}: {why}" for alias, why in sorted(failures.items()))


@shared_task
def collect_unused_media() -> None:
    """The periodic collector (CELERY_BEAT_SCHEDULE): `manage.py media_cleanup --delete --no-input` on a worker.

    A run that finds another running (on another instance) logs it and leaves the work to that one.
    """
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("media_cleanup", "--delete", "--no-input")
    except CommandError as refusal:
        logger.warning("media_cleanup: %s", refusal)
