"""Two instances of the site (gunicorn, DEBUG off), each with its own working folder and an empty
media/, sharing one PostgreSQL database and one S3 server: what one does, the other sees."""

import io
import os

import pytest
import requests
from PIL import Image

from .django_server import PROJECT, DjangoServer, manage, prepare_database, project_environ
from .http_client import AdminSession
from .images import JPEG
from .postgres_server import PostgresServer, find_bindir
from .processes import free_port

SECRET = "Sup3rS3cretValue"


@pytest.fixture(scope="module")
def postgres():
    bindir = find_bindir()
    if bindir is None:
        message = "no PostgreSQL server binaries: apt-get install postgresql"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


def production_environ(tmp_path, **environ) -> dict:
    return project_environ(
        STAGE="live",
        SECRET_KEY="a-long-random-production-secret-key-for-the-two-instance-test-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONPATH=str(PROJECT),
{%- if not cookiecutter.use_filer %}
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",  # the project plus a test-only model with an image
{%- endif %}
        **environ,
    )


def shell(code: str, environ: dict, folder) -> str:
    """Run Python in the site's environment, as a process of the instance working in `folder`."""
    return manage("shell", "--no-imports", "-c", code, environ=environ, cwd=folder).stdout.strip()


def image_size(url: str) -> tuple[int, int]:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return Image.open(io.BytesIO(response.content)).size


def test_two_instances_share_media_and_database(s3_server, postgres, tmp_path):
    environ = production_environ(
        tmp_path,
        DATABASE_URL=postgres.url,
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
    )
    manage("collectstatic", "--noinput", environ=environ)
    prepare_database(environ)
    folders = [tmp_path / "instance-a", tmp_path / "instance-b"]
    for folder in folders:
        (folder / "media").mkdir(parents=True)

    with DjangoServer.gunicorn(environ, folders[0]) as a, DjangoServer.gunicorn(environ, folders[1]) as b:
        on_a, on_b = AdminSession(a.url), AdminSession(b.url)
{%- if cookiecutter.use_filer %}

        upload = on_a.post(
            "/admin/filer/clipboard/operations/upload/no_folder/",
            files={"file": ("harbour.jpg", JPEG, "image/jpeg")},
            headers={"X-CSRFToken": on_a.csrf_token},
        )
        assert upload.status_code == 200, upload.text[:500]
        uploaded = upload.json()

        listing = on_b.get("/admin/filer/folder/unfiled_images/")
        assert "harbour.jpg" in listing.text
        icon = on_b.get(uploaded["thumbnail_180"], allow_redirects=False)  # B makes the thumbnail
        assert icon.status_code == 302
        thumbnail_url = icon.headers["Location"]
        assert image_size(thumbnail_url) == (120, 120)
        assert requests.get(uploaded["original_image"], timeout=10).content == JPEG
{%- else %}

        added = on_a.post(
            "/admin/gallery/photo/add/",
            data={"title": "Harbour", "csrfmiddlewaretoken": on_a.csrf_token},
            files={"image": ("harbour.jpg", JPEG, "image/jpeg")},
            allow_redirects=False,
        )
        assert added.status_code == 302, added.text[:500]

        listing = on_b.get("/admin/gallery/photo/")  # B lists it, and makes its thumbnail
        assert "Harbour" in listing.text
        thumbnail_url = listing.text.split('class="preview" src="')[1].split('"')[0]
        assert thumbnail_url.startswith(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
        assert image_size(thumbnail_url) == (120, 90)
        original = next(name for name in s3_server.object_names() if name.endswith("harbour.jpg"))
        assert requests.get(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/{original}", timeout=10).content == JPEG
{%- endif %}

    assert thumbnail_url.split(f"/{s3_server.MEDIA_BUCKET}/", 1)[1] in s3_server.object_names()

    # Files made and published with the staging utility on B can be read on A.
    publish_on_b = (
        "from {{ cookiecutter.project_slug }}.staging import staging_area\n"
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
    manage("collectstatic", "--noinput", environ=environ)
    prepare_database(environ)

    with DjangoServer.gunicorn(environ, tmp_path) as site:  # starting needs no storage
        session = AdminSession(site.url)
{%- if cookiecutter.use_filer %}
        response = session.post(
            "/admin/filer/clipboard/operations/upload/no_folder/",
            files={"file": ("harbour.jpg", JPEG, "image/jpeg")},
            headers={"X-CSRFToken": session.csrf_token},
        )
{%- else %}
        response = session.post(
            "/admin/gallery/photo/add/",
            data={"title": "Harbour", "csrfmiddlewaretoken": session.csrf_token},
            files={"image": ("harbour.jpg", JPEG, "image/jpeg")},
        )
{%- endif %}

    assert response.status_code == 503
    assert "Files cannot be reached right now" in response.text
    assert "Media storage failed during POST" in site.output
    assert f"127.0.0.1:{port}" in site.output
    assert SECRET not in site.output + response.text
    assert "Traceback" not in site.output
