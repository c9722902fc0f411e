"""DSN text in, storage configuration out: every shape the platform and S3 services use."""

import functools
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import filepath_to_uri
from hypothesis import given, settings
from hypothesis import strategies as st

from mediakit.storage.configuration import (
    LocalConfig,
    S3Config,
    StorageDSNError,
    parse_storage_dsn,
)


class S3Expected(NamedTuple):
    """What a DSN's S3Config gives: django-storages options, and the MEDIA_URL for those options."""

    bucket_name: str
    endpoint_url: str
    region_name: str | None
    addressing_style: str
    location: str
    custom_domain: str | None
    media_url: str


S3_DSNS = {
    # The platform's AWS form, bucket named like a domain, media served from that name.
    "s3://AKIAEXAMPLE:abc%2Bdef@site-1a2b.aldryn-media.io.s3-eu-central-1.amazonaws.com/"
    "?domain=site-1a2b.aldryn-media.io": S3Expected(
        bucket_name="site-1a2b.aldryn-media.io",
        endpoint_url="https://s3-eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="path",
        location="",
        custom_domain="site-1a2b.aldryn-media.io",
        media_url="https://site-1a2b.aldryn-media.io/",
    ),
    "s3://KEY:SECRET@bucket.s3-eu-central-1.amazonaws.com/prefix?auth=s3v4&domain=cdn.example.com": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3-eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="prefix",
        custom_domain="cdn.example.com",
        media_url="https://cdn.example.com/prefix/",
    ),
    "s3://KEY:SECRET@bucket.s3.eu-west-2.amazonaws.com/a/b/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.eu-west-2.amazonaws.com",
        region_name="eu-west-2",
        addressing_style="virtual",
        location="a/b",
        custom_domain=None,
        media_url="https://bucket.s3.eu-west-2.amazonaws.com/a/b/",
    ),
    "s3://KEY:SECRET@bucket.s3.amazonaws.com/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.amazonaws.com",
        region_name="us-east-1",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://bucket.s3.amazonaws.com/",
    ),
    "s3://KEY:SECRET@bucket.s3-external-1.amazonaws.com/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3-external-1.amazonaws.com",
        region_name="us-east-1",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://bucket.s3-external-1.amazonaws.com/",
    ),
    "s3://KEY:SECRET@bucket.s3.dualstack.ap-southeast-2.amazonaws.com/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.dualstack.ap-southeast-2.amazonaws.com",
        region_name="ap-southeast-2",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://bucket.s3.dualstack.ap-southeast-2.amazonaws.com/",
    ),
    "s3://KEY:SECRET@bucket.s3-fips.us-east-2.amazonaws.com/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3-fips.us-east-2.amazonaws.com",
        region_name="us-east-2",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://bucket.s3-fips.us-east-2.amazonaws.com/",
    ),
    "s3://KEY:SECRET@bucket.s3-fips.dualstack.us-gov-west-1.amazonaws.com/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3-fips.dualstack.us-gov-west-1.amazonaws.com",
        region_name="us-gov-west-1",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://bucket.s3-fips.dualstack.us-gov-west-1.amazonaws.com/",
    ),
    "s3://KEY:SECRET@my.s3.bucket.s3.eu-north-1.amazonaws.com/": S3Expected(
        bucket_name="my.s3.bucket",
        endpoint_url="https://s3.eu-north-1.amazonaws.com",
        region_name="eu-north-1",
        addressing_style="path",
        location="",
        custom_domain=None,
        media_url="https://s3.eu-north-1.amazonaws.com/my.s3.bucket/",
    ),
    # Exoscale (Swiss region), legacy signature.
    "s3://EXOkey:secret@site-1a2b.sos-ch-dk-2.exo.io/?auth=s3": S3Expected(
        bucket_name="site-1a2b",
        endpoint_url="https://sos-ch-dk-2.exo.io",
        region_name="ch-dk-2",
        addressing_style="virtual",
        location="",
        custom_domain=None,
        media_url="https://site-1a2b.sos-ch-dk-2.exo.io/",
    ),
    "s3://EXOkey:secret@media.example.ch.sos-ch-gva-2.exo.io/site": S3Expected(
        bucket_name="media.example.ch",
        endpoint_url="https://sos-ch-gva-2.exo.io",
        region_name="ch-gva-2",
        addressing_style="path",
        location="site",
        custom_domain=None,
        media_url="https://sos-ch-gva-2.exo.io/media.example.ch/site/",
    ),
    # Any other S3 service: the endpoint is the last three labels.
    "s3://KEY:SECRET@bucket.fra1.digitaloceanspaces.com/media?region_name=fra1": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://fra1.digitaloceanspaces.com",
        region_name="fra1",
        addressing_style="path",
        location="media",
        custom_domain=None,
        media_url="https://fra1.digitaloceanspaces.com/bucket/media/",
    ),
    # Bucket alone, explicit endpoint (MinIO, R2, a test server).
    "s3://KEY:SECRET@bucket/media?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000": S3Expected(
        bucket_name="bucket",
        endpoint_url="http://127.0.0.1:9000",
        region_name=None,
        addressing_style="path",
        location="media",
        custom_domain=None,
        media_url="http://127.0.0.1:9000/bucket/media/",
    ),
    "s3://KEY:SECRET@bucket/?endpoint_url=https%3A%2F%2Facc0123.r2.cloudflarestorage.com&region_name=auto": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://acc0123.r2.cloudflarestorage.com",
        region_name="auto",
        addressing_style="path",
        location="",
        custom_domain=None,
        media_url="https://acc0123.r2.cloudflarestorage.com/bucket/",
    ),
    "s3://KEY:SECRET@bucket/?endpoint_url=https%3A%2F%2Fminio.example.com&addressing_style=virtual"
    "&url=http%3A%2F%2Fmedia.example.com%2Ffiles%2F": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://minio.example.com",
        region_name=None,
        addressing_style="virtual",
        location="",
        custom_domain="media.example.com/files",
        media_url="http://media.example.com/files/",
    ),
    # url= is the full base URL of the files: the prefix is not repeated after it.
    "s3://K:S@my-bucket.s3.eu-central-1.amazonaws.com/media?url=https%3A%2F%2Fcdn.example.com%2Fmedia%2F": S3Expected(
        bucket_name="my-bucket",
        endpoint_url="https://s3.eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="media",
        custom_domain="cdn.example.com",
        media_url="https://cdn.example.com/media/",
    ),
    "s3://K:S@bucket.s3.eu-central-1.amazonaws.com/a/b?url=https%3A%2F%2Fcdn.example.com%2Fsite%2Fa%2Fb": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="a/b",
        custom_domain="cdn.example.com/site",
        media_url="https://cdn.example.com/site/a/b/",
    ),
    # A percent-encoded prefix: keys under "my media/", URLs with %20.
    "s3://K:S@bucket.s3.eu-central-1.amazonaws.com/my%20media/": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="my media",
        custom_domain=None,
        media_url="https://bucket.s3.eu-central-1.amazonaws.com/my%20media/",
    ),
    "s3://K:S@bucket.s3.eu-central-1.amazonaws.com/my%20media/"
    "?url=https%3A%2F%2Fcdn.example.com%2Fmy%2520media%2F": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="my media",
        custom_domain="cdn.example.com",
        media_url="https://cdn.example.com/my%20media/",
    ),
    # A bare bucket name takes the endpoint of the project's region.
    "s3://KEY:SECRET@bucket/media": S3Expected(
        bucket_name="bucket",
        endpoint_url="https://s3.eu-central-1.amazonaws.com",
        region_name="eu-central-1",
        addressing_style="virtual",
        location="media",
        custom_domain=None,
        media_url="https://bucket.s3.eu-central-1.amazonaws.com/media/",
    ),
}


