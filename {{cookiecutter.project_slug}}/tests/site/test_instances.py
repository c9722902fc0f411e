"""Two instances of the site (gunicorn, DEBUG off), each with its own working folder and an empty
media/, sharing one PostgreSQL database and one S3 server: what one does, the other sees."""

from ..support.django_server import DjangoServer, prepare_database
from ..support.http_client import AdminSession, fetch
from ..support.images import JPEG, image_size
from ..support.processes import free_port
from ..support.project import PROJECT, manage, project_environ
from ..support.upload_helpers import (
    ADMIN_THUMBNAIL_SIZE,
    SITE_ENVIRON,
    admin_thumbnail_url,
    original_url,
    upload_over_http,
)

SECRET = "Sup3rS3cretValue"


def production_environ(tmp_path, **environ) -> dict:
    return project_environ(
        STAGE="live",
        SECRET_KEY="a-long-random-production-secret-key-for-the-two-instance-test-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONPATH=str(PROJECT),
        **SITE_ENVIRON,
        **environ,
    )


def shell(code: str, environ: dict, folder) -> str:
    """Run Python in the site's environment, as a process of the instance working in `folder`."""
    return manage("shell", "--no-imports", "-c", code, cwd=folder, check=True, **environ).stdout.strip()


def test_two_instances_share_media_and_database(s3_server, postgres, tmp_path):
    environ = production_environ(
        tmp_path,
        DATABASE_URL=postgres.url,
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
    )
    manage("collectstatic", "--noinput", check=True, **environ)
    prepare_database(environ)
    folders = [tmp_path / "instance-a", tmp_path / "instance-b"]
    for folder in folders:
        (folder / "media").mkdir(parents=True)

    with DjangoServer.gunicorn(environ, folders[0]) as a, DjangoServer.gunicorn(environ, folders[1]) as b:
        on_a, on_b = AdminSession(a.url), AdminSession(b.url)
        uploaded = upload_over_http(on_a, "harbour.jpg", JPEG)
        thumbnail_url = admin_thumbnail_url(on_b, "harbour.jpg", uploaded)  # B shows it, and makes its thumbnail
        assert thumbnail_url.startswith(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
        thumbnail = fetch(thumbnail_url)
        assert thumbnail.status == 200
        assert image_size(thumbnail.body) == ADMIN_THUMBNAIL_SIZE
        assert fetch(original_url(s3_server, "harbour.jpg", uploaded)).body == JPEG

    assert thumbnail_url.split(f"/{s3_server.MEDIA_BUCKET}/", 1)[1] in s3_server.object_names()

    # Files made and published with the staging utility on B can be read on A.
    publish_on_b = (
        "from mediakit.staging import staging_area\n"
        "with staging_area('reports/2026') as area:\n"
        "    (area.path / 'summary.txt').write_text('made on B')\n"
        "print(area.published['summary.txt'])"
    )
    name = shell(publish_on_b, environ, folders[1])
    assert name == "reports/2026/summary.txt"
    read_on_a = f"from django.core.files.storage import default_storage as s; print(s.open({name!r}).read())"
    assert shell(read_on_a, environ, folders[0]) == "b'made on B'"

    for folder in folders:
        assert list((folder / "media").iterdir()) == []
    assert not (PROJECT / "media").exists()


def test_storage_outage_neither_stops_the_site_nor_leaks_secrets(tmp_path):
    port = free_port()  # nothing listens there
    environ = production_environ(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=f"s3://KEY:{SECRET}@media/?endpoint_url=http%3A%2F%2F127.0.0.1%3A{port}",
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=f"s3://KEY:{SECRET}@private/?endpoint_url=http%3A%2F%2F127.0.0.1%3A{port}",
{%- endif %}
    )
    manage("collectstatic", "--noinput", check=True, **environ)
    prepare_database(environ)

    with DjangoServer.gunicorn(environ, tmp_path) as site:  # starting needs no storage
        response = upload_over_http(AdminSession(site.url), "harbour.jpg", JPEG)

    assert response.status_code == 503
    assert "Files cannot be reached right now" in response.text
    assert "Media storage failed during POST" in site.output
    assert f"127.0.0.1:{port}" in site.output
    assert SECRET not in site.output + response.text
    assert "Traceback" not in site.output


def test_storage_outage_with_debug_on_shows_no_credential(tmp_path):
    """The DEBUG page shows each frame's variables: botocore's signed request headers among them."""
    port = free_port()  # nothing listens there
    key = "AKIAOUTAGEKEYSHOWN"
    environ = production_environ(
        tmp_path,
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=f"s3://{key}:{SECRET}@media/?endpoint_url=http%3A%2F%2F127.0.0.1%3A{port}",
    )
    manage("collectstatic", "--noinput", check=True, **environ)
    prepare_database(environ)

    with DjangoServer.gunicorn(environ, tmp_path) as site:
        response = upload_over_http(AdminSession(site.url), "harbour.jpg", JPEG)

    assert response.status_code == 500
    assert "EndpointConnectionError" in response.text and "Credential=****" in response.text
    assert key not in response.text + site.output
    assert SECRET not in response.text + site.output
