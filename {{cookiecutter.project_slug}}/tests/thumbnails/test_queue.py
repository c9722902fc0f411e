"""Thumbnails on Celery workers (BROKER_URL set), with real processes: RabbitMQ on loopback, `celery worker`s,
site processes (manage.py) sharing one PostgreSQL database and the S3 server."""

import re
import time

import pytest

from ..support.celery_worker import CeleryWorker, wait_until
from ..support.processes import free_port
from ..support.project import PROJECT, manage, project_environ
from ..support.s3_server import S3Server
from ..support.upload_helpers import SITE_ENVIRON

{% if cookiecutter.use_filer -%}
PER_IMAGE = 3 + 4 + 2 + 5  # the aliases, and what filer asks for itself (test_warm_thumbnails.py)
KILLED_BATCH = 4  # images in the batch whose worker is killed: 56 thumbnails
THUMBNAIL = re.compile(r"__\d+x\d+")  # filer's thumbnail names: photo.jpg__160x160_q85_crop...jpg
{% else -%}
PER_IMAGE = 3  # the aliases
KILLED_BATCH = 8  # images in the batch whose worker is killed: 24 thumbnails
THUMBNAIL = re.compile(r"\.jpg\.\d+x\d+")  # easy-thumbnails' names: photo.jpg.160x160_q85_crop.jpg
{% endif -%}
SECRET = "Sup3rS3cretValue"


@pytest.fixture(scope="module")
def database(postgres, request) -> str:
    """A database of these tests' own, with the project's tables."""
    url = postgres.new_database("queue")
    manage("migrate", "--noinput", check=True, **_environ(request.config.stash[S3Server.stash_key], url, broker=""))
    return url


def _environ(s3_server, database_url: str, broker: str) -> dict:
    return project_environ(
        PYTHONPATH=str(PROJECT),
        DATABASE_URL=database_url,
        BROKER_URL=broker,
        CELERYD_CONCURRENCY="1",
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        **SITE_ENVIRON,
    )


@pytest.fixture
def site(database, rabbitmq, s3_server) -> dict:
    """The environment of a site process and its workers, with an empty database, bucket and queue."""
    environ = _environ(s3_server, database, rabbitmq.url)
    manage("flush", "--noinput", check=True, **environ)
    rabbitmq.purge()
    return environ


def site_does(*command, environ: dict) -> str:
    """Run tests/support/queue_site.py's command in a site process: what it printed."""
    code = f"from tests.support.queue_site import run; run(*{command!r})"
    return manage("shell", "--no-imports", "-c", code, check=True, **environ).stdout.strip()


def upload(environ: dict, *names: str) -> list[tuple[str, int]]:
    """Images saved by a site process, as an upload saves them: their stored names and ids."""
    printed = site_does("upload", *names, environ=environ)
    return [(name, int(pk)) for name, pk in (line.split() for line in printed.splitlines())]


def thumbnail_objects(s3_server) -> list[str]:
    return sorted(name for name in s3_server.object_names() if THUMBNAIL.search(name))


def rows(environ: dict) -> tuple[int, int, list[str]]:
    """easy-thumbnails' rows: how many sources and thumbnails, and the thumbnails' names."""
    counts, names = (site_does("rows", environ=environ) + "\n").split("\n", 1)
    sources, thumbnails = map(int, counts.split())
    return sources, thumbnails, sorted(names.split())


def test_an_upload_is_queued_and_a_worker_makes_its_thumbnails(site, rabbitmq, s3_server):
    [(name, _)] = upload(site, "harbour.jpg")
    assert thumbnail_objects(s3_server) == []  # the upload rendered nothing
    assert rabbitmq.messages() == 1

    with CeleryWorker(site) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the worker to finish the task")

    made = thumbnail_objects(s3_server)
    assert len(made) == PER_IMAGE and all(name.rsplit("/", 1)[-1] in thumbnail for thumbnail in made)
    sources, thumbnails, names = rows(site)
    assert (sources, thumbnails) == (1, PER_IMAGE)
    assert [name.rsplit("/", 1)[-1] for name in names] == [name.rsplit("/", 1)[-1] for name in made]
    assert "Could not" not in worker.output and "Traceback" not in worker.output


def test_until_a_worker_has_made_them_a_page_makes_its_thumbnail_on_demand(site, rabbitmq, s3_server):
    [(name, pk)] = upload(site, "harbour.jpg")
    assert thumbnail_objects(s3_server) == [] and rabbitmq.messages() == 1  # queued, no worker yet

    url = site_does("show", pk, environ=site)

    [made] = thumbnail_objects(s3_server)  # easy-thumbnails' own path, in the page's process
    assert url.endswith(made) and name.rsplit("/", 1)[-1] in made


