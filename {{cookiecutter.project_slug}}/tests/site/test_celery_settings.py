"""The Celery app as a fresh process configures it from the environment, and what happens without a broker."""

import io
import json
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from easy_thumbnails.signals import saved_file
from hypothesis import given, settings
from hypothesis import strategies as st
from kombu.utils.url import parse_url

from ..support.project import manage
from {{ cookiecutter.project_slug }}.env import Env

SECRET = "Sup3rS3cretValue"
BROKER = f"amqp://site:{SECRET}@rabbitmq.example.com:5672/site"
REFUSED = (
    "BROKER_URL: not a broker URL; use amqp://USER:PASSWORD@HOST:5672/VHOST (or amqps://), as the platform sets it."
)
UNENCODED = (
    "BROKER_URL: the user or password holds a character that splits the URL (/ ? # @ or a stray %); "
    "percent-encode it (/ as %2F, @ as %40, % as %25)."
)


def celery_config(**environ: str) -> dict:
    code = (
        "import json; from {{ cookiecutter.project_slug }}.celery import app; c = app.conf; "
        "print(json.dumps({name: c[name] for name in ('broker_url', 'worker_concurrency', 'task_acks_late', "
        "'worker_prefetch_multiplier', 'accept_content', 'task_serializer', 'result_serializer', "
        "'result_backend', 'task_ignore_result')}))"
    )
    result = manage("shell", "--no-imports", "-c", code, **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_platform_variables_configure_the_app_as_its_own_settings_do():
    assert celery_config(BROKER_URL=BROKER, CELERYD_CONCURRENCY="3") == {
        "broker_url": BROKER,
        "worker_concurrency": 3,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "accept_content": ["json"],
        "task_serializer": "json",
        "result_serializer": "json",
        "result_backend": "rpc://",  # read only by warm_thumbnails, which waits for its batches
        "task_ignore_result": True,
    }
    assert celery_config(BROKER_URL=BROKER)["worker_concurrency"] == 2  # the platform's default


def test_without_a_broker_uploads_make_their_thumbnails_in_process():
    connected = {entry[0][0] for entry in saved_file.receivers}  # each receiver's (dispatch_uid, sender) first
    assert "make_thumbnails_on_upload" in connected and "queue_thumbnails_on_upload" not in connected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"no_wait": True}, "--no-wait needs a queue: set BROKER_URL (without it the images are made here)."),
        ({"batch_size": 0}, "--batch-size takes a whole number of at least 1."),
    ],
)
@pytest.mark.django_db
def test_queue_options_without_a_broker_get_a_one_line_error(options, message):
    with pytest.raises(CommandError) as error:
        call_command("warm_thumbnails", stdout=io.StringIO(), **options)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BROKER_URL": f"rabbitmq.example.com:{SECRET}"}, "BROKER_URL: not a broker URL; use amqp://"),
        ({"BROKER_URL": f"redis://:{SECRET}@localhost:6379/0"}, "BROKER_URL: not a broker URL; use amqp://"),
        ({"BROKER_URL": f"amqp://site:{SECRET}@host:port/"}, "BROKER_URL: not a broker URL; use amqp://"),
        ({"CELERYD_CONCURRENCY": "two"}, "CELERYD_CONCURRENCY: cannot be read; it must be a whole number."),
        ({"CELERYD_CONCURRENCY": "0"}, "CELERYD_CONCURRENCY: must be a whole number from 1 to 64."),
        ({"CELERYD_CONCURRENCY": "10000"}, "CELERYD_CONCURRENCY: must be a whole number from 1 to 64."),
        ({"BROKER_URL": f"amqp://admin:8417/{SECRET}@broker:5672/vh"}, UNENCODED),
        ({"DATABASE_URL": f"postgres://site:ab/{SECRET}@db:5432/site"}, UNENCODED.replace("BROKER", "DATABASE")),
    ],
)
def test_a_bad_celery_variable_stops_start_up_with_one_line(environ, message):
    result = manage("check", **environ)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert message in line
    assert SECRET not in result.stderr


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_any_broker_url_is_taken_as_an_amqp_url_or_refused_without_echoing_it(value):
    env = Env()
    env.ENVIRON = {"BROKER_URL": value}
    try:
        url = env.broker_url("BROKER_URL")
    except ImproperlyConfigured as error:
        assert str(error) in (REFUSED, UNENCODED)  # one line, the same whatever the value: nothing of it shown
    else:
        assert url == "" or url.split("://", 1)[0].lower() in ("amqp", "amqps", "pyamqp")


RESERVED = "/?#@:%[] !$&'()*+,;="


@settings(max_examples=200, deadline=None, database=None)
@given(
    password=st.text(st.sampled_from(RESERVED + "abcXYZ019-._~"), min_size=1, max_size=20),
    user=st.sampled_from(["site", "a.b-c_d"]),
)
def test_a_password_with_any_reserved_character_is_taken_encoded_and_refused_or_read_whole_unencoded(password, user):
    """Percent-encoded, every password is taken and kombu reads it back whole; written as is, it is refused
    whenever it would split the URL (nothing of it shown), and otherwise reaches kombu unchanged."""
    env = Env()
    env.ENVIRON = {"BROKER_URL": f"amqp://{user}:{quote(password, safe='')}@broker.example.com:5672/vh"}
    assert parse_url(env.broker_url("BROKER_URL"))["password"] == password

    env.ENVIRON = {"BROKER_URL": f"amqp://{user}:{password}@broker.example.com:5672/vh"}
    try:
        url = env.broker_url("BROKER_URL")
    except ImproperlyConfigured as error:
        assert str(error) in (REFUSED, UNENCODED)
        assert any(char in password for char in "/?#@%[]") or password != password.strip(), password
    else:
        parsed = parse_url(url)
        assert (parsed["hostname"], parsed["port"], parsed["userid"]) == ("broker.example.com", 5672, user)
