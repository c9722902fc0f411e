"""What a DSN means, case by case, and every refusal's whole message: the variable, the problem, the form.

The messages are the contract (they name the variable and say how to fix it), so they are compared whole.
"""

from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediakit.storage.configuration.dsn import (
    ENDPOINT_FORM,
    FILE_FORM,
    S3_FORM,
    StorageDSNError,
    bucket_problem,
    explicit_endpoint,
    parse_storage_dsn,
    unknown_parameters,
)
from mediakit.storage.configuration.endpoints import (
    Endpoint,
    endpoint_for_region,
    split_generic_host,
    split_host,
)
from mediakit.storage.configuration.storage_configs import LocalConfig, S3Config

SECRET = "Sup3rS3cretValue"
ACLS = (
    "private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, "
    "bucket-owner-full-control"
)
VARIABLE = "ARCHIVE_STORAGE_DSN"  # not the default: a message naming the default variable would be wrong

# DSN, the problem as the message says it, and the form the message shows as an example.
REFUSED = [
    (f"KEY:{SECRET}@bucket.s3.amazonaws.com", "the value is not a DSN (no scheme such as s3:// or file://)", S3_FORM),
    (f"gs://KEY:{SECRET}@bucket/", "unknown scheme 'gs' (supported: s3://, file://)", S3_FORM),
    (f"s3://KEY:{SECRET}@s3.eu-central-1.amazonaws.com/", "no bucket name", S3_FORM),
    (f"s3://KEY:{SECRET}@sos-ch-dk-2.exo.io/", "no bucket name", S3_FORM),
    (
        f"s3://KEY:{SECRET}@media.example.com/",
        "cannot tell the bucket from the endpoint in host 'media.example.com'; "
        "give the bucket alone as host, and the endpoint as endpoint_url",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}%zz@bucket.s3.amazonaws.com/",
        "bad percent-encoding in the secret; write % itself as %25",
        S3_FORM,
    ),
    (f"s3://KEY:{SECRET}%FF@bucket.s3.amazonaws.com/", "the secret is not valid percent-encoded UTF-8", S3_FORM),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?acl=private&acl=public-read",
        "parameter acl given more than once",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?auth=s3v5",
        "unknown auth 's3v5' (use s3v4, or s3 for the legacy signature)",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?acl=world",
        f"unknown acl 'world' (use one of {ACLS}, or none)",
        S3_FORM,
    ),
    (f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?qs_auth=maybe", "qs_auth must be true or false", S3_FORM),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?addressing_style=sideways",
        "addressing_style must be one of auto, path, virtual",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket/?endpoint_url=minio.local",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket/?endpoint_url=http%3A%2F%2Fminio%3Aabc",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket/?endpoint_url=ftp%3A%2F%2Fminio",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (f"s3://KEY:{SECRET}@bucket:9000/", "a port belongs in endpoint_url, not in the bucket host", ENDPOINT_FORM),
    (f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/#x", "the DSN has a '#' part; percent-encode '#' as %23", S3_FORM),
    (
        f"s3//KEY:{SECRET}@bucket/?endpoint_url=http://127.0.0.1:9000",
        "the value does not start with a scheme (supported: s3://, file://)",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@my-bucket.eu-central-1.amazonaws.com/",
        "an AWS host needs its s3 label, as in BUCKET.s3.REGION.amazonaws.com",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@[bucket.s3.amazonaws.com/",
        "the host cannot be parsed (an unbalanced [ or ], or a bad port); percent-encode them",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@[not-an-address]/",
        "the host cannot be parsed (an unbalanced [ or ], or a bad port); percent-encode them",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket/?endpoint_url=http%3A%2F%2F%5Bminio",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?region_name=eu%20central",
        "not a region code (lowercase letters, digits and hyphens, e.g. eu-central-1)",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?region_name=eu/central",
        "not a region code (lowercase letters, digits and hyphens, e.g. eu-central-1)",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@my%20bucket/?endpoint_url=http%3A%2F%2Fminio",
        "not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@b%C3%BCcket/?endpoint_url=http%3A%2F%2Fminio",
        "not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/..",
        "the path (key prefix) must not contain '.' or '..' segments or control characters",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/media/./x",
        "the path (key prefix) must not contain '.' or '..' segments or control characters",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/media/../x",
        "the path (key prefix) must not contain '.' or '..' segments or control characters",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/%0Amedia",
        "the path (key prefix) must not contain '.' or '..' segments or control characters",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket/?endpoint_url=https%3A%2F%2Fuser%3A{SECRET}%40minio",
        "endpoint_url must not contain credentials (user:password@); give them as KEY:SECRET",
        ENDPOINT_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=https%3A%2F%2Fu%3A{SECRET}%40cdn",
        "url must not contain credentials (user:password@)",
        S3_FORM,
    ),
    (
        "s3://KEY:Sup3r@S3cretValue@bucket.s3.amazonaws.com/",
        "the secret contains an '@'; percent-encode it as %40",
        S3_FORM,
    ),
    (
        f"s3://bucket.s3.amazonaws.com/?domain=cdn@{SECRET}",
        "an '@' outside KEY:SECRET@; percent-encode '@' in the path or parameters as %40",
        S3_FORM,
    ),
    (f"file://KEY:{SECRET}@/data/media", "a file DSN takes no credentials", FILE_FORM),
    ("file://KEY@/data/media", "a file DSN takes no credentials", FILE_FORM),  # a key alone, too
    (
        "s3://K:S@bkt.s3.amazonaws.com/?domain=user%40cdn.example.com",  # percent-encoded, it reaches the check
        "domain takes a host name such as cdn.example.com (use url= for a full URL)",
        S3_FORM,
    ),
    (f"file://:{SECRET}@/data/media", "a file DSN takes no credentials", FILE_FORM),  # a secret alone, too
    (f"s3://:{SECRET}@bucket.s3.amazonaws.com/", "give both the access key and the secret, or neither", S3_FORM),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?domain=https%3A%2F%2Fcdn.example.com",
        "domain takes a host name such as cdn.example.com (use url= for a full URL)",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=cdn.example.com",
        "url must be a full URL such as https://cdn.example.com/media/",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?url=https%3A%2F%2Fa&domain=b",
        "give domain or url, not both",
        S3_FORM,
    ),
    (
        f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/media?url=https%3A%2F%2Fcdn.example.com%2Ffiles%2F",
        "url is the full base URL of the files, so its path must end with the prefix /media/",
        S3_FORM,
    ),
    ("file://media/", "a file DSN needs an absolute path, with three slashes", FILE_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/?acl=%zz", "bad percent-encoding in the parameters", S3_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/pre%zzfix", "bad percent-encoding in the path", S3_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/pre%FFfix", "the path is not valid percent-encoded UTF-8", S3_FORM),
    ("s3://K%zz:S@bucket.s3.amazonaws.com/", "bad percent-encoding in the access key; write % itself as %25", S3_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/?acl=", f"unknown acl '' (use one of {ACLS}, or none)", S3_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/?qs_auth=", "qs_auth must be true or false", S3_FORM),
    ("s3://K:S@bucket.s3.amazonaws.com/?auth=", "unknown auth '' (use s3v4, or s3 for the legacy signature)", S3_FORM),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?domain=",
        "domain takes a host name such as cdn.example.com (use url= for a full URL)",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?url=",
        "url must be a full URL such as https://cdn.example.com/media/",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?region_name=",
        "not a region code (lowercase letters, digits and hyphens, e.g. eu-central-1)",
        S3_FORM,
    ),
    ("s3://K:S@bucket/", "the host is a bare bucket name; add endpoint_url", ENDPOINT_FORM),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?url=https%3A%2F%2F%5Bcdn",
        "url must be a full URL such as https://cdn.example.com/media/",
        S3_FORM,
    ),
    ("file:///srv/media/?url=%zz", "bad percent-encoding in the parameters", FILE_FORM),
    ("file:///srv/media/?url=%2F&url=%2F", "parameter url given more than once", FILE_FORM),
    ("file:///srv/m%zz/", "bad percent-encoding in the path", FILE_FORM),
    ("file:///srv/m%FF/", "the path is not valid percent-encoded UTF-8", FILE_FORM),
    ("file:///srv/m%00edia/", "the path contains a control character (%00 or a line break?)", FILE_FORM),
    ("file:///srv/media%0A/", "the path contains a control character (%00 or a line break?)", FILE_FORM),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?ca_bundle=%2Fetc%2Fca%00.pem",
        "ca_bundle must be the absolute path of a CA certificate file (PEM)",
        S3_FORM,
    ),
    (
        "s3://K:S@ab/?endpoint_url=http%3A%2F%2Fminio",
        "not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?region_name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "not a region code (lowercase letters, digits and hyphens, e.g. eu-central-1)",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket/?endpoint_url=http%3A%2F%2Fminio%2Fpath",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (
        "s3://K:S@bucket/?endpoint_url=http%3A%2F%2Fminio%2FX",  # any path, whatever its letters
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    ("s3://K:S@/media", "no bucket name", S3_FORM),
    ("s3://K:S@/media?endpoint_url=http%3A%2F%2Fminio", "no bucket name", S3_FORM),
    (
        "s3://K:S@bucket/?endpoint_url=http%3A%2F%2F",
        "endpoint_url must be a URL like https://minio.example.com:9000",
        ENDPOINT_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?domain=cdn.example.com%2Fx",
        "domain takes a host name such as cdn.example.com (use url= for a full URL)",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?url=https%3A%2F%2F",
        "url must be a full URL such as https://cdn.example.com/media/",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?auth=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "unknown auth 'xxxxxxxxxxxxxxxxxxxx' (use s3v4, or s3 for the legacy signature)",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?acl=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
        f"unknown acl 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' (use one of {ACLS}, or none)",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/a/b?url=https%3A%2F%2Fcdn.example.com%2Fb%2F",
        "url is the full base URL of the files, so its path must end with the prefix /a/b/",
        S3_FORM,
    ),
    (
        "s3://K:S@a..b.s3.amazonaws.com/",
        "not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/?acl=private&acl=private&auth=s3&auth=s3",
        "parameter acl, auth given more than once",
        S3_FORM,
    ),
    (
        "s3://K:S@bucket.s3.amazonaws.com/x%00",
        "the path (key prefix) must not contain '.' or '..' segments or control characters",
        S3_FORM,
    ),
]


@pytest.mark.parametrize(("dsn", "problem", "form"), REFUSED)
def test_each_refusal_says_the_whole_message(dsn, problem, form):
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn(dsn, variable=VARIABLE)
    assert str(caught.value) == f"{VARIABLE}: {problem}. Expected a DSN like {form}"


def test_the_default_variable_is_named_when_none_is_given():
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn("nothing")
    assert str(caught.value).startswith("DEFAULT_STORAGE_DSN: the value is not a DSN")


def test_a_discrete_variable_error_shows_no_dsn_form():
    assert str(StorageDSNError("DEFAULT_STORAGE_BUCKET", "no bucket name", None)) == (
        "DEFAULT_STORAGE_BUCKET: no bucket name."
    )


@pytest.mark.parametrize(
    ("endpoint_url", "expected"),
    [
        ("https://s3.eu-west-2.amazonaws.com", Endpoint("https://s3.eu-west-2.amazonaws.com", "eu-west-2", "aws")),
        (
            "https://s3.cn-north-1.amazonaws.com.cn",
            Endpoint("https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws"),
        ),
        ("https://sos-ch-gva-2.exo.io", Endpoint("https://sos-ch-gva-2.exo.io", "ch-gva-2", "exoscale")),
        ("http://127.0.0.1:9000", Endpoint("http://127.0.0.1:9000", None, "s3")),
        ("https://minio.example.com:9000/", Endpoint("https://minio.example.com:9000", None, "s3")),
    ],
)
def test_an_endpoint_url_on_a_known_providers_host_is_that_provider(endpoint_url, expected):
    config = parse_storage_dsn(f"s3://K:S@bucket/?endpoint_url={endpoint_url}")
    assert explicit_endpoint(VARIABLE, endpoint_url) == expected
    assert (config.endpoint_url, config.region_name) == (expected.url, expected.region)
    assert config.addressing_style == ("virtual" if expected.known_provider else "path")


@pytest.mark.parametrize(
    ("host", "bucket", "endpoint"),
    [
        (
            "bkt.s3.cn-north-1.amazonaws.com.cn",
            "bkt",
            Endpoint("https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws"),
        ),
        (
            "bkt.s3.dualstack.eu-west-1.amazonaws.com",
            "bkt",
            Endpoint("https://s3.dualstack.eu-west-1.amazonaws.com", "eu-west-1", "aws"),
        ),
        (
            "bkt.s3-fips.us-gov-west-1.amazonaws.com",
            "bkt",
            Endpoint("https://s3-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", "aws"),
        ),
        (
            "s3.bkt.s3.eu-west-1.amazonaws.com",
            "s3.bkt",
            Endpoint("https://s3.eu-west-1.amazonaws.com", "eu-west-1", "aws"),
        ),
        ("bkt.s3-eu-west-1.amazonaws.com", "bkt", Endpoint("https://s3-eu-west-1.amazonaws.com", "eu-west-1", "aws")),
        (
            "bkt.s3-external-1.amazonaws.com",
            "bkt",
            Endpoint("https://s3-external-1.amazonaws.com", "us-east-1", "aws"),
        ),
        ("bkt.sos-ch-dk-2.exo.io", "bkt", Endpoint("https://sos-ch-dk-2.exo.io", "ch-dk-2", "exoscale")),
        ("my.bkt.sos-de-fra-1.exo.io", "my.bkt", Endpoint("https://sos-de-fra-1.exo.io", "de-fra-1", "exoscale")),
        # Without a sos-ZONE label the endpoint is the last two labels, and no zone can be told.
        ("bucket.exo.io", "bucket", Endpoint("https://exo.io", None, "exoscale")),
        ("bkt.sos-somewhere.exo.io", "bkt", Endpoint("https://sos-somewhere.exo.io", None, "exoscale")),
        ("bkt.storage.example.com", "bkt", Endpoint("https://storage.example.com", None, "s3")),
        ("my.bkt.storage.example.com", "my.bkt", Endpoint("https://storage.example.com", None, "s3")),
    ],
)
def test_hosts_split_into_bucket_and_endpoint(host, bucket, endpoint):
    config = parse_storage_dsn(f"s3://K:S@{host}/")
    assert (split_host(host) or split_generic_host(host)) == (bucket, endpoint)
    assert (config.bucket_name, config.endpoint_url, config.region_name) == (bucket, endpoint.url, endpoint.region)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("ch-gva-2", Endpoint("https://sos-ch-gva-2.exo.io", "ch-gva-2", "exoscale")),
        ("ch-dk-2", Endpoint("https://sos-ch-dk-2.exo.io", "ch-dk-2", "exoscale")),
        ("de-fra-1", Endpoint("https://sos-de-fra-1.exo.io", "de-fra-1", "exoscale")),
        ("de-muc-1", Endpoint("https://sos-de-muc-1.exo.io", "de-muc-1", "exoscale")),
        ("at-vie-1", Endpoint("https://sos-at-vie-1.exo.io", "at-vie-1", "exoscale")),
        ("at-vie-2", Endpoint("https://sos-at-vie-2.exo.io", "at-vie-2", "exoscale")),
        ("bg-sof-1", Endpoint("https://sos-bg-sof-1.exo.io", "bg-sof-1", "exoscale")),
        ("eu-central-1", Endpoint("https://s3.eu-central-1.amazonaws.com", "eu-central-1", "aws")),
    ],
)
def test_a_bare_bucket_takes_the_projects_region(region, expected):
    config = parse_storage_dsn("s3://K:S@bucket/", default_region=region)
    assert endpoint_for_region(region) == expected
    assert (config.endpoint_url, config.region_name) == (expected.url, expected.region)