@pytest.mark.parametrize("dsn", S3_DSNS)
def test_s3_dsn(dsn):
    config = parse_storage_dsn(dsn, default_region="eu-central-1")
    assert isinstance(config, S3Config)
    options = config.storages_entry()["OPTIONS"]
    *option_names, _ = S3Expected._fields
    assert S3Expected(*(options.get(name) for name in option_names), media_url=config.media_url) == S3_DSNS[dsn]


@pytest.mark.parametrize("dsn", S3_DSNS)
def test_media_url_agrees_with_storage_url(dsn):
    from storages.backends.s3 import S3Storage

    config = parse_storage_dsn(dsn, default_region="eu-central-1")
    storage = S3Storage(**config.storages_entry()["OPTIONS"])
    assert storage.url("photos/cat 1.jpg") == config.media_url + "photos/cat%201.jpg"


@pytest.mark.parametrize("dsn", S3_DSNS)
def test_storage_client_keeps_addressing_and_signature_and_retries_transient_errors(dsn):
    from storages.backends.s3 import S3Storage

    config = parse_storage_dsn(dsn, default_region="eu-central-1")
    client = S3Storage(**config.storages_entry()["OPTIONS"]).connection.meta.client
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.s3["addressing_style"] == config.addressing_style
    assert client.meta.config.signature_version == config.signature_version


