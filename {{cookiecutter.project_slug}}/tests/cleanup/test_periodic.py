"""The periodic collector: with a broker, Celery beat has a worker run `media_cleanup --delete` once a day; a run
that finds another one running leaves the work to it and says so in one line."""

import logging

import pytest
from django.conf import settings

from mediakit.cleanup import locking
from mediakit.tasks import collect_unused_media

from {{ cookiecutter.project_slug }}.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_beat_schedule_names_the_task_the_workers_know():
    entry = settings.CELERY_BEAT_SCHEDULE["media-cleanup"]
    app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 24 * 60 * 60


def test_the_task_runs_the_collector(s3_server, capsys):
    collect_unused_media()

    assert "0 unused objects (0 bytes), 0 incomplete uploads" in capsys.readouterr().out


def test_a_task_that_finds_a_run_under_way_leaves_it_the_work(s3_server, caplog):
    with locking.held(), caplog.at_level(logging.WARNING, logger="mediakit.tasks"):
        collect_unused_media()

    assert [record.getMessage() for record in caplog.records if record.name == "mediakit.tasks"] == [
        "media_cleanup: Another media_cleanup is running (on this or another instance): nothing done."
    ]