@pytest.mark.parametrize(
    ("value", "signed"),
    [(v, True) for v in ("true", "1", "yes", "on", "TRUE", "Yes")]
    + [(v, False) for v in ("false", "0", "no", "off", "False", "OFF")],
)
def test_qs_auth_takes_every_spelling_of_a_boolean(value, signed):
    assert parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?qs_auth={value}").querystring_auth is signed


@pytest.mark.parametrize(
    "acl",
    [
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
    ],
)
def test_every_canned_acl_is_accepted(acl):
    assert parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?acl={acl}").options()["default_acl"] == acl


def test_acl_none_sends_no_acl():
    config = parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/?acl=none")
    assert config.default_acl is None and "default_acl" not in config.options()


@pytest.mark.parametrize("style", ["auto", "path", "virtual"])
def test_every_addressing_style_is_accepted(style):
    config = parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?addressing_style={style}")
    assert config.client_config().s3 == {"addressing_style": style}


def test_blank_parameters_take_the_default_where_one_exists():
    config = parse_storage_dsn("s3://K:S@bucket/?endpoint_url=http%3A%2F%2Fminio&addressing_style=&colour=")
    assert config.addressing_style == "path"


def test_credentials_are_decoded_and_optional():
    config = parse_storage_dsn("s3://AK%2BI:se%2Fcr%25et@bkt.s3.amazonaws.com/")
    assert (config.access_key, config.secret_key) == ("AK+I", "se/cr%et")
    for dsn in ("s3://bkt.s3.amazonaws.com/", "s3://@bkt.s3.amazonaws.com/", "s3://:@bkt.s3.amazonaws.com/"):
        anonymous = parse_storage_dsn(dsn).options()  # blank credentials are none: boto3's credential chain
        assert "access_key" not in anonymous and "secret_key" not in anonymous


