"""A 200 MB file through the admin in a real browser (Playwright driving Debian's Chromium), to the strict S3
test server (SigV4 of every presigned part checked, content length included; the preflight answered from the
bucket's CORS rules), via two gunicorn instances behind a proxy that counts the request bodies they receive."""

import base64
import hashlib
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..site.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser  # noqa: F401 -- the browser fixture
from ..site.test_instances import production_environ
from ..support.celery_worker import wait_until
from ..support.certificates import make_certificate
from ..support.counting_proxy import CountingProxy
from ..support.django_server import ADMIN_USER, DjangoServer, prepare_database
from ..support.images import image_bytes
from ..support.project import manage, project_environ
from ..support.s3_server import FaultyS3Server
from .helpers import CORS_RULES

MB = 1024 * 1024
SIZE = 200 * MB
MOST_BODY_BYTES = 1 * MB  # what the instances may receive in all, for a 200 MB upload
MOST_GROWTH = 30 * MB  # how much each web process may grow meanwhile
# The widget once the upload is over, whichever way it ended (direct-upload.js sets data-state).
FINISHED = ".mediakit-direct-upload[data-state]:not([data-state=uploading])"


def rss(pid: int) -> int:
    """A process's resident memory in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(pid)


def workers(master: int) -> list[int]:
    """The pids of a gunicorn master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def sha256(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "film.mp4"
    with path.open("wb") as file:
        for _ in range(SIZE // MB):
            file.write(os.urandom(MB))
    return path


def test_a_200_mb_file_goes_through_the_admin_straight_to_the_bucket(browser, s3_server, postgres, tmp_path, big_file):  # noqa: F811
    s3 = s3_server.client()
    s3.put_bucket_cors(Bucket=s3_server.MEDIA_BUCKET, CORSConfiguration=CORS_RULES)
    environ = production_environ(
        tmp_path,
        DATABASE_URL=postgres.new_database("direct_uploads_browser"),  # its own: other tests share the server
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        SECURE_SSL_REDIRECT="false",
    )
    environ["DJANGO_SETTINGS_MODULE"] = "tests.gallery.settings"  # the test-only models, with or without filer
    manage("collectstatic", "--noinput", check=True, **environ)
    prepare_database(environ)
    folders = [tmp_path / "instance-a", tmp_path / "instance-b"]
    for folder in folders:
        folder.mkdir()

    with (
        DjangoServer.gunicorn(environ, folders[0]) as a,
        DjangoServer.gunicorn(environ, folders[1]) as b,
        CountingProxy([a.url, b.url]) as proxy,
    ):
        page = browser.new_page()
        page.goto(f"{proxy.url}/admin/login/")
        page.fill("#id_username", ADMIN_USER["username"])
        page.fill("#id_password", ADMIN_USER["password"])
        page.click("input[type=submit]")
        page.wait_for_url(f"{proxy.url}/admin/")
        page.goto(f"{proxy.url}/admin/gallery/document/add/")
        page.fill("#id_title", "Film")
        processes = [pid for server in (a, b) for pid in workers(server.process.pid)]
        before = {pid: rss(pid) for pid in processes}  # once the site has answered a few pages
        page.set_input_files("#id_file", big_file)
        page.wait_for_selector(FINISHED, timeout=600_000)
        status = page.text_content(".mediakit-direct-upload output")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "direct-upload-done.png", full_page=True)
        assert status.startswith("Uploaded film.mp4 (209.7 MB)"), status
        page.click("input[name=_save]")
        page.wait_for_url(f"{proxy.url}/admin/gallery/document/")
        page.screenshot(path=ARTIFACTS / "direct-upload-saved.png", full_page=True)
        growth = {pid: rss(pid) - before[pid] for pid in processes}
        received = dict(proxy.body_bytes)

    assert sum(received.values()) < MOST_BODY_BYTES, received
    assert max(growth.values()) < MOST_GROWTH, growth
    stored = s3.get_object(Bucket=s3_server.MEDIA_BUCKET, Key="documents/film.mp4")
    assert stored["ContentLength"] == SIZE
    with big_file.open("rb") as original:
        assert sha256(stored["Body"].iter_chunks(MB)) == sha256(iter(lambda: original.read(MB), b""))
    assert stored["ContentType"] == "video/mp4" and stored["CacheControl"].startswith("public, max-age=")
    grants = s3.get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key="documents/film.mp4")["Grants"]
    assert any(grant["Grantee"].get("URI", "").endswith("AllUsers") for grant in grants)
    assert not s3.list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads")
    assert s3_server.refused() == []  # no checksum header, no aws-chunked body
    saved = manage(
        "shell",
        "--no-imports",
        "-c",
        "from tests.gallery.models import Document; print(Document.objects.get(title='Film').file.name)",
        check=True,
        **environ,
    )
    assert saved.stdout.strip() == "documents/film.mp4"
    print(f"\nrequest bodies per instance: {received}; memory growth per web process: {growth}")


@pytest.fixture
def site(s3_server, tmp_path):
    s3_server.client().put_bucket_cors(Bucket=s3_server.MEDIA_BUCKET, CORSConfiguration=CORS_RULES)
    environ = project_environ(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",
    )
    prepare_database(environ)
    with DjangoServer.runserver(environ) as server:
        yield server


def finished(page) -> tuple[str, str]:
    """Wait for the widget to finish; (its state, its message)."""
    widget = page.wait_for_selector(FINISHED, timeout=60_000)
    return widget.get_attribute("data-state"), page.text_content(".mediakit-direct-upload output")


