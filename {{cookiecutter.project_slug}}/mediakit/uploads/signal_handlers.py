"""After a direct upload is saved, the thumbnails wing hears of it as of any upload: easy-thumbnails'
saved_file signal, which it listens to. Only where a worker makes the thumbnails (BROKER_URL): without
one, the web process would have to download the whole image to render them; there the thumbnails are
made when a page first asks for them, or by manage.py warm_thumbnails."""

from django.conf import settings
from django.db import models
from easy_thumbnails.signals import saved_file

from .files import DirectUpload


def announce_direct_uploads(sender, instance, raw=False, **kwargs) -> None:
    """post_save: send saved_file for each file of the instance that came by direct upload."""
    if raw or not settings.CELERY_BROKER_URL:
        return
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.FileField):
            continue
        value = instance.__dict__.get(field.attname)
        if isinstance(value, DirectUpload) and not value.announced:
            value.announced = True
            saved_file.send_robust(sender=sender, fieldfile=value)
