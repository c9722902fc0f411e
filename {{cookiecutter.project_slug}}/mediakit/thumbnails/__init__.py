"""Thumbnails made ahead of time, so that no page pays for one; named after easy-thumbnails' own roles.

- wanted.py: which images, and which sizes each of them wants.
- engine.py: easy-thumbnails' pixels and names, rendered from the bytes in hand, each original decoded once.
- source_generators.py: easy-thumbnails' PIL reader, logging why a thumbnail cannot be made.
- transfers.py: originals pulled, thumbnails written, concurrently, through the one door to S3.
- records.py: easy-thumbnails' tables, so that its lookups find what was made without a request.
- pipeline.py: one image (at upload, by a task) and many (manage.py warm_thumbnails, a worker's batch).
- signal_handlers.py: thumbnails made when an image is stored.
{%- if cookiecutter.use_filer %}
- filer.py: the sizes django-filer shows, and a filer image's EXIF from the upload in hand.
{%- endif %}
{%- if cookiecutter.private_media %}
- private.py: thumbnails of private files stay private.
{%- endif %}
"""
