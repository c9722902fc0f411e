"""Property tests over DSN text: a clean refusal or a working configuration, never a traceback or a secret.

Hypothesis generates the DSNs: arbitrary text, and DSNs built from a key, a secret (percent-encoded
as the platform writes it, or pasted as it is), a host of each kind, a prefix and parameters.
"""

import re
import string
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from storages.backends.s3 import S3Storage

from mediakit.storage.configuration import (
    LocalConfig,
    S3Config,
    StorageDSNError,
    parse_storage_dsn,
    storage_from_environ,
)
from mediakit.storage.configuration.dsn import host_name, unknown_parameters
from mediakit.storage.configuration.environment import DISCRETE_SUFFIXES
from mediakit.storage.s3 import mask_credentials

# A few hundred examples each; no example database written into the project.
PROPERTIES = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=24)
# Secrets with everything URLs treat specially, and a few letters beyond ASCII.
SECRET_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
SECRETS = st.text(SECRET_ALPHABET, min_size=12, max_size=48) | st.text(
    "abcdefXYZ0123456789/+=?#[]:@ %", min_size=12, max_size=48
)
HOSTS = st.sampled_from(
    [
        # host text, bucket, needs endpoint_url
        ("my-bucket.s3.eu-central-1.amazonaws.com", "my-bucket", False),
        ("my-bucket.s3-eu-central-1.amazonaws.com", "my-bucket", False),
        ("site.example-media.io.s3-eu-west-2.amazonaws.com", "site.example-media.io", False),
        ("my-bucket.sos-ch-dk-2.exo.io", "my-bucket", False),
        ("my-bucket", "my-bucket", True),
    ]
)
PERCENT_ESCAPE = re.compile("%[0-9A-Fa-f]{2}")
PREFIXES = st.sampled_from(["", "/", "/media", "/media/photos/", "/..", "/a/../b", "/%2E%2E/x", "/a%0Ab"])
QUERIES = st.lists(
    st.sampled_from(
        [
            "auth=s3v4",
            "auth=s3",
            "acl=none",
            "acl=private",
            "qs_auth=true",
            "addressing_style=path",
            "region_name=eu-west-1",
            "region_name=eu%20west",
            "domain=cdn.example.com",
            "url=https%3A%2F%2Fcdn.example.com%2Fmedia%2F",
        ]
    ),
    max_size=3,
    unique_by=lambda parameter: parameter.split("=")[0],
)


def other_secret(secret: str) -> str:
    """A secret of the same shape with every letter and digit changed (0->1, a->b, z->a, ä->ö, ...) but a %XX escape.

    Whatever is shown of a secret shows up as a difference between the two: a test for "no fragment
    of the secret" without false alarms when a secret happens to contain a word of the message.
    """
    changed = []
    escape = 0  # the two hex digits of a %XX escape are kept: another byte could be no UTF-8 at all (%70 -> %81)
    for char in secret:
        if escape and char in string.hexdigits:
            changed.append(char)
            escape -= 1
            continue
        escape = 2 if char == "%" else 0
        for alphabet in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
            if char in alphabet:
                changed.append(alphabet[(alphabet.index(char) + 1) % len(alphabet)])
                break
        else:
            changed.append(("ö" if char == "ä" else "ä") if char.isalnum() else char)
    return "".join(changed)


def parse(dsn: str, **kwargs):
    """The parse result, or the refusal; any other exception fails the test."""
    try:
        return parse_storage_dsn(dsn, variable="DEFAULT_STORAGE_DSN", default_region="eu-central-1", **kwargs)
    except StorageDSNError as refusal:
        message = str(refusal)
        assert message.startswith("DEFAULT_STORAGE_DSN: ")
        assert "\n" not in message
        return refusal


def shown(result) -> str:
    """Everything a person may see of a parse result: the message, or repr, URLs, bucket, prefix."""
    if isinstance(result, StorageDSNError):
        return str(result)
    return " ".join([repr(result), result.media_url, str(getattr(result, "location", ""))])


@PROPERTIES
@given(st.text(max_size=120) | st.text("s3:/@?#[]%=&.abKEY", max_size=60).map(lambda tail: "s3://" + tail))
def test_any_text_is_a_configuration_or_one_clean_line(text):
    result = parse(text)
    assert isinstance(result, S3Config | LocalConfig | StorageDSNError)


