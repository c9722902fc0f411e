"""The thumbnails wing's signal handlers (connected in apps.py): thumbnails made when an image is stored.

At upload every alias is rendered from the uploaded bytes (no read of the original) and written concurrently
(pipeline.py). A thumbnail that cannot be made is logged and left to easy-thumbnails' on-demand path.
{%- if cookiecutter.use_filer %}

The focal point (subject_location) is part of a thumbnail's options, so of its name: thumbnails made for the
old point are not found for the new one. Rather than leave them to the next page that shows the image (made
there, inside the request, one after another), they are made when the image is saved with a new point.
{%- endif %}
"""

import logging

from django.db import models

from . import pipeline, wanted
from .engine import reason

logger = logging.getLogger(__name__)
UPLOADED = "_thumbnail_sources"  # where keep_uploaded_content() leaves the content on the instance
{%- if cookiecutter.use_filer %}
LOADED = "_focal_point_loaded"  # a filer image's subject_location as it was loaded
{%- endif %}


def keep_uploaded_content(sender, instance, **kwargs) -> None:
    """pre_save handler: hold on to the content of each image about to be stored, for make_thumbnails_on_upload.

    Once stored, the model's field is a new FieldFile with only a name: reading it would be a GET.
    """
    for model_field in sender._meta.concrete_fields:
        if isinstance(model_field, models.FileField):
            fieldfile = getattr(instance, model_field.attname)
            content = getattr(fieldfile, "_file", None)
            if fieldfile and not fieldfile._committed and content is not None and wanted.is_image(fieldfile):
                instance.__dict__.setdefault(UPLOADED, {})[model_field.name] = content


def make_thumbnails_on_upload(sender, fieldfile, **kwargs) -> None:
    """saved_file handler: every alias of an image just stored, from the uploaded bytes, written concurrently.

    A thumbnail that cannot be made is logged and left to easy-thumbnails' on-demand path; the upload stands.
    """
    content = fieldfile.instance.__dict__.get(UPLOADED, {}).pop(fieldfile.field.name, None)
    if not fieldfile or not wanted.is_image(fieldfile):
        return
    try:
        failures = pipeline.make_thumbnails(fieldfile, content, source_changed=True)[1]
    except Exception as error:
        logger.warning("Could not make thumbnails of %s at upload: %s", fieldfile.name, reason(error))
        return
    for alias, why in failures.items():
        logger.warning("Could not make the %r thumbnail of %s at upload: %s", alias, fieldfile.name, why)
{%- if cookiecutter.use_filer %}


def remember_focal_point(sender, instance, **kwargs) -> None:
    """post_init handler: note the focal point the image has when loaded."""
    instance.__dict__[LOADED] = instance.subject_location


def follow_focal_point(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save handler: an image saved with a new focal point gets the thumbnails for it."""
    moved = instance.subject_location != instance.__dict__.get(LOADED)
    instance.__dict__[LOADED] = instance.subject_location
    if created or raw or not moved or not instance.file:
        return  # a new image gets all of its thumbnails from its upload (make_thumbnails_on_upload)
    try:
        failures = pipeline.make_missing_thumbnails(instance.file)
    except Exception as error:  # the editor's change stands; the thumbnails are left to the pages
        logger.warning("Could not make thumbnails of %s for its focal point: %s", instance.file.name, reason(error))
        return
    for alias, why in failures.items():
        logger.warning("Could not make the %r thumbnail of %s for its focal point: %s", alias, instance.file.name, why)
{%- endif %}
