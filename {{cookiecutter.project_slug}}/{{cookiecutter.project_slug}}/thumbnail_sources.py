"""Thumbnails that cannot be made are logged with the file's name and the reason.

easy-thumbnails replaces a source generator's error by "The source file does not appear to be an
image", and its template tag{% if cookiecutter.use_filer %} and django-filer{% endif %} then swallow even that: a broken
source, or a storage that cannot be read, would leave pages without thumbnails and no trace.
"""

import logging

from easy_thumbnails import source_generators

logger = logging.getLogger(__name__)


def pil_image(source, **options):
    """easy-thumbnails' own PIL source generator (THUMBNAIL_SOURCE_GENERATORS), logging its failures."""
    try:
        return source_generators.pil_image(source, **options)
    except Exception as error:
        name = getattr(source, "name", source)
        logger.error("Cannot make a thumbnail of %s: %s: %s", name, type(error).__name__, error)
        raise