@PROPERTIES
{%- if cookiecutter.private_media %}
@given(KEYS, SECRETS, HOSTS, PREFIXES, QUERIES, st.booleans(), st.booleans())
def test_a_secret_is_understood_or_refused_never_reinterpreted_or_shown(
    key, secret, host, prefix, query, encoded, private
):
{%- else %}
@given(KEYS, SECRETS, HOSTS, PREFIXES, QUERIES, st.booleans())
def test_a_secret_is_understood_or_refused_never_reinterpreted_or_shown(key, secret, host, prefix, query, encoded):
{%- endif %}
    # Pasted as it is, "%2F" in a secret cannot be told from an encoded "/": the DSN is percent-encoded.
    assume(encoded or not PERCENT_ESCAPE.search(secret + other_secret(secret)))
    host_text, bucket, needs_endpoint = host
    parameters = [*query, "endpoint_url=http%3A%2F%2F127.0.0.1%3A9000"] if needs_endpoint else query

    def dsn(secret: str) -> str:
        written = quote(secret, safe="") if encoded else secret
        return f"s3://{key}:{written}@{host_text}{prefix}" + ("?" + "&".join(parameters) if parameters else "")

{%- if cookiecutter.private_media %}

    result = parse(dsn(secret), private=private)
    assert shown(result) == shown(parse(dsn(other_secret(secret)), private=private))  # nothing of it shown
{%- else %}

    result = parse(dsn(secret))
    assert shown(result) == shown(parse(dsn(other_secret(secret))))  # nothing of it shown
{%- endif %}

    if isinstance(result, StorageDSNError):
        if encoded and prefix in ("", "/", "/media", "/media/photos/") and "region_name=eu%20west" not in query:
{%- if cookiecutter.private_media %}
            # Only the parameters' own rules may refuse it: private needs signed URLs; domain or url, not
            # both; url is the files' full base URL, so its path ends with the prefix.
            rules = ("private files", "domain or url", "its path must end with the prefix")
{%- else %}
            # Only the parameters' own rules may refuse it: domain or url, not both; url is the files'
            # full base URL, so its path ends with the prefix.
            rules = ("domain or url", "its path must end with the prefix")
{%- endif %}
            assert any(rule in str(result) for rule in rules), str(result)
        return
    # Understood: exactly what was meant.
    assert (result.access_key, result.secret_key, result.bucket_name) == (key, secret, bucket)
    assert result.location == prefix.strip("/")


@settings(max_examples=25, deadline=None, database=None)  # each builds a boto3 client: slow
@given(KEYS, SECRETS, HOSTS, QUERIES.filter(lambda query: "region_name=eu%20west" not in query))
def test_an_understood_dsn_makes_a_working_storage(key, secret, host, query):
    """django-storages takes the configuration as it is, and its URLs are the ones the project expects."""
    host_text, _, needs_endpoint = host
    parameters = [*query, "endpoint_url=http%3A%2F%2F127.0.0.1%3A9000"] if needs_endpoint else query
    dsn = f"s3://{key}:{quote(secret, safe='')}@{host_text}/media?" + "&".join(parameters)
    config = parse(dsn)
    if isinstance(config, StorageDSNError):
        return  # refused for its parameters (domain and url together): checked above
    storage = S3Storage(**config.storages_entry()["OPTIONS"])
    url = storage.url("photos/a b.jpg")
    assert url.startswith(config.media_url) and "photos/a%20b.jpg" in url
    assert (storage.access_key, storage.secret_key) == (key, secret)


def from_discrete(values: dict[str, str]):
    environ = {f"DEFAULT_STORAGE_{name}": value for name, value in values.items()}
    try:
        return storage_from_environ(environ, "DEFAULT_STORAGE", default=None, region=None)
    except StorageDSNError as refusal:
        message = str(refusal)
        assert message.split(":")[0] in {f"DEFAULT_STORAGE_{name}" for name in DISCRETE_SUFFIXES}
        assert "\n" not in message
        assert "s3://" not in message  # no DSN syntax the user never wrote
        return refusal


