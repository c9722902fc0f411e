"""Thumbnails that cannot be made are logged with the file's name and the reason.

easy-thumbnails replaces a source generator's error by "The source file does not appear to be an
image", and its template tag then swallows even that: a broken source, or a storage that cannot be
read, would leave pages without thumbnails and no trace.
{%- if cookiecutter.use_filer %} django-filer swallows it too.{% endif %}
"""

import logging

from easy_thumbnails import source_generators

from ..storage.s3 import configured_secrets, mask_credentials
{%- if cookiecutter.private_media %}
from .private import refuse_public_thumbnail_of_private_file
{%- endif %}

logger = logging.getLogger(__name__)


def pil_image(source, **options):
{%- if cookiecutter.private_media %}
    """easy-thumbnails' own PIL source generator (THUMBNAIL_SOURCE_GENERATORS), logging its failures.

    It runs before any thumbnail is written: a private file's thumbnail bound for a public storage stops here.
    """
{%- else %}
    """easy-thumbnails' own PIL source generator (THUMBNAIL_SOURCE_GENERATORS), logging its failures."""
{%- endif %}
    try:
{%- if cookiecutter.private_media %}
        refuse_public_thumbnail_of_private_file(source)
{%- endif %}
        return source_generators.pil_image(source, **options)
    except Exception as error:
        name = getattr(source, "name", source)
        reason = mask_credentials(str(error), configured_secrets())  # a service may echo the access key
        logger.error("Cannot make a thumbnail of %s: %s: %s", name, type(error).__name__, reason)
        raise