def test_refusals_show_in_the_form_and_a_good_image_keeps_its_dimensions(browser, site, s3_server, tmp_path):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", ADMIN_USER["username"])
    page.fill("#id_password", ADMIN_USER["password"])
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    page.goto(f"{site.url}/admin/gallery/poster/add/")
    page.fill("#id_title", "Harbour")

    too_big = tmp_path / "huge.jpg"
    too_big.write_bytes(b"\0" * (20 * 1000 * 1000 + 1))
    requests_before = len(s3_server.stats()["requests"])
    page.set_input_files("#id_image", too_big)
    assert finished(page) == ("failed", "huge.jpg is 20.0 MB; this field takes at most 20.0 MB.")
    assert s3_server.stats()["requests"][requests_before:] == []  # not a byte left the browser

    disguised = tmp_path / "holiday.jpg"
    disguised.write_bytes(b"<!DOCTYPE html><script>alert('hi')</script>")
    page.set_input_files("#id_image", disguised)
    assert finished(page) == ("failed", "holiday.jpg is not an image this site can read: it was not kept.")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "direct-upload-refused.png", full_page=True)
    assert s3_server.object_names() == []

    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(image_bytes("JPEG", (1200, 900)))
    page.set_input_files("#id_image", picture)
    size = f"{picture.stat().st_size / 1000:.1f} KB"
    assert finished(page) == ("done", f"Uploaded harbour.jpg ({size}): save to keep it.")
    page.click("input[name=_save]")
    page.wait_for_url(f"{site.url}/admin/gallery/poster/")
    row = page.text_content("#result_list tbody tr")
    assert "Harbour" in row and "1200" in row and "900" in row  # width and height from the header read
    assert not s3_server.client().list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads")


def test_cancel_in_the_middle_leaves_no_upload_and_no_object(browser, site, s3_server, tmp_path):  # noqa: F811
    s3_server.slow_down(f"^/{s3_server.MEDIA_BUCKET}/documents/", 2)  # each part takes a while
    page = browser.new_page()
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", ADMIN_USER["username"])
    page.fill("#id_password", ADMIN_USER["password"])
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    page.goto(f"{site.url}/admin/gallery/document/add/")
    big = tmp_path / "film.mp4"
    big.write_bytes(os.urandom(40 * MB))
    page.set_input_files("#id_file", big)
    page.wait_for_selector("[data-direct-cancel]:not([hidden])")
    page.wait_for_function("() => document.querySelector('.mediakit-direct-upload progress').value > 0")
    page.click("[data-direct-cancel]")
    assert finished(page) == ("cancelled", "Upload cancelled.")
    client = s3_server.client()
    wait_until(lambda: not client.list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads"), "the abort")
    assert s3_server.object_names() == []
    assert page.input_value("input[data-direct-result]") == ""  # nothing for the form to save


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The strict S3 server over HTTPS, with a certificate made for these tests."""
    certificate, key = make_certificate(tmp_path_factory.mktemp("tls"))
    server = FaultyS3Server.start(tls=(certificate, key))
    yield server
    server.stop()


def spki_hash(certificate_file: str) -> str:
    """The certificate's public key hash, as Chromium's --ignore-certificate-errors-spki-list takes it."""
    certificate = x509.load_pem_x509_certificate(Path(certificate_file).read_bytes())
    spki = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def test_a_direct_upload_over_tls(tls_server, tmp_path):
    """The parts go to an HTTPS endpoint (the site's client trusts its CA through the DSN's ca_bundle; Chromium
    trusts that one certificate's key, nothing else)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    tls_server.reset()
    tls_server.client().put_bucket_cors(Bucket=tls_server.MEDIA_BUCKET, CORSConfiguration=CORS_RULES)
    environ = project_environ(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=tls_server.dsn(tls_server.MEDIA_BUCKET, ca_bundle=tls_server.ca_bundle),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=tls_server.dsn(tls_server.PRIVATE_BUCKET, ca_bundle=tls_server.ca_bundle),
{%- endif %}
        DJANGO_SETTINGS_MODULE="tests.gallery.settings",
    )
    prepare_database(environ)
    document = tmp_path / "report.pdf"
    document.write_bytes(b"%PDF-1.7\n" + os.urandom(12 * MB))
    trusted = f"--ignore-certificate-errors-spki-list={spki_hash(tls_server.ca_bundle)}"

    with DjangoServer.runserver(environ) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, trusted])
        page = browser.new_page()
        page.goto(f"{site.url}/admin/login/")
        page.fill("#id_username", ADMIN_USER["username"])
        page.fill("#id_password", ADMIN_USER["password"])
        page.click("input[type=submit]")
        page.wait_for_url(f"{site.url}/admin/")
        page.goto(f"{site.url}/admin/gallery/document/add/")
        page.fill("#id_title", "Report")
        page.set_input_files("#id_file", document)
        state, message = finished(page)
        assert state == "done", message
        page.click("input[name=_save]")
        page.wait_for_url(f"{site.url}/admin/gallery/document/")
        browser.close()

    stored = tls_server.client().get_object(Bucket=tls_server.MEDIA_BUCKET, Key="documents/report.pdf")
    assert stored["Body"].read() == document.read_bytes()
    assert tls_server.refused() == []
    assert not tls_server.client().list_multipart_uploads(Bucket=tls_server.MEDIA_BUCKET).get("Uploads")