@pytest.mark.parametrize("auth", ["s3v4", "s3"])
def test_the_storage_client_signs_as_the_dsn_asks(auth):
    from storages.backends.s3 import S3Storage

    config = parse_storage_dsn(f"s3://KEY:SECRET@bucket.s3.eu-west-1.amazonaws.com/?auth={auth}")
    client = S3Storage(**config.storages_entry()["OPTIONS"]).connection.meta.client
    assert client.meta.config.signature_version == auth


def test_platform_defaults_public_unsigned_no_overwrite():
    options = parse_storage_dsn("s3://KEY:abc%2Bdef@bucket.s3-eu-central-1.amazonaws.com/").storages_entry()["OPTIONS"]
    assert options["access_key"] == "KEY"
    assert options["secret_key"] == "abc+def"
    assert options["default_acl"] == "public-read"
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False
    assert options["signature_version"] == "s3v4"
    assert options["max_memory_size"] == 10 * 1024 * 1024  # larger reads spill to a temporary file


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("auth=s3", {"signature_version": "s3"}),
        ("auth=s3v4", {"signature_version": "s3v4"}),
        ("acl=none", {"default_acl": None}),
        ("acl=private&qs_auth=true", {"default_acl": "private", "querystring_auth": True}),
        ("addressing_style=path", {"addressing_style": "path"}),
        ("region_name=eu-west-1", {"region_name": "eu-west-1"}),
    ],
)
def test_parameters(query, expected):
    options = parse_storage_dsn(f"s3://K:S@bucket.s3.eu-central-1.amazonaws.com/?{query}").options()
    assert {name: options.get(name) for name in expected} == expected


def test_no_credentials_uses_the_default_credential_chain():
    options = parse_storage_dsn("s3://bucket.s3.eu-central-1.amazonaws.com/").options()
    assert "access_key" not in options
    assert "secret_key" not in options
{%- if cookiecutter.private_media %}


def test_private_storage_is_signed_and_never_public():
    config = parse_storage_dsn("s3://K:S@bucket.s3.eu-central-1.amazonaws.com/private", private=True)
    options = config.options()
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert "custom_domain" not in options
{%- endif %}


@pytest.mark.parametrize(
    ("dsn", "location", "base_url"),
    [
        ("file:///data/media/?url=%2Fmedia%2F", "/data/media", "/media/"),
        ("file:///data/media", "/data/media", "/media/"),
        ("file:///srv/my%20files/?url=https%3A%2F%2Fcdn.example.com", "/srv/my files", "https://cdn.example.com/"),
        ("file://localhost/data/media/", "/data/media", "/media/"),
    ],
)
def test_file_dsn(dsn, location, base_url):
    config = parse_storage_dsn(dsn)
    assert isinstance(config, LocalConfig)
    assert config.storages_entry() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "base_url": base_url},
    }
    assert config.media_url == base_url


