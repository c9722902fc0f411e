"""The admin in a real browser (Playwright driving Debian's Chromium) on a real server process:
upload an image and see its thumbnail come from the S3 server."""

import os
import shutil
from pathlib import Path

import pytest

from .django_server import ADMIN_USER, PROJECT, DjangoServer, prepare_database, project_environ
from .images import JPEG

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
{%- if not cookiecutter.use_filer %}
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",  # the project plus a test-only model with an image
{%- endif %}
    )
    prepare_database(environ)
    with DjangoServer.runserver(environ) as server:
        yield server


THUMBNAILS = "img:not([src*='/static/'])"  # every image on a page but the admin's own icons


def assert_every_thumbnail_loaded(page) -> None:
    """Every thumbnail on the page actually loaded (naturalWidth > 0), not just one of them exists."""
    all_complete = "selector => [...document.querySelectorAll(selector)].every(image => image.complete)"
    page.wait_for_function(all_complete, arg=THUMBNAILS)
    images = page.eval_on_selector_all(THUMBNAILS, "images => images.map(i => [i.currentSrc, i.naturalWidth])")
    assert images, f"no thumbnail on {page.url}"
    assert [source for source, width in images if width == 0] == [], f"thumbnails that did not load on {page.url}"


def test_upload_in_the_admin_shows_a_thumbnail_from_s3(browser, site, s3_server, tmp_path):
    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(JPEG)
    page = browser.new_page()
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", ADMIN_USER["username"])
    page.fill("#id_password", ADMIN_USER["password"])
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
{%- if cookiecutter.use_filer %}

    # Upload through filer's own uploader; when done, it reloads the folder, newest first.
    page.goto(f"{site.url}/admin/filer/folder/unfiled_images/")
    with page.expect_response(lambda response: "/operations/upload/" in response.url) as upload:
        page.set_input_files("input[type=file]", picture)
    assert upload.value.status == 200
    page.wait_for_url("**order_by=-modified_at**")
    assert_every_thumbnail_loaded(page)  # the folder listing's icons (filer's icon view redirects to S3)
    page.click("a[href^='/admin/filer/image/'][href$='/change/']")  # the image's page shows its thumbnail
{%- else %}

    page.goto(f"{site.url}/admin/gallery/photo/add/")
    page.fill("#id_title", "Harbour")
    page.set_input_files("#id_image", picture)
    page.click("input[name=_save]")
    page.wait_for_url(f"{site.url}/admin/gallery/photo/")
{%- endif %}

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