def test_the_path_is_the_decoded_prefix_without_its_slashes():
    assert parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com//a%20b/c%C3%A9//").location == "a b/cé"


def test_no_bucket_is_refused_even_where_a_bare_bucket_would_take_the_projects_region():
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn("s3://K:S@/media", variable=VARIABLE, default_region="eu-central-1")
    assert str(caught.value) == f"{VARIABLE}: no bucket name. Expected a DSN like {S3_FORM}"


@pytest.mark.parametrize("prefix", ["X", "a/X", "2024/x", "a-/b_", "a~"])
def test_url_takes_off_a_prefix_whatever_its_last_character(prefix):
    config = parse_storage_dsn(
        f"s3://K:S@bkt.s3.amazonaws.com/{prefix}?url=https%3A%2F%2Fcdn.example.com%2F{prefix}%2F"
    )
    assert (config.custom_domain, config.media_url) == ("cdn.example.com", f"https://cdn.example.com/{prefix}/")


def test_url_with_a_prefix_takes_the_prefix_off_its_path():
    config = parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/a/b?url=http%3A%2F%2Fcdn.example.com%2Fx%2Fa%2Fb%2F")
    assert (config.custom_domain, config.url_protocol, config.media_url) == (
        "cdn.example.com/x",
        "http:",
        "http://cdn.example.com/x/a/b/",
    )