SECRET = "Sup3rS3cretValue"

# DSN -> what the message must say
BAD_DSNS = {
    f"KEY:{SECRET}@bucket.s3.amazonaws.com": "no scheme",
    f"gs://KEY:{SECRET}@bucket/": "unknown scheme 'gs'",
    f"s3://KEY:{SECRET}@s3.eu-central-1.amazonaws.com/": "no bucket name",
    f"s3://KEY:{SECRET}@sos-ch-dk-2.exo.io/": "no bucket name",
    f"s3://KEY:{SECRET}@media.example.com/": "cannot tell the bucket from the endpoint in host 'media.example.com'",
    f"s3://KEY:{SECRET}%zz@bucket.s3.amazonaws.com/": "bad percent-encoding in the secret",
    f"s3://KEY:{SECRET}%FF@bucket.s3.amazonaws.com/": "not valid percent-encoded UTF-8",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?acl=private&acl=public-read": "given more than once",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?auth=s3v5": "unknown auth 's3v5'",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?acl=world": "unknown acl 'world'",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?qs_auth=maybe": "qs_auth must be true or false",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?addressing_style=sideways": "addressing_style must be one of",
    f"s3://KEY:{SECRET}@bucket/?endpoint_url=minio.local": "endpoint_url must be a URL",
    f"s3://KEY:{SECRET}@bucket/?endpoint_url=http%3A%2F%2Fminio%3Aabc": "endpoint_url must be a URL",
    f"s3://KEY:{SECRET}@bucket/?endpoint_url=ftp%3A%2F%2Fminio": "endpoint_url must be a URL",
    f"s3://KEY:{SECRET}@bucket:9000/": "a port belongs in endpoint_url",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/#x": "has a '#' part",
    f"s3//KEY:{SECRET}@bucket/?endpoint_url=http://127.0.0.1:9000": "does not start with a scheme",
    f"s3://KEY:{SECRET}@my-bucket.eu-central-1.amazonaws.com/": "an AWS host needs its s3 label",
    f"s3://KEY:{SECRET}@[bucket.s3.amazonaws.com/": "the host cannot be parsed",
    f"s3://KEY:{SECRET}@[not-an-address]/": "the host cannot be parsed",
    f"s3://KEY:{SECRET}@bucket/?endpoint_url=http%3A%2F%2F%5Bminio": "endpoint_url must be a URL",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?region_name=eu%20central": "not a region code",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?region_name=eu/central": "not a region code",
    f"s3://KEY:{SECRET}@my%20bucket/?endpoint_url=http%3A%2F%2Fminio": "not a bucket name S3 accepts",
    f"s3://KEY:{SECRET}@b%C3%BCcket/?endpoint_url=http%3A%2F%2Fminio": "not a bucket name S3 accepts",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/..": "must not contain '.' or '..' segments",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/media/../x": "must not contain '.' or '..' segments",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/%0Amedia": "control characters",
    f"s3://KEY:{SECRET}@bucket/?endpoint_url=https%3A%2F%2Fuser%3A{SECRET}%40minio": "must not contain credentials",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=https%3A%2F%2Fu%3A{SECRET}%40cdn": "must not contain credentials",
    "s3://KEY:Sup3r@S3cretValue@bucket.s3.amazonaws.com/": "the secret contains an '@'",
    f"s3://bucket.s3.amazonaws.com/?domain=cdn@{SECRET}": "an '@' outside KEY:SECRET@",
    f"file://KEY:{SECRET}@/data/media": "a file DSN takes no credentials",
    f"s3://:{SECRET}@bucket.s3.amazonaws.com/": "both the access key and the secret",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?domain=https%3A%2F%2Fcdn.example.com": "domain takes a host name",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=cdn.example.com": "url must be a full URL",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=https%3A%2F%2Fa&domain=b": "domain or url, not both",
    f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/media?url=https%3A%2F%2Fcdn.example.com%2Ffiles%2F": (
        "its path must end with the prefix /media/"
    ),
    "file://media/": "absolute path",
}


