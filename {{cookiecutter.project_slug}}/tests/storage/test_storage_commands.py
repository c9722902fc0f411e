"""manage.py storage_info and storage_check, against real S3 servers (and ones that refuse)."""

import os
from io import StringIO

import pytest
from django.core.management import call_command

from ..support.processes import free_port
from ..support.project import PROJECT, manage
from ..support.s3_server import S3Server


def test_storage_info_masks_credentials(s3_server):
    output = StringIO()
    call_command("storage_info", stdout=output)
    text = output.getvalue()
    assert "STORAGES['default'] (from DEFAULT_STORAGE_DSN)" in text
    assert f"endpoint     {s3_server.url}" in text
    assert "bucket       media" in text
    assert "signed urls  no" in text
    assert "signature    s3v4 (SigV4)" in text
    assert "access key   ****" in text
    assert s3_server.credentials["aws_secret_access_key"] not in text.replace("access key", "")


def test_storage_info_without_credentials_anywhere_says_so(tmp_path):
    dsn = "s3://my-bucket.s3.eu-central-1.amazonaws.com/?acl=private&qs_auth=true"  # signed URLs, no key
    environ = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"), "DEFAULT_STORAGE_DSN": dsn}
    result = manage("storage_info", **environ)
    assert result.returncode == 0, result.stderr
    assert "cannot make one: NoCredentialsError" in result.stdout
    assert "Traceback" not in result.stderr


def test_credentials_in_an_endpoint_url_are_masked_wherever_shown():
    from storages.backends.s3 import S3Storage

    from mediakit.storage.operations.inventory import location_of
    from mediakit.storage.operations.summary import summarize
    from mediakit.storage.s3 import mask_credentials

    storage = S3Storage(
        bucket_name="media", endpoint_url="https://user:Sup3rS3cret@minio.example.com", access_key="K", secret_key="S"
    )
    shown = " ".join(summarize(storage).values()) + location_of(storage)
    assert "Sup3rS3cret" not in shown and "user:" not in shown
    assert "https://****@minio.example.com" in shown
    message = "Could not connect to the endpoint URL: https://user:Sup3rS3cret@minio.example.com/media/x.jpg"
    assert (
        mask_credentials(message)
        == "Could not connect to the endpoint URL: https://****@minio.example.com/media/x.jpg"
    )


def test_storage_check_passes_and_leaves_nothing(s3_server):
    output = StringIO()
    call_command("storage_check", stdout=output)
    lines = output.getvalue().splitlines()
    assert lines[0].startswith("OK    STORAGES['default'], s3 ")
    assert lines[0].endswith(": write, read, url fetched, delete")
    assert all(line.startswith("OK") for line in lines)
    assert s3_server.object_names() == []
{%- if cookiecutter.private_media %}
    assert s3_server.object_names(s3_server.PRIVATE_BUCKET) == []
{%- endif %}


@pytest.fixture(scope="module")
def strict_server():
    """An S3 server that checks credentials, with a key of its own."""
    server = S3Server.start(check_credentials=True)
    yield server
    server.stop()


SECRET = "Sup3rS3cretValue"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong key", "the access key is unknown to the service; check the key in DEFAULT_STORAGE_DSN"),
        ("wrong secret", "the secret does not match the access key; check the secret in DEFAULT_STORAGE_DSN"),
        ("missing bucket", "bucket missing-bucket does not exist at http://127.0.0.1:"),
        ("wrong region", "bucket media is in region us-east-1, but DEFAULT_STORAGE_DSN says eu-west-1"),
        ("endpoint down", "the endpoint http://127.0.0.1:{port} is unreachable"),
    ],
)
def test_storage_check_explains_each_failure(strict_server, tmp_path, case, message):
    port = free_port()
    good_key = strict_server.credentials["aws_access_key_id"]
    dsn = {
        "wrong key": strict_server.dsn("media", key="AKIAWRONGKEY0000", secret=SECRET),
        "wrong secret": strict_server.dsn("media", key=good_key, secret=SECRET),
        "missing bucket": strict_server.dsn("missing-bucket"),
        "wrong region": strict_server.dsn("media", region_name="eu-west-1"),
        "endpoint down": f"s3://KEY:{SECRET}@media/?endpoint_url=http%3A%2F%2F127.0.0.1%3A{port}",
    }[case]
    environ = {"DEFAULT_STORAGE_DSN": dsn}
{%- if cookiecutter.private_media %}
    environ["PRIVATE_STORAGE_DSN"] = f"file://{tmp_path}/"  # fine: only the media storage is wrong
{%- endif %}

    result = manage("storage_check", **environ)

    assert result.returncode == 1
    assert message.format(port=port) in result.stdout
    assert "FAIL  STORAGES['default']" in result.stdout
    assert "CommandError: 1 storage(s) failed: STORAGES['default']" in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert strict_server.credentials["aws_secret_access_key"] not in result.stdout + result.stderr
    assert strict_server.object_names("media") == []  # nothing written


@pytest.mark.parametrize("method", ["HEAD", "GET", "PUT", "DELETE"])
def test_storage_check_masks_credentials_the_service_echoes(faulty, method):
    """Some services name the key (or worse) in their error messages: the verdict never shows them."""
    from mediakit.storage.operations.probe import probe

    from ..support.staging_helpers import ACCESS_KEY, SECRET, storage_on

    echoed = f"Request by {ACCESS_KEY} signed with {SECRET} refused"
    faulty.fail("/", method=method, status=400, code="InvalidRequest", message=echoed)
    verdict = probe(storage_on(faulty), "DEFAULT_STORAGE_DSN")
    assert not verdict.ok
    assert "\n" not in verdict.message
    assert ACCESS_KEY not in verdict.message and SECRET not in verdict.message
    if method != "HEAD":  # a HEAD answer has no body: nothing was echoed
        assert "Request by **** signed with **** refused" in verdict.message


def test_the_503_log_line_masks_credentials_the_service_echoes(faulty, settings, caplog):
    from botocore.exceptions import ClientError
    from django.core.files.base import ContentFile
    from django.test import RequestFactory

    from mediakit.middleware import StorageErrorMiddleware
    from mediakit.storage.configuration import parse_storage_dsn

    from ..support.staging_helpers import ACCESS_KEY, SECRET, storage_on

    dsn = f"s3://{ACCESS_KEY}:{SECRET}@{faulty.MEDIA_BUCKET}/?endpoint_url={faulty.url}"
    settings.STORAGES = {**settings.STORAGES, "default": parse_storage_dsn(dsn).storages_entry()}
    settings.DEBUG = False
    faulty.fail("/", status=400, code="InvalidRequest", message=f"Request by {ACCESS_KEY} with {SECRET} refused")
    with pytest.raises(ClientError) as caught:
        storage_on(faulty).save("photo.jpg", ContentFile(b"x"))
    request = RequestFactory().post("/upload/")
    response = StorageErrorMiddleware(lambda request: None).process_exception(request, caught.value)
    assert response.status_code == 503
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Media storage failed during POST /upload/" in logged and "Request by **** with **** refused" in logged
    assert ACCESS_KEY not in logged and SECRET not in logged


def test_storage_check_on_local_files_leaves_nothing(tmp_path):
    result = manage(
        "storage_check",
        DEFAULT_STORAGE_DSN=f"file://{tmp_path}/media/",
{%- if cookiecutter.private_media %}
        PRIVATE_STORAGE_DSN=f"file://{tmp_path}/private/",
{%- endif %}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "url not fetched (a path this site serves)" in result.stdout
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    assert not (PROJECT / "media").exists()
    assert os.listdir(tmp_path / "media") == []