@pytest.mark.parametrize("domain", ["CDN.EXAMPLE.X", "%2FCDN.EXAMPLE.X%2F%2F", "CDN.EXAMPLE.X%2F"])
def test_domain_loses_its_slashes_and_nothing_else(domain):
    assert parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?domain={domain}").custom_domain == "CDN.EXAMPLE.X"


def test_domain_is_served_over_https():
    config = parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/p?domain=cdn.example.com%2F")
    assert (config.custom_domain, config.url_protocol, config.media_url) == (
        "cdn.example.com",
        "https:",
        "https://cdn.example.com/p/",
    )


{%- if cookiecutter.private_media %}


def test_private_defaults_are_private_acl_and_signed_urls():
    config = parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/", private=True)
    assert (config.default_acl, config.querystring_auth, config.custom_domain) == ("private", True, None)
    assert parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/?acl=none", private=True).default_acl is None


def test_private_refusal_names_the_variable_and_the_fix():
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/?qs_auth=off", variable=VARIABLE, private=True)
    assert str(caught.value) == (
        f"{VARIABLE}: private files need signed, expiring URLs: remove domain, url, qs_auth and any public acl. "
        f"Expected a DSN like {S3_FORM}"
    )
{%- endif %}


S3_PUBLIC = S3Config(
    bucket_name="media",
    endpoint_url="https://s3.eu-central-1.amazonaws.com",
    region_name="eu-central-1",
    addressing_style="virtual",
    location="site",
    custom_domain="cdn.example.com",
)
{%- if cookiecutter.use_filer and not cookiecutter.private_media %}