@pytest.mark.parametrize("dsn", BAD_DSNS)
def test_bad_dsn(dsn):
    with pytest.raises(ImproperlyConfigured) as caught:
        parse_storage_dsn(dsn, variable="DEFAULT_STORAGE_DSN")
    message = str(caught.value)
    assert message.startswith("DEFAULT_STORAGE_DSN: ")
    assert BAD_DSNS[dsn] in message
    assert "Expected a DSN like " in message
    assert SECRET not in message
    assert isinstance(caught.value, StorageDSNError)


@pytest.mark.parametrize(
    "secret",
    [
        "/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # one AWS secret in 64 starts with /
        "abc/def?ghi",
        "abc#def",
        "ab[c]d:ef",
        "abc%2Fdef",  # percent-encoded, as the platform writes it
    ],
)
def test_an_unencoded_secret_is_understood_not_reinterpreted(secret):
    config = parse_storage_dsn(f"s3://AKIAIOSFODNN7EXAMPLE:{secret}@my-bucket.s3.eu-central-1.amazonaws.com/media")
    assert (config.access_key, config.bucket_name, config.location) == ("AKIAIOSFODNN7EXAMPLE", "my-bucket", "media")
    assert config.secret_key == secret.replace("%2F", "/")
    assert "EXAMPLE" not in config.media_url


def test_unknown_parameters_are_ignored_and_named():
    from mediakit.storage.configuration.dsn import unknown_parameters

    dsn = f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?colour=blue&auth=s3&new_platform_option=1"
    assert parse_storage_dsn(dsn).options()["signature_version"] == "s3"
    assert unknown_parameters(dsn) == ["colour", "new_platform_option"]
    assert unknown_parameters("file:///data/media/?url=%2Fmedia%2F&key=x") == ["key"]
    assert unknown_parameters(f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?auth=s3") == []


def test_bare_bucket_needs_an_endpoint_without_a_region():
    with pytest.raises(StorageDSNError, match="add endpoint_url"):
        parse_storage_dsn("s3://K:S@bucket/", default_region=None)
{%- if cookiecutter.private_media %}


@pytest.mark.parametrize(
    "query", ["domain=cdn.example.com", "url=https%3A%2F%2Fcdn.example.com", "qs_auth=false", "acl=public-read"]
)
def test_private_storage_refuses_public_urls(query):
    with pytest.raises(StorageDSNError, match="private files need signed, expiring URLs"):
        parse_storage_dsn(f"s3://K:S@bucket.s3.eu-central-1.amazonaws.com/?{query}", private=True)
{%- endif %}


def test_repr_never_shows_credentials():
    config = parse_storage_dsn(f"s3://AKIAEXAMPLE:{SECRET}@bucket.s3.eu-central-1.amazonaws.com/")
    assert SECRET not in repr(config)
    assert "AKIAEXAMPLE" not in repr(config)


# Region kind -> (DSN with signed URLs, the region in the SigV4 credential scope)
SIGNED_URL_DSNS = {
    "aws us-east-1": ("s3://AKIAEXAMPLE:secret@bucket.s3.amazonaws.com/?qs_auth=true", "us-east-1"),
    "aws eu-west-1": ("s3://AKIAEXAMPLE:secret@bucket.s3.eu-west-1.amazonaws.com/?qs_auth=true", "eu-west-1"),
    "exoscale": ("s3://EXOkey:secret@bucket.sos-ch-dk-2.exo.io/?qs_auth=true", "ch-dk-2"),
    "generic endpoint": (
        "s3://KEY:secret@bucket/?endpoint_url=https%3A%2F%2Fminio.example.com&region_name=eu-1&qs_auth=true",
        "eu-1",
    ),
}


def signed_url_query(options: dict) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    from mediakit.storage.backends import S3MediaStorage

    return parse_qs(urlsplit(S3MediaStorage(**options).url("photos/cat.jpg")).query)


@pytest.mark.parametrize("kind", SIGNED_URL_DSNS)
def test_signed_urls_are_sigv4_in_every_region(kind):
    from mediakit.storage.backends import S3MediaStorage
    from mediakit.storage.operations.summary import signature

    dsn, region = SIGNED_URL_DSNS[kind]
    options = parse_storage_dsn(dsn).storages_entry()["OPTIONS"]
    query = signed_url_query(options)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].split("/")[2] == region
    assert "Signature" not in query and "AWSAccessKeyId" not in query
    assert signature(S3MediaStorage(**options)) == "s3v4 (SigV4)"  # what storage_info shows


