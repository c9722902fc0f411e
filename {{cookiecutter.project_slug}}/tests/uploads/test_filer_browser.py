"""A 40 MB JPEG through django-filer's folder uploader in a real browser (Playwright driving Debian's Chromium):
straight to the strict S3 test server behaving as Exoscale SOS (checksum headers refused, POST bodies over 16 MB
refused), the site receiving only the protocol's small requests (a proxy counts)."""

import io

from PIL import Image as PILImage

from ..site.test_browser import ARTIFACTS, browser  # noqa: F401 -- the browser fixture
from ..support.counting_proxy import CountingProxy
from ..support.django_server import ADMIN_USER, DjangoServer, prepare_database
from ..support.images import image_bytes
from ..support.project import manage, project_environ
from .helpers import CORS_RULES

MB = 1024 * 1024
MOST_BODY_BYTES = 1 * MB
EXOSCALE_POST_LIMIT = 16 * MB


def big_jpeg(size: int) -> bytes:
    """A JPEG of about `size` bytes: a real picture, then padding after its end marker (Pillow reads the picture)."""
    picture = image_bytes("JPEG", (4000, 3000))
    return picture + b"\0" * (size - len(picture))


def test_a_40_mb_jpeg_through_filers_uploader_goes_straight_to_the_bucket(browser, s3_server, tmp_path):  # noqa: F811
    s3_server.client().put_bucket_cors(Bucket=s3_server.MEDIA_BUCKET, CORSConfiguration=CORS_RULES)
    s3_server.limit_posts(EXOSCALE_POST_LIMIT)
    environ = project_environ(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEFAULT_STORAGE_DSN=s3_server.dsn(s3_server.MEDIA_BUCKET),
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=s3_server.dsn(s3_server.PRIVATE_BUCKET),
{%- endif %}
    )
    prepare_database(environ)
    make_folder = "from filer.models import Folder; print(Folder.objects.create(name='Harbour').pk)"
    folder = manage("shell", "--no-imports", "-c", make_folder, check=True, **environ).stdout.strip()
    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(big_jpeg(40 * MB))

    with DjangoServer.runserver(environ) as site, CountingProxy([site.url]) as proxy:
        page = browser.new_page()
        page.goto(f"{proxy.url}/admin/login/")
        page.fill("#id_username", ADMIN_USER["username"])
        page.fill("#id_password", ADMIN_USER["password"])
        page.click("input[type=submit]")
        page.wait_for_url(f"{proxy.url}/admin/")
        page.goto(f"{proxy.url}/admin/filer/folder/{folder}/list/")
        page.wait_for_load_state("load")
        page.wait_for_function("() => document.querySelector('.js-upload-button').dropzone.mediakitDirect")
        with page.expect_navigation(timeout=300_000):  # filer's uploader reloads the folder once it is done
            page.set_input_files("input.dz-hidden-input", picture)
        page.wait_for_selector("text=harbour.jpg")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "direct-upload-filer.png", full_page=True)
        received = sum(proxy.body_bytes.values())

    assert received < MOST_BODY_BYTES, received
    keys = [key for key in s3_server.object_names() if key.endswith("harbour.jpg")]
    assert len(keys) == 1 and keys[0].startswith("filer_public/")
    stored = s3_server.client().get_object(Bucket=s3_server.MEDIA_BUCKET, Key=keys[0])
    assert stored["ContentLength"] == 40 * MB and stored["ContentType"] == "image/jpeg"
    with PILImage.open(io.BytesIO(stored["Body"].read(256 * 1024))) as opened:
        assert opened.size == (4000, 3000)
    assert not s3_server.client().list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET).get("Uploads")
    assert s3_server.refused() == []  # no checksum header, no aws-chunked body
    assert not [request for request in s3_server.stats()["requests"] if request[2] == 400]  # no POST over the limit
    show = "from filer.models import Image; i = Image.objects.get(); print(i.width, i.height, i.size, i.folder.name)"
    row = manage("shell", "--no-imports", "-c", show, check=True, **environ)
    assert row.stdout.split() == ["4000.0", "3000.0", str(40 * MB), "Harbour"]  # filer keeps floats