def test_the_private_variant_of_an_s3_storage_is_signed_and_never_public():
    private = S3_PUBLIC.as_private()
    assert private == replace(S3_PUBLIC, default_acl="private", querystring_auth=True, custom_domain=None)
    without_acls = replace(S3_PUBLIC, default_acl=None).as_private()
    assert (without_acls.default_acl, without_acls.querystring_auth) == (None, True)
    assert private.options()["querystring_auth"] is True and "custom_domain" not in private.options()
{%- endif %}


def test_the_overwrite_variant_replaces_files_and_changes_nothing_else():
    assert S3_PUBLIC.file_overwrite is False and S3_PUBLIC.options()["file_overwrite"] is False
    assert S3_PUBLIC.with_overwrite() == replace(S3_PUBLIC, file_overwrite=True)
    assert S3_PUBLIC.with_overwrite().options()["file_overwrite"] is True


def test_the_s3_storage_entry_is_every_option_and_the_client_config():
    entry = S3_PUBLIC.storages_entry()
    assert entry["BACKEND"] == "mediakit.storage.backends.S3MediaStorage"
    config = entry["OPTIONS"].pop("client_config")
    assert (config.s3, config.signature_version, config.retries) == (
        {"addressing_style": "virtual"},
        "s3v4",
        {"mode": "standard"},
    )
    assert entry["OPTIONS"] == {
        "bucket_name": "media",
        "endpoint_url": "https://s3.eu-central-1.amazonaws.com",
        "region_name": "eu-central-1",
        "addressing_style": "virtual",
        "signature_version": "s3v4",
        "location": "site",
        "custom_domain": "cdn.example.com",
        "url_protocol": "https:",
        "default_acl": "public-read",
        "querystring_auth": False,
        "file_overwrite": False,
        "max_memory_size": 10 * 1024 * 1024,
    }
    assert S3_PUBLIC.media_root == ""


