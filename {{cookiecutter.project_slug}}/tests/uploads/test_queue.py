"""A direct upload on a site with a broker (BROKER_URL): once saved, its thumbnails are made by a worker, and the
web process reads nothing of the file. Real processes: RabbitMQ on loopback, a site (runserver) and a `celery worker`
sharing one PostgreSQL database and the S3 server."""

{% if cookiecutter.use_filer -%}
import hashlib
{% endif -%}
import itertools
import re

import pytest

from ..support.celery_worker import CeleryWorker, wait_until
from ..support.django_server import DjangoServer, prepare_database
from ..support.http_client import AdminSession
from ..support.images import image_bytes
from ..support.project import PROJECT, manage, project_environ
from .helpers import upload_over_http

ALIASES = 3  # THUMBNAIL_ALIASES: small, medium, large
DATABASES = itertools.count()  # each test's own database


@pytest.fixture
def site(postgres, rabbitmq, s3_server):
    environ = project_environ(
        PYTHONPATH=str(PROJECT),
        DATABASE_URL=postgres.new_database(f"direct_uploads_{next(DATABASES)}"),
        BROKER_URL=rabbitmq.url,
        CELERYD_CONCURRENCY="1",
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",
    )
    prepare_database(environ)
    rabbitmq.purge()
    with DjangoServer.runserver(environ) as server:
        yield environ, AdminSession(server.url)


def test_a_saved_direct_upload_gets_its_thumbnails_from_a_worker(site, rabbitmq, s3_server):
    environ, session = site
    ticket = re.search(r'data-ticket="([^"]+)"', session.get("/admin/gallery/poster/add/").text)[1]
    done = upload_over_http(session, ticket, "harbour.jpg", image_bytes("JPEG", (1600, 1200)))
    gets_before = [request for request in s3_server.stats()["requests"] if request[0] == "GET"]
    saved = session.post(
        "/admin/gallery/poster/add/",
        data={"title": "Harbour", "image__direct": done["result"], "csrfmiddlewaretoken": session.csrf_token},
        allow_redirects=False,
    )
    assert saved.status_code == 302, saved.text[:500]
    assert [request for request in s3_server.stats()["requests"] if request[0] == "GET"] == gets_before
    assert rabbitmq.messages() == 1  # queued once the save committed
    show = "from tests.gallery.models import Poster; poster = Poster.objects.get(); print(poster.width, poster.height)"
    assert manage("shell", "--no-imports", "-c", show, check=True, **environ).stdout.split() == ["1600", "1200"]

    with CeleryWorker(environ) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the worker to make the thumbnails")
    wait_until(lambda: "succeeded" in worker.output, "the task to finish")

    stem = done["name"].rsplit("/", 1)[-1]
    thumbnails = [key for key in s3_server.object_names() if stem in key and key != done["name"]]
    assert len(thumbnails) == ALIASES, thumbnails
    assert "Traceback" not in worker.output and "Could not" not in worker.output
{%- if cookiecutter.use_filer %}


def test_a_filer_upload_gets_its_checksum_and_thumbnails_from_a_worker(site, rabbitmq, s3_server):
    environ, session = site
    settings = session.get("/uploads/filer/ticket/").json()
    picture = image_bytes("JPEG", (1600, 1200))
    done = upload_over_http(session, settings["ticket"], "boats.jpg", picture, settings["urls"])
    added = session.post(
        settings["urls"]["filer_file"],
        json={"result": done["result"], "folder": None},
        headers={"X-CSRFToken": session.csrf_token},
    )
    assert added.status_code == 200, added.text[:500]
    assert rabbitmq.messages() == 2  # the thumbnails, and filer's checksum

    with CeleryWorker(environ) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the worker to run both tasks")
    wait_until(lambda: worker.output.count("succeeded") == 2, "both tasks to finish")

    show = "from filer.models import Image; print(Image.objects.get().sha1)"
    sha1 = manage("shell", "--no-imports", "-c", show, check=True, **environ).stdout.strip()
    assert sha1 == hashlib.sha1(picture).hexdigest()  # noqa: S324 -- filer's checksum
    stem = done["name"].rsplit("/", 1)[-1]
    assert len([key for key in s3_server.object_names() if "__" in key and stem in key]) >= ALIASES
    assert "Traceback" not in worker.output
    requests_before = len(s3_server.stats()["requests"])
    listing = session.get("/admin/filer/folder/unfiled_images/")
    assert listing.status_code == 200 and "boats.jpg" in listing.text
    assert f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/filer_public_thumbnails/" in listing.text  # its icon
    assert s3_server.stats()["requests"][requests_before:] == []  # every icon was made by the worker
{%- endif %}