@PROPERTIES
@given(
    st.dictionaries(
        st.sampled_from(["BUCKET", "ACCESS_KEY_ID", "REGION", "CUSTOM_DOMAIN", "ENDPOINT_URL"]),
        st.text(max_size=40)
        | st.sampled_from(["media", "eu-west-1", "KEY", "cdn.example.com", "http://127.0.0.1:9000"]),
    ),
    SECRETS,
)
def test_discrete_variables_name_the_culprit_and_never_the_secret(values, secret):
    result = from_discrete({**values, "SECRET_ACCESS_KEY": secret})
    assert shown(result) == shown(from_discrete({**values, "SECRET_ACCESS_KEY": other_secret(secret)}))
    if not isinstance(result, StorageDSNError):
        assert result.secret_key == secret.strip()  # like every variable, read without surrounding blanks


@pytest.mark.parametrize(
    "dsn",
    [
        "s3://AKIAIOSFODNN7EXAMPLE:/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@my-bucket.s3.eu-central-1.amazonaws.com/media",
    ],
)
def test_the_issue_example_keeps_key_bucket_and_secret_apart(dsn):
    config = parse(dsn)
    assert (config.bucket_name, config.location) == ("my-bucket", "media")
    assert "wJalrXUtnFEMI" not in config.media_url


# Hostile input, by class: what an HTTP header cannot carry, bytes that are not UTF-8 (Python keeps them
# as surrogates), and every character URLs treat specially.
HOSTILE_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    ["\n", "\r", "\t", "\x00", "\x7f", "\x85", " ", "\udcff", "\udc80", "é", "?", "&", "=", "#", "%", "/"]
)
HOSTILE = st.text(HOSTILE_ALPHABET, min_size=1, max_size=24)
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def presigned(config: S3Config) -> str:
    """A signed URL, made offline: botocore signs with the key and the secret as they are."""
    storage = S3Storage(**config.storages_entry()["OPTIONS"])
    return storage.connection.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": config.bucket_name, "Key": "a b.jpg"}
    )


@settings(max_examples=60, deadline=None, database=None)  # each signs with a boto3 client: slow
@given(key=KEYS | HOSTILE, secret=SECRETS | HOSTILE, encoded=st.booleans())
def test_a_key_or_secret_is_refused_or_signs_requests(key, secret, encoded):
    """Whatever the credentials hold: refused in one line without them, or usable to sign a request."""

    def dsn(secret: str) -> str:
        written_key, written_secret = (quote(key, safe=""), quote(secret, safe="")) if encoded else (key, secret)
        return f"s3://{written_key}:{written_secret}@my-bucket.s3.eu-central-1.amazonaws.com/"

    assume(not PERCENT_ESCAPE.search(key + secret + other_secret(secret)) or encoded)
    result = parse(dsn(secret))
    if isinstance(result, StorageDSNError):
        assert shown(result) == shown(parse(dsn(other_secret(secret))))  # nothing of the secret shown
        assert key not in str(result) or len(key) < 4 or key in "DEFAULT_STORAGE_DSN: " + S3_FORM_TEXT
        return
    if result.access_key is None:
        return  # an empty key or secret: boto3's own credential chain
    assert HEADER_SAFE.fullmatch(result.access_key)
    assert "X-Amz-Credential=" in presigned(result)  # no exception: the key and secret can be sent


S3_FORM_TEXT = "s3://KEY:SECRET@BUCKET.ENDPOINT_HOST/PREFIX?auth=s3v4&domain=cdn.example.com"