@pytest.mark.parametrize(
    ("style", "location", "media_url"),
    [
        ("path", "", "https://s3.eu-central-1.amazonaws.com/media/"),
        ("path", "a b/c", "https://s3.eu-central-1.amazonaws.com/media/a%20b/c/"),
        ("virtual", "", "https://media.s3.eu-central-1.amazonaws.com/"),
        ("auto", "x~y", "https://media.s3.eu-central-1.amazonaws.com/x~y/"),
    ],
)
def test_media_url_without_a_custom_domain(style, location, media_url):
    config = replace(S3_PUBLIC, custom_domain=None, addressing_style=style, location=location)
    assert config.media_url == media_url
{%- if cookiecutter.use_filer and not cookiecutter.private_media %}


def test_the_private_and_overwrite_variants_of_local_files(tmp_path):
    local = LocalConfig(tmp_path / "media", "/media/")
    assert local.as_private() == LocalConfig(tmp_path / "private-media", "/private-media/")
{%- else %}


def test_the_overwrite_variant_of_local_files(tmp_path):
    local = LocalConfig(tmp_path / "media", "/media/")
{%- endif %}
    assert local.with_overwrite() is local
    assert (local.media_url, local.media_root) == ("/media/", tmp_path / "media")
    assert local.storages_entry() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
    }


@pytest.mark.parametrize(
    ("dsn", "base_url"), [("file:///srv/m", "/media/"), ("file://localhost/srv/m?url=/files", "/files/")]
)
def test_file_dsns(dsn, base_url):
    assert parse_storage_dsn(dsn) == LocalConfig(Path("/srv/m"), base_url)


@given(st.text(st.characters(codec="utf-8", exclude_characters="%"), max_size=20))
def test_any_scheme_but_s3_and_file_is_refused_without_echoing_the_value(text):
    dsn = f"{text}://K:{SECRET}@bucket/"
    if text in ("s3", "file"):
        return
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn(dsn)
    assert SECRET not in str(caught.value)


def test_the_longest_region_code_is_accepted():
    region = "a1-" * 10 + "b2"  # 32 characters
    assert parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?region_name={region}").region_name == region


