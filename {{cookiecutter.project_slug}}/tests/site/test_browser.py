"""The admin in a real browser (Playwright driving Debian's Chromium) on a real server process:
upload an image and see its thumbnail come from the S3 server."""

import os
import shutil
from pathlib import Path

import pytest

from ..support.django_server import ADMIN_USER, DjangoServer, prepare_database
from ..support.images import JPEG
from ..support.project import PROJECT, project_environ
from ..support.upload_helpers import SITE_ENVIRON, assert_every_thumbnail_loaded, upload_in_browser
from ..uploads.helpers import CORS_RULES

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", PROJECT / "test-artifacts"))
# Headless, and quiet: no background connections to the outside world.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM) to run this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(s3_server, tmp_path):
    environ = project_environ(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        **SITE_ENVIRON,
    )
    prepare_database(environ)
    s3_server.client().put_bucket_cors(Bucket=s3_server.MEDIA_BUCKET, CORSConfiguration=CORS_RULES)  # direct uploads
    with DjangoServer.runserver(environ) as server:
        yield server


def test_upload_in_the_admin_shows_a_thumbnail_from_s3(browser, site, s3_server, tmp_path):
    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(JPEG)
    page = browser.new_page()
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", ADMIN_USER["username"])
    page.fill("#id_password", ADMIN_USER["password"])
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    upload_in_browser(page, site.url, picture)  # and on to a page that shows its thumbnail

    thumbnail = page.locator(f"img[src^='{s3_server.url}/{s3_server.MEDIA_BUCKET}/']").first
    thumbnail.wait_for()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=thumbnail.element_handle())
    assert_every_thumbnail_loaded(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-thumbnail.png", full_page=True)

    source = thumbnail.get_attribute("src").removeprefix(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/")
    keys = s3_server.object_names()
    assert source in keys
    assert any(key.endswith("harbour.jpg") for key in keys)  # the original, beside its thumbnails
    assert not (PROJECT / "media").exists()
    shutil.rmtree(tmp_path, ignore_errors=True)
