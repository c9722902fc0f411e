"""When an editor moves a filer image's focal point, its thumbnails follow at once.

The focal point (subject_location) is part of a thumbnail's options, so of its name: thumbnails made
for the old point are not found for the new one. Rather than leave them to the next page that shows the
image (made there, inside the request, one after another), they are made when the image is saved with
a new point: one read of the original, then the thumbnails written concurrently (thumbnails.py).
"""

import logging

from .thumbnails import make_missing_thumbnails, reason

logger = logging.getLogger(__name__)
LOADED = "_focal_point_loaded"  # the image's subject_location as it was loaded


def remember_focal_point(sender, instance, **kwargs) -> None:
    """post_init handler: note the focal point the image has when loaded."""
    instance.__dict__[LOADED] = instance.subject_location


def follow_focal_point(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save handler: an image saved with a new focal point gets the thumbnails for it."""
    moved = instance.subject_location != instance.__dict__.get(LOADED)
    instance.__dict__[LOADED] = instance.subject_location
    if created or raw or not moved or not instance.file:
        return  # a new image gets all of its thumbnails from its upload (thumbnails.make_thumbnails_on_upload)
    try:
        failures = make_missing_thumbnails(instance.file)
    except Exception as error:  # the editor's change stands; the thumbnails are left to the pages
        logger.warning("Could not make thumbnails of %s for its focal point: %s", instance.file.name, reason(error))
        return
    for alias, why in failures.items():
        logger.warning("Could not make the %r thumbnail of %s for its focal point: %s", alias, instance.file.name, why)
