"""manage.py media_cleanup on a DSN with a prefix, as the README's examples have one, in project processes against
the S3 server: the report, the deleting run while another process uploads, one run at a time, and the stock
thumbnail_cleanup that no longer loses the index."""

import json
import subprocess
import sys
import time

from ..support.project import PROJECT, manage, project_environ
from . import seeding

PREFIX = "site"
GRACE = "12s"  # long enough for a process to start on a busy machine; the seeded objects are older
SEEDED_AGE = 13


def prefixed_environ(s3_server, tmp_path, **environ) -> dict:
    bucket = s3_server.MEDIA_BUCKET
    dsn = s3_server.dsn(bucket).replace(f"@{bucket}/?", f"@{bucket}/{PREFIX}/?")
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEFAULT_STORAGE_DSN": dsn,
{%- if cookiecutter.private_media %}
        "PRIVATE_STORAGE_DSN": s3_server.dsn(s3_server.PRIVATE_BUCKET).replace(
            f"@{s3_server.PRIVATE_BUCKET}/?", f"@{s3_server.PRIVATE_BUCKET}/{PREFIX}/?"
        ),
{%- endif %}
{%- if not cookiecutter.use_filer %}
        "DJANGO_SETTINGS_MODULE": "tests.gallery.settings",  # the project's settings and a model with an ImageField
{%- endif %}
        **environ,
    }


def in_project(function, *args: str, environ: dict):
    """The value of a seeding function, called in a project process."""
    call = f"seeding.{function.__name__}({', '.join(map(repr, args))})"
    script = f"import json; from tests.cleanup import seeding; print(json.dumps({call}))"
    return json.loads(manage("shell", "--no-imports", "-c", script, check=True, **environ).stdout)


def cleanup(environ: dict, *args: str) -> subprocess.CompletedProcess:
    return manage("media_cleanup", "--grace", GRACE, "--page-size", "3", "--no-input", *args, **environ)


def start_cleanup(environ: dict, *args: str) -> subprocess.Popen:
    command = [sys.executable, str(PROJECT / "manage.py"), "media_cleanup", "--grace", GRACE, "--page-size", "3"]
    return subprocess.Popen(
        [*command, "--no-input", *args],
        cwd=PROJECT,
        env=project_environ(PYTHONUNBUFFERED="1", **environ),  # each line as it is said
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def keys(s3_server) -> set[str]:
    found = set(s3_server.object_names(s3_server.MEDIA_BUCKET))
{%- if cookiecutter.private_media %}
    found |= set(s3_server.object_names(s3_server.PRIVATE_BUCKET))
{%- endif %}
    return found


def test_the_collector_on_a_prefixed_storage(s3_server, tmp_path):
    environ = prefixed_environ(s3_server, tmp_path)
    manage("migrate", "--noinput", check=True, **environ)
    seed = in_project(seeding.seed_old, environ=environ)
    seeded = time.monotonic()
    assert all(key.startswith(f"{PREFIX}/") for key in seed["kept"] + seed["orphans"])
    in_project(seeding.lookups_cost, environ=environ)  # every image's thumbnails shown once: any missing made now
    time.sleep(max(0, SEEDED_AGE - (time.monotonic() - seeded)))
    client = s3_server.client()
    young = f"{PREFIX}/photos/young-orphan.jpg"
    client.put_object(Bucket=s3_server.MEDIA_BUCKET, Key=young, Body=b"an upload whose row is not committed yet")
    client.put_object(Bucket=s3_server.MEDIA_BUCKET, Key="elsewhere/not-ours.jpg", Body=b"outside the prefix")
    before = keys(s3_server)

    report = cleanup(environ)

    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert {line.split()[1] for line in lines if line.startswith("orphan ")} == set(seed["orphans"])
    assert "1 thumbnail rows of files that are gone; run with --delete to delete them" in lines
    assert keys(s3_server) == before

    # The deleting run, slowed down, while another process uploads an image; a second run meanwhile is refused.
    client.put_object(Bucket=s3_server.MEDIA_BUCKET, Key=young, Body=b"written again: young again")
    s3_server.add_latency(0.3)
    running = start_cleanup(environ, "--delete")
    assert running.stdout.readline().startswith("orphan ")  # under way: it has listed a page
    uploaded = in_project(seeding.upload, "during.jpg", environ=environ)
    second = cleanup(environ)
    out, err = running.communicate(timeout=300)
    s3_server.recover()

    assert running.returncode == 0, err
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        "CommandError: Another media_cleanup is running (on this or another instance): nothing done."
    ]
    assert keys(s3_server) == (before - set(seed["orphans"])) | set(uploaded)
    assert {young, "elsewhere/not-ours.jpg", *seed["kept"]} <= keys(s3_server)
    assert in_project(seeding.lookups_cost, environ=environ) == 0  # warmed thumbnails: the index is whole


def test_the_stock_thumbnail_cleanup_no_longer_loses_the_index(s3_server, tmp_path):
    environ = prefixed_environ(s3_server, tmp_path)
    manage("migrate", "--noinput", check=True, **environ)
    in_project(seeding.upload, "harbour.jpg", environ=environ)
    before = in_project(seeding.source_rows, environ=environ)
    assert before > 0

    refused = manage("thumbnail_cleanup", **environ)

    assert refused.returncode == 1
    last_line = refused.stderr.strip().splitlines()[-1]
    assert last_line.startswith("CommandError: thumbnail_cleanup is replaced here by media_cleanup")
    assert in_project(seeding.source_rows, environ=environ) == before
    # easy-thumbnails' own, run by its module: on this prefixed storage it deletes every row (easy-thumbnails #516).
    stock = "from easy_thumbnails.management.commands.thumbnail_cleanup import Command"
    run_it = "from django.core.management import call_command; call_command(Command())"
    manage("shell", "--no-imports", "-c", f"{stock}; {run_it}", check=True, **environ)
    assert in_project(seeding.source_rows, environ=environ) == 0
