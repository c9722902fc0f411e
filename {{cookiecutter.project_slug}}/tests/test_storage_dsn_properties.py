"""Property tests over DSN text: a clean refusal or a working configuration, never a traceback or a secret.

Hypothesis generates the DSNs: arbitrary text, and DSNs built from a key, a secret (percent-encoded
as the platform writes it, or pasted as it is), a host of each kind, a prefix and parameters.
"""

import re
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from storages.backends.s3 import S3Storage

from {{ cookiecutter.project_slug }}.mediastorage.configuration import (
    LocalConfig,
    S3Config,
    StorageDSNError,
    parse_storage_dsn,
    storage_from_environ,
)
from {{ cookiecutter.project_slug }}.mediastorage.configuration.environment import DISCRETE_SUFFIXES

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
    """A secret of the same shape with every letter and digit changed (0->1, a->b, z->a, ä->ö, ...).

    Whatever is shown of a secret shows up as a difference between the two: a test for "no fragment
    of the secret" without false alarms when a secret happens to contain a word of the message.
    """
    changed = []
    for char in secret:
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
