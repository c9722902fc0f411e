"""The platform's discrete DEFAULT_STORAGE_* variables configure the same storage as a DSN."""

from pathlib import Path

import pytest

from mediakit.storage.configuration import (
    LocalConfig,
    StorageDSNError,
    storage_from_environ,
)

LOCAL = LocalConfig(Path("/srv/media"), "/media/")


def options(environ, region="eu-central-1"):
    return storage_from_environ(environ, "DEFAULT_STORAGE", default=LOCAL, region=region).options()


def test_nothing_set_gives_the_default():
    assert storage_from_environ({}, "DEFAULT_STORAGE", default=LOCAL) is LOCAL


def test_dsn_wins():
    environ = {"DEFAULT_STORAGE_DSN": "s3://K:S@dsn-bucket.s3.eu-west-2.amazonaws.com/", "DEFAULT_STORAGE_BUCKET": "b"}
    assert options(environ)["bucket_name"] == "dsn-bucket"


def test_discrete_variables_with_region():
    environ = {
        "DEFAULT_STORAGE_BUCKET": "site-media",
        "DEFAULT_STORAGE_ACCESS_KEY_ID": "KEY",
        "DEFAULT_STORAGE_SECRET_ACCESS_KEY": "abc+def/ghi",
        "DEFAULT_STORAGE_REGION": "eu-west-2",
        "DEFAULT_STORAGE_CUSTOM_DOMAIN": "cdn.example.com",
    }
    assert options(environ) == {
        "bucket_name": "site-media",
        "access_key": "KEY",
        "secret_key": "abc+def/ghi",
        "endpoint_url": "https://s3.eu-west-2.amazonaws.com",
        "region_name": "eu-west-2",
        "addressing_style": "virtual",
        "signature_version": "s3v4",
        "location": "",
        "custom_domain": "cdn.example.com",
        "url_protocol": "https:",
        "default_acl": "public-read",
        "querystring_auth": False,
        "file_overwrite": False,
        "max_memory_size": 10 * 1024 * 1024,
    }


def test_discrete_variables_take_the_project_region():
    got = options({"DEFAULT_STORAGE_BUCKET": "site-media"}, region="ch-dk-2")
    assert got["endpoint_url"] == "https://sos-ch-dk-2.exo.io"
    assert got["region_name"] == "ch-dk-2"


def test_discrete_variables_with_endpoint():
    environ = {"DEFAULT_STORAGE_BUCKET": "media", "DEFAULT_STORAGE_ENDPOINT_URL": "http://127.0.0.1:9000"}
    got = options(environ, region=None)
    assert (got["endpoint_url"], got["addressing_style"]) == ("http://127.0.0.1:9000", "path")


SECRET = "Sup3rS3cretValue"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"DEFAULT_STORAGE_ACCESS_KEY_ID": "KEY"},
            "DEFAULT_STORAGE_BUCKET: not set, but DEFAULT_STORAGE_ACCESS_KEY_ID",
        ),
        ({"DEFAULT_STORAGE_BUCKET": "media"}, "DEFAULT_STORAGE_BUCKET: set DEFAULT_STORAGE_REGION or"),
        (
            {"DEFAULT_STORAGE_BUCKET": "media", "DEFAULT_STORAGE_ENDPOINT_URL": "minio:9000"},
            "DEFAULT_STORAGE_ENDPOINT_URL: endpoint_url must be a URL",
        ),
        (
            {"DEFAULT_STORAGE_BUCKET": "media", "DEFAULT_STORAGE_ENDPOINT_URL": f"https://u:{SECRET}@minio"},
            "DEFAULT_STORAGE_ENDPOINT_URL: endpoint_url must not contain credentials",
        ),
        (
            {"DEFAULT_STORAGE_BUCKET": f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/", "DEFAULT_STORAGE_REGION": "x"},
            "DEFAULT_STORAGE_BUCKET: not a bucket name S3 accepts",
        ),
        (
            {"DEFAULT_STORAGE_BUCKET": "my bucket", "DEFAULT_STORAGE_REGION": "eu-west-1"},
            "DEFAULT_STORAGE_BUCKET: not a",
        ),
        ({"DEFAULT_STORAGE_BUCKET": "media", "DEFAULT_STORAGE_REGION": "eu west"}, "DEFAULT_STORAGE_REGION: not a"),
        (
            {
                "DEFAULT_STORAGE_BUCKET": "media",
                "DEFAULT_STORAGE_REGION": "eu-west-1",
                "DEFAULT_STORAGE_ACCESS_KEY_ID": "K",
            },
            "DEFAULT_STORAGE_SECRET_ACCESS_KEY: give both",
        ),
        (
            {
                "DEFAULT_STORAGE_BUCKET": "media",
                "DEFAULT_STORAGE_REGION": "eu-west-1",
                "DEFAULT_STORAGE_SECRET_ACCESS_KEY": SECRET,
            },
            "DEFAULT_STORAGE_ACCESS_KEY_ID: give both",
        ),
        (
            {
                "DEFAULT_STORAGE_BUCKET": "media",
                "DEFAULT_STORAGE_REGION": "eu-west-1",
                "DEFAULT_STORAGE_CUSTOM_DOMAIN": "/",
            },
            "DEFAULT_STORAGE_CUSTOM_DOMAIN: domain takes a host name",
        ),
    ],
)
def test_a_mistake_names_its_own_variable_and_no_dsn_syntax(environ, message):
    with pytest.raises(StorageDSNError) as caught:
        options(environ, region=None)
    assert str(caught.value).startswith(message)
    assert "Expected a DSN" not in str(caught.value)
    assert "s3://" not in str(caught.value)
    assert SECRET not in str(caught.value)
