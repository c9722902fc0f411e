"""Signed URLs checked by a server that verifies them (tests/support/faulty_s3_server.py, as AWS does)."""

import datetime
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import botocore.auth
import pytest
from django.core.files.base import ContentFile

from mediakit.storage.backends import S3MediaStorage
from mediakit.storage.configuration import parse_storage_dsn

from ..support.http_client import fetch

# Region kinds: the region the signature's scope names (the test server checks any).
REGION_KINDS = {
    "aws us-east-1": {"region_name": "us-east-1"},
    "aws eu-central-1": {"region_name": "eu-central-1"},
    "exoscale zone": {"region_name": "ch-dk-2"},
    "endpoint without a region": {},
}
CONTENT = b"%PDF-1.4 private"


def signed_storage(server, secret: str | None = None, **params: str) -> S3MediaStorage:
    """A storage on the test server whose URLs are signed, as a private storage's are."""
    dsn = server.dsn(server.MEDIA_BUCKET, secret=secret, acl="private", qs_auth="true", **params)
    return S3MediaStorage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


@pytest.fixture
def stored(s3_server) -> str:
    return signed_storage(s3_server).save("contracts/signed.pdf", ContentFile(CONTENT))


@pytest.mark.parametrize("kind", REGION_KINDS)
def test_a_fresh_signed_url_is_sigv4_and_served_in_every_region_kind(s3_server, stored, kind):
    url = signed_storage(s3_server, **REGION_KINDS[kind]).url(stored)
    assert parse_qs(urlsplit(url).query)["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert fetch(url)[:2] == (200, CONTENT)


def test_a_forged_signature_is_refused(s3_server, stored):
    storage = signed_storage(s3_server)
    url = storage.url(stored)
    signature = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
    forged = {
        "a changed signature": with_query(url, **{"X-Amz-Signature": signature[:-1] + "0123"[signature[-1] == "0"]}),
        "another file's path": url.replace("contracts/signed.pdf", "contracts/other.pdf"),
        "a longer life": with_query(url, **{"X-Amz-Expires": "604800"}),
        "another secret": signed_storage(s3_server, secret="not-the-secret").url(stored),
    }
    storage.save("contracts/other.pdf", ContentFile(b"other"))
    for case, url in forged.items():
        fetched = fetch(url)
        assert fetched.status == 403, case
        assert b"<Code>SignatureDoesNotMatch</Code>" in fetched.body, case
        assert CONTENT not in fetched.body, case


def test_an_expired_url_is_refused_and_a_fresh_one_served(s3_server, stored, monkeypatch):
    storage = signed_storage(s3_server)
    two_hours_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=2)
    with monkeypatch.context() as past:
        past.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: two_hours_ago)
        old = storage.url(stored)  # a URL left in a page for two hours; it lives querystring_expire seconds
    assert storage.querystring_expire == 3600
    fetched = fetch(old)
    assert (fetched.status, b"<Message>Request has expired</Message>" in fetched.body) == (403, True)
    assert fetch(storage.url(stored))[:2] == (200, CONTENT)


def test_a_legacy_sigv2_url_is_refused_as_aws_buckets_do(s3_server, stored):
    url = signed_storage(s3_server, auth="s3").url(stored)
    assert "AWSAccessKeyId=" in url
    assert fetch(url).status == 400