@PROPERTIES
@given(
    values=st.dictionaries(
        st.sampled_from(["ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "CUSTOM_DOMAIN", "ENDPOINT_URL", "REGION"]), HOSTILE
    ),
)
def test_hostile_discrete_variables_are_refused_in_one_line_naming_the_variable(values):
    result = from_discrete({"BUCKET": "my-bucket", "REGION": "eu-central-1", **values})
    if isinstance(result, StorageDSNError):
        secret = values.get("SECRET_ACCESS_KEY", "").strip()
        assert len(secret) < 4 or secret not in str(result)
        return
    if result.access_key:
        assert HEADER_SAFE.fullmatch(result.access_key)
        assert result.secret_key.encode("utf-8") and not re.search(r"[\x00-\x1f\x7f-\x9f]", result.secret_key)
    assert isinstance(result.media_url, str)


# Values that end up in a URL or a host: domain, url, endpoint_url, and the bucket's host itself.
URL_TEXT = st.text(
    st.sampled_from("abc.-_:/%@?#[] é\x00\n") | st.characters(codec="utf-8", exclude_categories=("Cs",))
)
HOST_LIKE = st.builds(
    lambda scheme, host, tail: f"{scheme}{host}{tail}",
    st.sampled_from(["", "https://", "http://", "javascript:", "//", "ftp://"]),
    st.sampled_from(["cdn.example.com", "cdn.example.com.", "cdn%20example.com", "cdn example.com", "[::1]", "x..y"])
    | URL_TEXT,
    st.sampled_from(["", "/", "/media/", ":8080", ":99999", "?x=1", "#top", "/a b/"]),
)


@PROPERTIES
@given(name=st.sampled_from(["domain", "url", "endpoint_url"]), value=HOST_LIKE | URL_TEXT)
def test_a_value_that_ends_up_in_a_url_is_refused_or_makes_valid_urls(name, value):
    dsn = f"s3://KEY:{quote('Sup3rS3cretValue', safe='')}@my-bucket.s3.eu-central-1.amazonaws.com/media?"
    result = parse(dsn + f"{name}={quote(value, safe='')}")
    if isinstance(result, StorageDSNError):
        return  # one clean line: checked by parse()
    storage = S3Storage(**result.storages_entry()["OPTIONS"])
    url = storage.url("photos/a b.jpg")  # no ValueError, no InvalidURL
    parts = urlsplit(url)
    assert HEADER_SAFE.fullmatch(url), url  # nothing a request line cannot carry
    host = parts.netloc.rsplit(":", 1)[0] if parts.port is not None else parts.netloc
    assert parts.scheme in ("http", "https") and host_name(host) == host  # a host name, without a trailing dot


@PROPERTIES
@given(
    host=st.sampled_from(
        [
            "my-bucket.s3.eu-central-1.amazonaws.com",
            "my-bucket.s3-eu-west-2.amazonaws.com",
            "my-bucket.sos-ch-dk-2.exo.io",
            "my-bucket.minio.example.com",
        ]
    ),
    dots=st.sampled_from(["", ".", "..", "..."]),
)
def test_a_trailing_dot_is_read_as_the_same_host_or_refused(host, dots):
    plain, dotted = parse(f"s3://{host}/"), parse(f"s3://{host}{dots}/")
    if dots == ".":
        assert dotted == plain  # a fully qualified name: the same bucket, endpoint and region
    elif dots:
        assert isinstance(dotted, StorageDSNError)


@PROPERTIES
@given(SECRETS | HOSTILE, st.lists(st.sampled_from(["acl=none", "colour=blue", "auth=s3v4", "x_y="]), max_size=3))
def test_the_unknown_parameter_check_reads_the_dsn_as_the_parser_does(secret, parameters):
    """A '?', '&' or '=' in a secret pasted as it is never becomes a parameter name (storage.W004)."""
    query = "?" + "&".join(parameters) if parameters else ""
    dsn = f"s3://KEY:{secret}@my-bucket.s3.eu-central-1.amazonaws.com/{query}"
    found = unknown_parameters(dsn)
    assert found == unknown_parameters(
        f"s3://KEY:{other_secret(secret)}@my-bucket.s3.eu-central-1.amazonaws.com/{query}"
    )
    if not isinstance(parse(dsn), StorageDSNError):
        assert set(found) == {parameter.split("=")[0] for parameter in parameters} - {"acl", "auth"}


@PROPERTIES
@given(key=KEYS, secret=SECRETS, before=st.text(max_size=20), after=st.text(max_size=20))
def test_masked_text_holds_no_credential_however_it_is_written(key, secret, before, after):
    """As a service echoes them, as botocore signs with them, percent-encoded, inside other text."""
    text = (
        f"{before}{key}{after} Authorization: AWS4-HMAC-SHA256 Credential={key}/20260101/eu/s3/aws4_request, "
        f"Signature=ab12 https://k:{quote(secret, safe='')}@host/?AWSAccessKeyId={key} {before}{secret}{after}"
    )
    masked = mask_credentials(text, [key, secret])
    assert key not in masked and secret not in masked and quote(secret, safe="") not in masked
    assert "Authorization: AWS4-HMAC-SHA256 Credential=****, Signature=**** https://****@host/" in masked