@pytest.mark.parametrize("kind", ["aws us-east-1", "aws eu-west-1"])
def test_without_a_signature_version_botocore_would_sign_with_sigv2(kind):
    # Why the DSN's default is explicit: left to botocore, these regions' URLs are SigV2.
    dsn, _ = SIGNED_URL_DSNS[kind]
    options = parse_storage_dsn(dsn).options()
    del options["signature_version"]
    assert "AWSAccessKeyId" in signed_url_query(options)


@pytest.mark.parametrize("kind", SIGNED_URL_DSNS)
def test_auth_s3_asks_for_the_legacy_signature(kind):
    from mediakit.storage.backends import S3MediaStorage
    from mediakit.storage.operations.summary import signature

    dsn, _ = SIGNED_URL_DSNS[kind]
    options = parse_storage_dsn(dsn + "&auth=s3").storages_entry()["OPTIONS"]
    query = signed_url_query(options)
    assert {"AWSAccessKeyId", "Signature", "Expires"} <= set(query)
    assert "X-Amz-Algorithm" not in query
    assert signature(S3MediaStorage(**options)) == "s3 (legacy SigV2)"


# Prefix segments: any printable text but "/" (the separator), "\\" (django-storages reads it as a
# Windows path separator) and the "." and ".." that no key may hold.
PREFIX_SEGMENTS = st.text(st.characters(codec="utf-8", exclude_categories=["C"], exclude_characters="/\\"), min_size=1)


@functools.cache
def bucket_storage():
    """One storage's boto3 connections for all examples: making them takes boto3 about a second."""
    from mediakit.storage.backends import S3MediaStorage

    dsn = "s3://K:S@bucket.s3.eu-central-1.amazonaws.com/"
    storage = S3MediaStorage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"])
    storage.url("x")  # connects
    return storage


@settings(max_examples=50, deadline=None)
@given(segments=st.lists(PREFIX_SEGMENTS.filter(lambda s: s.strip(".") and s.strip() == s), min_size=1, max_size=3))
def test_any_prefix_gives_keys_under_it_and_encoded_media_urls(segments):
    from mediakit.storage.backends import S3MediaStorage

    location = "/".join(segments)
    encoded = quote(location)
    for query in ["", "?url=" + quote(f"https://cdn.example.com/site/{encoded}/", safe="")]:
        config = parse_storage_dsn(f"s3://K:S@bucket.s3.eu-central-1.amazonaws.com/{encoded}/{query}")
        assert config.location == location
        assert config.media_url.isascii() and " " not in config.media_url
        assert unquote(urlsplit(config.media_url).path).endswith(f"/{location}/")
        if query:
            assert config.media_url == f"https://cdn.example.com/site/{filepath_to_uri(location)}/"
        storage = S3MediaStorage(**config.storages_entry()["OPTIONS"])
        storage._connections = bucket_storage()._connections  # same endpoint, region and bucket
        storage._unsigned_connections = bucket_storage()._unsigned_connections
        assert storage.url("photos/cat 1.jpg") == config.media_url + "photos/cat%201.jpg"
