"""Each provider kind gets the client settings it needs in production: checksums, TLS trust."""

from pathlib import Path

import pytest

from mediakit.storage.backends import S3MediaStorage
from mediakit.storage.configuration import (
    LocalConfig,
    StorageDSNError,
    parse_storage_dsn,
    storage_from_environ,
)
from mediakit.storage.operations.summary import summarize

# Provider kind -> (a DSN of that kind, whether its client adds checksums to every upload)
PROVIDER_DSNS = {
    "aws global": ("s3://K:S@bucket.s3.amazonaws.com/", True),
    "aws regional": ("s3://K:S@bucket.s3.eu-central-1.amazonaws.com/", True),
    "aws legacy dash": ("s3://K:S@site.example.org.s3-eu-west-2.amazonaws.com/", True),
    "aws endpoint_url": ("s3://K:S@bucket/?endpoint_url=https%3A%2F%2Fs3.eu-west-1.amazonaws.com", True),
    "exoscale": ("s3://K:S@bucket.sos-ch-dk-2.exo.io/", False),
    "exoscale legacy signature": ("s3://K:S@bucket.sos-ch-dk-2.exo.io/?auth=s3", False),
    "generic host": ("s3://K:S@bucket.fsn1.your-objectstorage.com/", False),
    "generic endpoint_url": ("s3://K:S@bucket/?endpoint_url=https%3A%2F%2Fminio.example.com%3A9000", False),
    "aws, asking for less": ("s3://K:S@bucket.s3.eu-central-1.amazonaws.com/?checksums=when_required", False),
    "generic, asking for more": (
        "s3://K:S@bucket/?endpoint_url=https%3A%2F%2Fr2.example.com&checksums=when_supported",
        True,
    ),
}


def adds_checksums(headers: dict[str, str]) -> bool:
    """A checksum header, or (over HTTPS) an aws-chunked body with a trailing one."""
    return any(
        name.startswith(("x-amz-checksum-", "x-amz-sdk-checksum-", "x-amz-trailer")) for name in headers
    ) or "aws-chunked" in headers.get("content-encoding", "")


class Sent(Exception):
    """Raised in place of sending: the request is what the test looks at."""


def headers_of_a_save(options: dict) -> dict[str, str]:
    """The headers of the PutObject a save() sends (caught before it leaves the client)."""
    storage = S3MediaStorage(**options)

    def catch(request, **kwargs):
        raise Sent({name.lower(): _text(value) for name, value in request.headers.items()})

    storage.connection.meta.client.meta.events.register("before-send.s3.PutObject", catch)
    with pytest.raises(Sent) as sent:
        storage.connection.meta.client.put_object(Bucket=storage.bucket_name, Key="photo.jpg", Body=b"x" * 100)
    return sent.value.args[0]


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize("kind", PROVIDER_DSNS)
def test_checksum_headers_only_where_the_provider_takes_them(kind, monkeypatch):
    monkeypatch.delenv("AWS_REQUEST_CHECKSUM_CALCULATION", raising=False)
    dsn, checksums = PROVIDER_DSNS[kind]
    headers = headers_of_a_save(parse_storage_dsn(dsn).storages_entry()["OPTIONS"])
    assert adds_checksums(headers) == checksums, headers


def test_aws_keeps_the_sdks_default_and_so_its_environment_variable(monkeypatch):
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    options = parse_storage_dsn("s3://K:S@bucket.s3.eu-central-1.amazonaws.com/").storages_entry()["OPTIONS"]
    assert not adds_checksums(headers_of_a_save(options))


@pytest.mark.parametrize(
    ("region", "checksums"), [("ch-dk-2", "when_required"), ("eu-central-1", None), ("de-fra-1", "when_required")]
)
def test_discrete_variables_get_the_provider_settings_of_their_region(region, checksums):
    environ = {"DEFAULT_STORAGE_BUCKET": "site-media", "DEFAULT_STORAGE_REGION": region}
    config = storage_from_environ(environ, "DEFAULT_STORAGE", default=LocalConfig(Path("/srv"), "/media/"))
    assert config.checksums == checksums


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        (
            "aws regional",
            "botocore's default (when_supported, unless AWS_REQUEST_CHECKSUM_CALCULATION says otherwise)",
        ),
        ("exoscale", "when_required (only where S3 requires one, e.g. DeleteObjects)"),
        ("generic, asking for more", "when_supported (CRC32 on every upload and download)"),
    ],
)
def test_storage_info_shows_the_checksum_setting(kind, shown):
    dsn, _ = PROVIDER_DSNS[kind]
    assert summarize(S3MediaStorage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"]))["checksums"] == shown


def test_ca_bundle_is_trusted_for_the_endpoint_and_shown(tmp_path):
    dsn = f"s3://K:S@bucket/?endpoint_url=https%3A%2F%2Fminio.internal&ca_bundle={tmp_path}/ca.pem"
    storage = S3MediaStorage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"])
    assert storage.verify == f"{tmp_path}/ca.pem"
    assert summarize(storage)["tls"] == f"verified against {tmp_path}/ca.pem"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("checksums=always", "DEFAULT_STORAGE_DSN: checksums must be one of when_supported, when_required."),
        ("ca_bundle=ca.pem", "DEFAULT_STORAGE_DSN: ca_bundle must be the absolute path of a CA certificate file"),
        ("ca_bundle=", "DEFAULT_STORAGE_DSN: ca_bundle must be the absolute path of a CA certificate file"),
    ],
)
def test_bad_client_parameters_are_refused_in_one_line(query, message):
    with pytest.raises(StorageDSNError) as error:
        parse_storage_dsn(f"s3://K:S3cretValue@bucket.sos-ch-dk-2.exo.io/?{query}")
    assert str(error.value).startswith(message)
    assert "S3cretValue" not in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("endpoint", "verify", "shown"),
    [
        ("http://127.0.0.1:9000", None, "none (plain HTTP)"),
        ("https://minio.internal", None, "verified against botocore's CA bundle (or AWS_CA_BUNDLE)"),
        ("https://minio.internal", False, "NOT verified (verify=False)"),
    ],
)
def test_storage_info_shows_how_tls_is_verified(endpoint, verify, shown):
    storage = S3MediaStorage(bucket_name="media", endpoint_url=endpoint, verify=verify)
    assert summarize(storage)["tls"] == shown