@pytest.mark.parametrize("bucket", ["abc", "a" * 63, "a.b-c_d", "1-2"])
def test_every_bucket_name_s3_accepts_is_accepted(bucket):
    assert parse_storage_dsn(f"s3://K:S@{bucket}/?endpoint_url=http%3A%2F%2Fminio").bucket_name == bucket


@pytest.mark.parametrize("bucket", ["a" * 64, "-ab", "ab-", "a_", "a..b"])
def test_bucket_names_s3_refuses_are_refused(bucket):
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn(f"s3://K:S@{bucket}/?endpoint_url=http%3A%2F%2Fminio", variable=VARIABLE)
    assert str(caught.value) == (
        f"{VARIABLE}: not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens. "
        f"Expected a DSN like {S3_FORM}"
    )


@pytest.mark.parametrize("value", ["s3://K:S@bucket/", "KEY:SECRET@bucket", "s3://bucket.s3.amazonaws.com/"])
def test_a_dsn_given_as_a_bucket_name_is_pointed_to_the_dsn_variable(value):
    assert bucket_problem(value) == (
        "not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens "
        "(a DSN belongs in the _DSN variable)"
    )


def test_unknown_parameters_are_named_up_to_30_characters_and_a_broken_dsn_names_none():
    assert unknown_parameters("s3://K:S@bkt.s3.amazonaws.com/?" + "x" * 40 + "=1&acl=private") == ["x" * 30]
    assert unknown_parameters("s3://K:S@[bkt/?colour=blue") == []


def test_a_url_whose_path_is_only_the_prefix_serves_from_the_hosts_root():
    config = parse_storage_dsn("s3://K:S@bkt.s3.amazonaws.com/a?url=https%3A%2F%2Fcdn.example.com%2Fa%2F")
    assert (config.custom_domain, config.media_url) == ("cdn.example.com", "https://cdn.example.com/a/")


def test_unknown_parameters_depend_on_the_scheme_and_include_blank_ones():
    assert unknown_parameters("file:///srv/m/?url=https://cdn.example.com/m/&acl=private&colour=") == ["acl", "colour"]
    assert unknown_parameters("s3://K:S@bkt.s3.amazonaws.com/?acl=private&colour=") == ["colour"]


def test_the_example_forms_the_messages_show():
    assert (S3_FORM, ENDPOINT_FORM, FILE_FORM) == (
        "s3://KEY:SECRET@BUCKET.ENDPOINT_HOST/PREFIX?auth=s3v4&domain=cdn.example.com",
        "s3://KEY:SECRET@BUCKET/PREFIX?endpoint_url=https%3A%2F%2Fminio.example.com",
        "file:///ABSOLUTE/PATH/?url=%2Fmedia%2F",
    )


@pytest.mark.parametrize("auth", ["s3v4", "s3"])
def test_auth_chooses_the_signature(auth):
    assert parse_storage_dsn(f"s3://K:S@bkt.s3.amazonaws.com/?auth={auth}").signature_version == auth


@pytest.mark.parametrize("char", "/?#[]@")
def test_an_at_sign_after_a_character_no_access_key_has_is_refused(char):
    with pytest.raises(StorageDSNError) as caught:
        parse_storage_dsn(f"s3://k{char}x@bkt.s3.amazonaws.com/", variable=VARIABLE)
    assert str(caught.value) == (
        f"{VARIABLE}: an '@' outside KEY:SECRET@; percent-encode '@' in the path or parameters as %40. "
        f"Expected a DSN like {S3_FORM}"
    )


@given(st.characters(categories=["Cc"]), st.sampled_from(["file:///srv/{}media/", "file:///srv/media{}/"]))
def test_a_control_character_in_a_file_path_is_refused(char, form):
    with pytest.raises(StorageDSNError, match="the path contains a control character"):
        parse_storage_dsn(form.format(quote(char)), variable="X")


@given(st.characters(categories=["Cc"]))
def test_a_control_character_in_ca_bundle_is_refused(char):
    dsn = f"s3://K:S@bucket.s3.amazonaws.com/?ca_bundle={quote('/etc/ca' + char + '.pem', safe='')}"
    with pytest.raises(StorageDSNError, match="ca_bundle must be the absolute path of a CA certificate file"):
        parse_storage_dsn(dsn, variable="X")
