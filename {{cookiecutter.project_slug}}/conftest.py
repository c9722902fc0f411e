"""Test session set-up: start a real S3 server before Django's settings load.

The server is strict as several S3-compatible services are (tests/support/faulty_s3_server.py): it refuses
the checksum headers and aws-chunked bodies boto3 sends by default, so every test shows that the
project's requests to an endpoint other than AWS pass there.

The settings read DEFAULT_STORAGE_DSN when they are imported{% if cookiecutter.use_filer %} (and django-filer builds its storages){% endif %}.
So the server must run, and the variable point at it, before Django is set up; pytest-django
then finds Django ready."""

import os

import django
import pytest
from hypothesis import settings

from tests.support.s3_server import FaultyS3Server, S3Server

# In CI, hypothesis draws the same examples on every run: a red CI then means a change, not a new draw.
# Locally the draws vary, so that new cases keep being tried.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    server = FaultyS3Server.start()
    config.add_cleanup(server.stop)
    config.stash[S3Server.stash_key] = server
    os.environ["DEFAULT_STORAGE_DSN"] = server.dsn(S3Server.MEDIA_BUCKET)
{%- if cookiecutter.private_media %}
    os.environ["PRIVATE_STORAGE_DSN"] = server.dsn(S3Server.PRIVATE_BUCKET)
{%- endif %}
    # The project's settings plus test-only models with file fields (the project itself has none).
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.gallery.settings"
    django.setup()


@pytest.fixture
def s3_server(request) -> S3Server:
    """The S3 server, emptied before the test (the buckets exist, with nothing in them)."""
    server = request.config.stash[S3Server.stash_key]
    server.reset()
    return server
