"""The project's main paths against providers as they behave in production.

The session's S3 server (conftest.py) refuses checksum headers and aws-chunked bodies, as several
S3-compatible services do; here, the same over TLS on loopback, with a certificate the tests make.
"""

import io

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile

from mediakit.staging import staging_area
from mediakit.storage.backends import S3MediaStorage
from mediakit.storage.configuration import parse_storage_dsn
from mediakit.thumbnails.engine import Rendered
from mediakit.thumbnails.transfers import publish

from ..support.certificates import make_certificate
from ..support.images import JPEG
from ..support.project import manage
from ..support.s3_requests import s3_requests
from ..support.s3_server import FaultyS3Server
from ..support.staging_helpers import write

MB = 1024 * 1024
PARTS = TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB)  # 6 MB: a multipart upload of 2 parts


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The strict S3 server over HTTPS, with a certificate made for the session."""
    certificate, key = make_certificate(tmp_path_factory.mktemp("tls"))
    server = FaultyS3Server.start(tls=(certificate, key))
    yield server
    server.stop()


@pytest.fixture
def tls(tls_server) -> FaultyS3Server:
    tls_server.reset()
    return tls_server


def storage_on(server: FaultyS3Server, **params: str) -> S3MediaStorage:
    """The media storage as the settings build it from a DSN; multipart uploads from 5 MB on."""
    options = parse_storage_dsn(server.dsn(server.MEDIA_BUCKET, **params)).storages_entry()["OPTIONS"]
    return S3MediaStorage(**options, transfer_config=PARTS)


def test_the_strict_server_refuses_what_boto3_sends_by_default(s3_server):
    client = boto3.client("s3", endpoint_url=s3_server.url, **s3_server.credentials)  # botocore's defaults
    refused = "InvalidArgument.*Unsupported header 'x-amz-(sdk-checksum-algorithm|checksum-crc32)'"
    with pytest.raises(ClientError, match=refused):
        client.put_object(Bucket=s3_server.MEDIA_BUCKET, Key="a.txt", Body=b"x")
    with pytest.raises(ClientError, match="InvalidArgument.*Unsupported header 'x-amz-checksum-algorithm'"):
        client.upload_fileobj(io.BytesIO(bytes(6 * MB)), s3_server.MEDIA_BUCKET, "b.bin", Config=PARTS)
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key="a.txt", Body=b"x")  # as the project sends
    deleted = client.delete_objects(Bucket=s3_server.MEDIA_BUCKET, Delete={"Objects": [{"Key": "a.txt"}]})
    assert [item["Key"] for item in deleted["Deleted"]] == ["a.txt"]  # S3 requires its checksum: let through
    assert len(s3_server.refused()) == 2


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: path.mkdir(), "is not a readable file"),
        (lambda path: path.write_text("not a certificate"), "holds no PEM certificate ssl can load"),
        (lambda path: path.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
         "holds no PEM certificate ssl can load"),
    ],
)  # fmt: skip
def test_a_ca_bundle_that_is_a_folder_or_not_pem_stops_the_checks(tls, tmp_path, make, problem):
    ca_bundle = tmp_path / "ca.pem"
    make(ca_bundle)
    result = manage("check", **environ_for(tls, ca_bundle=str(ca_bundle)))
    assert result.returncode == 1
    assert f"(storage.E005) DEFAULT_STORAGE_DSN names ca_bundle {ca_bundle}, which {problem}." in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("through", ["ca_bundle", "AWS_CA_BUNDLE"])
def test_save_multipart_open_url_delete_over_tls(tls, through, monkeypatch):
    if through == "AWS_CA_BUNDLE":
        monkeypatch.setenv("AWS_CA_BUNDLE", tls.ca_bundle)
        storage = storage_on(tls)
    else:
        storage = storage_on(tls, ca_bundle=tls.ca_bundle)
    small, large = b"small file", bytes(range(256)) * (6 * MB // 256)
    with s3_requests(storage) as sent:
        small_name = storage.save("photos/small.txt", ContentFile(small))
        large_name = storage.save("videos/large.bin", io.BytesIO(large))
    assert "POST videos/large.bin" in sent  # CreateMultipartUpload, then parts and CompleteMultipartUpload
    assert sent.count("PUT videos/large.bin") == 2
    with storage.open(large_name) as stored:
        assert stored.read() == large
    fetched = requests.get(storage.url(small_name), verify=tls.ca_bundle, timeout=10)
    assert (fetched.status_code, fetched.content) == (200, small)
    storage.bucket.delete_objects(Delete={"Objects": [{"Key": small_name}, {"Key": large_name}]})
    assert tls.object_names() == []
    assert tls.refused() == []


def test_thumbnails_written_as_at_upload_over_tls(tls):
    # The write path of thumbnails made at upload (thumbnails.publish: one PUT each, concurrently).
    storage = storage_on(tls, ca_bundle=tls.ca_bundle)
    made = [Rendered(f"size-{width}", f"photos/cat.jpg.{width}x{width}.jpg", JPEG, width, width) for width in (40, 80)]
    assert publish(storage, made) == {}
    assert sorted(tls.object_names()) == sorted(thumbnail.name for thumbnail in made)
    fetched = requests.get(storage.url(made[0].name), verify=tls.ca_bundle, timeout=10)
    assert (fetched.status_code, fetched.content) == (200, JPEG)
    assert tls.refused() == []


def test_staging_publish_with_conditional_writes_over_tls(tls, local_dir):
    storage = storage_on(tls, ca_bundle=tls.ca_bundle)
    for content in (b"first", b"second"):  # the second publish replaces, under If-Match
        with staging_area("exports", storage, overwrite=True) as area:
            write(area.path, {"report.txt": content, "data/big.bin": content * (6 * MB // len(content))})
    with storage.open("exports/report.txt") as published:
        assert published.read() == b"second"
    assert tls.refused() == []


def test_an_untrusted_certificate_is_refused_and_explained(tls):
    storage = storage_on(tls)
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        storage.save("a.txt", ContentFile(b"x"))

    result = manage("storage_check", **environ_for(tls))
    assert result.returncode == 1
    assert (
        f"cannot reach the bucket: the TLS certificate of {tls.url} is not trusted; give its CA certificate "
        "as ca_bundle=/path/ca.pem in DEFAULT_STORAGE_DSN (or set AWS_CA_BUNDLE)"
    ) in result.stdout
    assert "Traceback" not in result.stderr


def test_a_ca_bundle_that_does_not_sign_the_certificate_is_named(tls, tmp_path):
    other_ca, _ = make_certificate(tmp_path)  # a valid CA file, but not the one that signed the server's
    result = manage("storage_check", **environ_for(tls, ca_bundle=other_ca))
    assert result.returncode == 1
    assert (
        f"the TLS certificate of {tls.url} is not trusted by ca_bundle {other_ca}; check that the file in "
        "DEFAULT_STORAGE_DSN holds the CA that signed it"
    ) in result.stdout


def test_a_missing_ca_bundle_stops_the_checks(tls, tmp_path):
    result = manage("check", **environ_for(tls, ca_bundle=f"{tmp_path}/missing.pem"))
    assert result.returncode == 1
    assert f"(storage.E005) DEFAULT_STORAGE_DSN names ca_bundle {tmp_path}/missing.pem, which is not a readable" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("through", ["ca_bundle", "AWS_CA_BUNDLE"])
def test_storage_check_over_tls(tls, through):
    if through == "AWS_CA_BUNDLE":
        environ = {**environ_for(tls), "AWS_CA_BUNDLE": tls.ca_bundle}
    else:
        environ = environ_for(tls, ca_bundle=tls.ca_bundle)
    result = manage("storage_check", **environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK    STORAGES['default'], s3 https://127.0.0.1:")
    assert "write, read, url fetched, delete" in result.stdout
    assert tls.refused() == []


def test_storage_check_on_the_strict_server(s3_server):
    result = manage("storage_check", **environ_for(s3_server))
    assert result.returncode == 0, result.stdout + result.stderr
    assert s3_server.refused() == []


def environ_for(server: FaultyS3Server, **params: str) -> dict[str, str]:
    """The storage variables of a project process whose buckets are on this server."""
{%- if cookiecutter.private_media %}
    return {
        "DEFAULT_STORAGE_DSN": server.dsn(server.MEDIA_BUCKET, **params),
        "PRIVATE_STORAGE_DSN": server.dsn(server.PRIVATE_BUCKET, **params),
    }
{%- else %}
    return {"DEFAULT_STORAGE_DSN": server.dsn(server.MEDIA_BUCKET, **params)}
{%- endif %}