def test_a_task_delivered_twice_leaves_one_set_of_objects_and_rows(site, rabbitmq, s3_server):
    [(_, pk)] = upload(site, "harbour.jpg")
    site_does("queue-again", pk, 3, environ=site)
    assert rabbitmq.messages() == 4

    # Two worker processes take copies of the same task at once: their inserts into easy-thumbnails' tables race.
    with CeleryWorker({**site, "CELERYD_CONCURRENCY": "2"}) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the workers to finish the tasks")

    assert len(thumbnail_objects(s3_server)) == PER_IMAGE
    sources, thumbnails, names = rows(site)
    assert (sources, thumbnails, len(set(names))) == (1, PER_IMAGE, PER_IMAGE)
    assert worker.output.count("succeeded in") == 4
    assert "Could not" not in worker.output and "Traceback" not in worker.output


def test_a_broker_down_at_upload_time_does_not_fail_the_upload(site, s3_server):
    down = {**site, "BROKER_URL": f"amqp://site:{SECRET}@127.0.0.1:{free_port()}//"}  # nothing listens there

    code = "from tests.support.queue_site import run; run('upload', 'harbour.jpg')"
    result = manage("shell", "--no-imports", "-c", code, **down)

    assert result.returncode == 0, result.stderr
    [(name, _)] = [line.split() for line in result.stdout.splitlines()]
    assert name in s3_server.object_names()  # the upload stands
    assert thumbnail_objects(s3_server) == []  # left to the on-demand path and the next warm run
    [logged] = [line for line in result.stderr.splitlines() if line.strip()]
    assert logged.startswith(f"Could not queue the thumbnails of {name} (pages will make them): OperationalError")
    assert SECRET not in result.stderr


def test_an_image_that_cannot_be_rendered_fails_once_with_one_line(site, rabbitmq, s3_server):
    [(name, _)] = upload(site, "broken.jpg")
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=name, Body=b"not an image")

    with CeleryWorker(site) as worker:
        wait_until(lambda: rabbitmq.messages() == 0, "the worker to give the task up")
        time.sleep(1)  # time enough for a retry or a redelivery to show up
        assert rabbitmq.messages() == 0

    failures = [line for line in worker.output.splitlines() if "Could not make thumbnails" in line]
    assert len(failures) == 1, worker.output
    assert f"Could not make thumbnails of {name}: " in failures[0]
    assert "Traceback" not in worker.output and "Retry" not in worker.output
    assert thumbnail_objects(s3_server) == []


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(site, rabbitmq, s3_server):
    names = [name for name, _ in upload(site, *(f"photo-{number}.jpg" for number in range(KILLED_BATCH)))]
    rabbitmq.purge()  # as an import leaves them: no thumbnails, none queued
    result = manage("warm_thumbnails", "--no-wait", f"--batch-size={KILLED_BATCH}", check=True, **site)
    assert f"queued {KILLED_BATCH} images in 1 batches" in result.stdout
    # Each thumbnail written takes a second: the batch's writes (10 at once) take a few rounds of it.
    s3_server.slow_down(THUMBNAIL.pattern, 1.0)
    wanted = KILLED_BATCH * PER_IMAGE

    with CeleryWorker(site, name="doomed") as doomed:
        wait_until(lambda: thumbnail_objects(s3_server), "the first thumbnails of the batch")
        doomed.kill()
    assert 0 < len(thumbnail_objects(s3_server)) < wanted  # killed in the middle
    assert rabbitmq.messages() == 1  # not acknowledged: back in the queue

    with CeleryWorker(site, name="survivor") as survivor:
        wait_until(lambda: rabbitmq.messages() == 0, "the batch to be delivered again and finished")

    assert len(thumbnail_objects(s3_server)) == wanted
    sources, thumbnails, _ = rows(site)
    assert (sources, thumbnails) == (KILLED_BATCH, wanted)
    assert all(name in s3_server.object_names() for name in names)
    assert "Could not" not in survivor.output


def test_warm_thumbnails_follows_the_workers_and_lists_failures(site, rabbitmq, s3_server):
    stored = upload(site, "a.jpg", "b.jpg", "c.jpg")
    rabbitmq.purge()
    broken = stored[1][0]
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=broken, Body=b"not an image")

    with CeleryWorker({**site, "CELERYD_CONCURRENCY": "2"}):
        result = manage("warm_thumbnails", "--batch-size=1", **site)

    assert result.returncode == 1
    assert "queued 3 images in 3 batches of up to 1." in result.stdout
    assert re.search(rf"made {2 * PER_IMAGE} thumbnails of 3 images \(0 already had theirs, 1 failed\)", result.stdout)
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{broken} (")
    assert errors[-1] == "CommandError: 1 of 3 images failed (listed above); run again to retry them."
    assert rabbitmq.messages() == 0
