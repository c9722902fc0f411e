"""Parse a storage DSN (the platform's ``DEFAULT_STORAGE_DSN``) into a storage configuration.

Hand-written because the platform's own parser (django-storage-url) cannot produce STORAGES
``OPTIONS`` and fails late on bad input; this one is pure, strict and never echoes a secret.
"""

import ipaddress
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from .endpoints import Endpoint, endpoint_for_region, split_generic_host, split_host
from .storage_configs import CHECKSUM_MODES, LocalConfig, S3Config

S3_FORM = "s3://KEY:SECRET@BUCKET.ENDPOINT_HOST/PREFIX?auth=s3v4&domain=cdn.example.com"
ENDPOINT_FORM = "s3://KEY:SECRET@BUCKET/PREFIX?endpoint_url=https%3A%2F%2Fminio.example.com"
FILE_FORM = "file:///ABSOLUTE/PATH/?url=%2Fmedia%2F"

S3_PARAMETERS = (
    "acl",
    "addressing_style",
    "auth",
    "ca_bundle",
    "checksums",
    "domain",
    "endpoint_url",
    "qs_auth",
    "region_name",
    "url",
)
FILE_PARAMETERS = ("url",)
SIGNATURES = {"s3v4": "s3v4", "s3": "s3"}
ADDRESSING_STYLES = ("auto", "path", "virtual")
CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
)
NO_ACL = "none"  # send no ACL at all: for buckets with ACLs disabled (Object Ownership enforced)
BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}")
# What S3 itself accepts (checked here so that a mistake stops start-up, not the first upload).
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")
REGION_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ACCESS_KEY = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what an HTTP header carries
HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
URL_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/%-]*")  # what a URL's path holds unencoded (RFC 3986)
NOT_IN_A_KEY = frozenset("/?#[]@:")  # an access key never contains these; a secret may


class StorageDSNError(ImproperlyConfigured):
    """A storage DSN that cannot be used; the message names the variable and never the secret."""

    def __init__(self, variable: str, problem: str, expected: str | None = S3_FORM):
        # expected=None: the variable is not a DSN (a discrete DEFAULT_STORAGE_* variable).
        super().__init__(f"{variable}: {problem}." + (f" Expected a DSN like {expected}" if expected else ""))


# Which variable holds each value, for the platform's discrete DEFAULT_STORAGE_* variables; a DSN holds them all.
Sources = dict[str, str]


{% if cookiecutter.private_media -%}
def parse_storage_dsn(
    text: str, *, variable: str = "DEFAULT_STORAGE_DSN", default_region: str | None = None, private: bool = False
) -> S3Config | LocalConfig:
{%- else -%}
def parse_storage_dsn(
    text: str, *, variable: str = "DEFAULT_STORAGE_DSN", default_region: str | None = None
) -> S3Config | LocalConfig:
{%- endif %}
    """Turn DSN text into a storage configuration, or raise StorageDSNError saying what is wrong."""
    scheme, access_key, secret_key, parts = split_dsn(variable, text)
    port = parts.port
    if parts.fragment:
        raise StorageDSNError(variable, "the DSN has a '#' part; percent-encode '#' as %23")
    if scheme == "file":
        if access_key or secret_key:
            raise StorageDSNError(variable, "a file DSN takes no credentials", FILE_FORM)
        return _local(variable, parts, _query_parameters(variable, parts.query, FILE_PARAMETERS, FILE_FORM))
    if port is not None:
        raise StorageDSNError(variable, "a port belongs in endpoint_url, not in the bucket host", ENDPOINT_FORM)
    params = _query_parameters(variable, parts.query, S3_PARAMETERS)
{%- if cookiecutter.private_media %}
    return _s3(variable, parts, (access_key, secret_key), params, default_region, private)
{%- else %}
    return _s3(variable, parts, (access_key, secret_key), params, default_region)
{%- endif %}


def split_dsn(variable: str, text: str):
    """``(scheme, access key, secret, urlsplit parts)`` of DSN text: the one reading of a DSN's parts."""
    if not_utf8(text):
        raise StorageDSNError(variable, "the value holds bytes that are not UTF-8 text")
    scheme, separator, rest = text.partition("://")
    if not separator:
        raise StorageDSNError(variable, "the value is not a DSN (no scheme such as s3:// or file://)")
    if scheme not in ("s3", "file"):
        # Quote the scheme only when it looks like one: "s3//KEY:SECRET@..." must not be echoed.
        shown = f"unknown scheme '{scheme}'" if SCHEME.fullmatch(scheme) else "the value does not start with a scheme"
        raise StorageDSNError(variable, f"{shown} (supported: s3://, file://)")
    access_key, secret_key, rest = _split_credentials(variable, rest)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        parts.port  # noqa: B018 -- a malformed port raises here
    except ValueError:
        raise StorageDSNError(
            variable, "the host cannot be parsed (an unbalanced [ or ], or a bad port); percent-encode them"
        ) from None
    return scheme, access_key, secret_key, parts


def not_utf8(text: str) -> bool:
    """Whether text read from the environment held bytes that are not UTF-8 (Python keeps them as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def credential_problem(value: str, what: str) -> str | None:
    """Why a key or secret cannot be sent, or None. Never quotes the value.

    The access key travels in the Authorization header (and signed URLs), which carries visible
    ASCII only; the secret is hashed as UTF-8. A control character is a copy-and-paste mistake in either.
    """
    if not_utf8(value):
        return f"the {what} holds bytes that are not UTF-8 text"
    if CONTROL_CHARACTERS.search(value):
        return f"the {what} contains a control character (a line break or tab pasted with it?)"
    if what == "access key" and not ACCESS_KEY.fullmatch(value):
        return "the access key contains a space or a character beyond ASCII, which an HTTP header cannot carry"
    return None


def _split_credentials(variable: str, rest: str) -> tuple[str | None, str | None, str]:
    """Split ``KEY:SECRET@`` off the front of what follows ``scheme://``.

    urlsplit() ends the credentials at the first /, ? or #, so an unencoded / in a secret (one AWS
    secret in 64 starts with one) made the access key the host and the secret the path. The host
    never contains '@', so here the credentials end at the last '@': a secret with an unencoded
    /, ?, #, [, ] or : is understood; an '@' that could belong to two places is refused.
    """
    if "@" not in rest:
        return None, None, rest
    userinfo, _, rest = rest.rpartition("@")
    key, _, secret = userinfo.partition(":")
    if NOT_IN_A_KEY.intersection(key):
        raise StorageDSNError(
            variable, "an '@' outside KEY:SECRET@; percent-encode '@' in the path or parameters as %40"
        )
    if "@" in secret:
        raise StorageDSNError(variable, "the secret contains an '@'; percent-encode it as %40")
    return _credential(variable, key, "access key"), _credential(variable, secret, "secret"), rest


def s3_config(
    variable: str,
    *,
    bucket_name: str,
    endpoint: Endpoint,
    access_key: str | None,
    secret_key: str | None,
    location: str,
    params: dict[str, str],
{%- if cookiecutter.private_media %}
    private: bool,
{%- endif %}
    sources: Sources | None = None,
    expected: str | None = S3_FORM,
) -> S3Config:
    """Build an S3Config from parts already split out, applying and checking the DSN parameters.

    ``sources`` names the variable of each option when they come from separate variables
    ("bucket_name", "access_key", "secret_key", "region_name", "custom_domain"); errors then name that one.
    """
    sources = sources or {}

    def refuse(what: str, problem: str):
        return StorageDSNError(sources.get(what, variable), problem, expected)

    if not bucket_name:
        raise refuse("bucket_name", "no bucket name")
    if bucket_problem(bucket_name):
        raise refuse("bucket_name", bucket_problem(bucket_name))
    for what, value in (("access_key", access_key), ("secret_key", secret_key)):
        problem = value and credential_problem(value, "access key" if what == "access_key" else "secret")
        if problem:
            raise refuse(what, problem)
    if bool(access_key) != bool(secret_key):
        raise refuse(
            "secret_key" if access_key else "access_key", "give both the access key and the secret, or neither"
        )
    region_name = params.get("region_name", endpoint.region)
    if region_name is not None and (len(region_name) > 32 or not REGION_NAME.fullmatch(region_name)):
        raise refuse("region_name", "not a region code (lowercase letters, digits and hyphens, e.g. eu-central-1)")
    location = _location(refuse, location)
    addressing_style = params.get("addressing_style") or _default_addressing(bucket_name, endpoint)
    if addressing_style not in ADDRESSING_STYLES:
        raise StorageDSNError(variable, f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}")
    signature_version = SIGNATURES["s3v4"]  # unless asked: botocore still signs some regions' URLs with SigV2
    if "auth" in params:
        signature_version = SIGNATURES.get(params["auth"])
        if signature_version is None:
            raise StorageDSNError(
                variable, f"unknown auth '{params['auth'][:20]}' (use s3v4, or s3 for the legacy signature)"
            )
    checksums = params.get("checksums", endpoint.checksums)
    if checksums not in (*CHECKSUM_MODES, None):
        raise StorageDSNError(variable, f"checksums must be one of {', '.join(CHECKSUM_MODES)}")
    verify = params.get("ca_bundle")
    if verify is not None and (not verify.startswith("/") or CONTROL_CHARACTERS.search(verify)):
        # A NUL or another control character: no file has that name (open() would raise ValueError later).
        raise StorageDSNError(variable, "ca_bundle must be the absolute path of a CA certificate file (PEM)")
    custom_domain, url_protocol = _custom_domain(sources.get("custom_domain", variable), params, location, expected)
{%- if cookiecutter.private_media %}
    default_acl = _acl(variable, params.get("acl", "private" if private else "public-read"))
    querystring_auth = _boolean(variable, "qs_auth", params.get("qs_auth", "true" if private else "false"))
    if private and (custom_domain or not querystring_auth or default_acl not in ("private", None)):
        raise refuse(
            "custom_domain",
            "private files need signed, expiring URLs: remove domain, url, qs_auth and any public acl",
        )
{%- else %}
    default_acl = _acl(variable, params.get("acl", "public-read"))
    querystring_auth = _boolean(variable, "qs_auth", params.get("qs_auth", "false"))
{%- endif %}
    return S3Config(
        bucket_name=bucket_name,
        endpoint_url=endpoint.url,
        region_name=region_name,
        addressing_style=addressing_style,
        access_key=access_key,
        secret_key=secret_key,
        location=location,
        signature_version=signature_version,
        custom_domain=custom_domain,
        url_protocol=url_protocol,
        default_acl=default_acl,
        querystring_auth=querystring_auth,
        verify=verify,
        checksums=checksums,
    )


def bucket_problem(bucket: str) -> str | None:
    if BUCKET_NAME.fullmatch(bucket) and ".." not in bucket:
        return None
    hint = " (a DSN belongs in the _DSN variable)" if "://" in bucket or "@" in bucket else ""
    return f"not a bucket name S3 accepts: 3-63 lowercase letters, digits, dots and hyphens{hint}"


def _location(refuse, location: str) -> str:
    """The key prefix; S3 would store '..' literally (keys under "../"), and control characters break URLs."""
    location = location.strip("/")
    if CONTROL_CHARACTERS.search(location) or {".", ".."}.intersection(location.split("/")):
        raise refuse("location", "the path (key prefix) must not contain '.' or '..' segments or control characters")
    return location


{% if cookiecutter.private_media -%}
def _s3(variable, parts, credentials, params, default_region, private) -> S3Config:
{%- else -%}
def _s3(variable, parts, credentials, params, default_region) -> S3Config:
{%- endif %}
    if not parts.hostname:  # s3://KEY:SECRET@/PREFIX
        raise StorageDSNError(variable, "no bucket name", S3_FORM)
    host = parts.hostname.removesuffix(".")  # a fully qualified name's trailing dot is no label
    if host.startswith(".") or host.endswith("."):
        raise StorageDSNError(variable, "the host starts or ends with an empty label (a stray dot)")
    if "endpoint_url" in params:
        bucket, endpoint = host, explicit_endpoint(variable, params["endpoint_url"])
    elif "." not in host:
        if not default_region:
            raise StorageDSNError(variable, "the host is a bare bucket name; add endpoint_url", ENDPOINT_FORM)
        bucket, endpoint = host, endpoint_for_region(default_region)
    else:
        try:
            bucket, endpoint = split_host(host) or split_generic_host(host)
        except ValueError as error:
            raise StorageDSNError(variable, str(error), ENDPOINT_FORM) from None
        if host_name(urlsplit(endpoint.url).hostname or "") is None:
            raise StorageDSNError(
                variable, "the endpoint in the host is not a host name (letters, digits, hyphens, dots)", ENDPOINT_FORM
            )
        if not bucket and endpoint.provider == "s3":
            raise StorageDSNError(
                variable,
                f"cannot tell the bucket from the endpoint in host '{host}'; give the bucket alone as host, "
                "and the endpoint as endpoint_url",
                ENDPOINT_FORM,
            )
    return s3_config(
        variable,
        bucket_name=bucket,
        endpoint=endpoint,
        access_key=credentials[0],
        secret_key=credentials[1],
        location=_decode(variable, parts.path, "path"),
        params=params,
{%- if cookiecutter.private_media %}
        private=private,
{%- endif %}
    )


def _local(variable, parts, params) -> LocalConfig:
    path = _decode(variable, parts.path, "path", FILE_FORM)
    if parts.netloc not in ("", "localhost") or not path.startswith("/"):
        raise StorageDSNError(variable, "a file DSN needs an absolute path, with three slashes", FILE_FORM)
    if CONTROL_CHARACTERS.search(path):
        raise StorageDSNError(variable, "the path contains a control character (%00 or a line break?)", FILE_FORM)
    base_url = params.get("url", "/media/")
    if not _local_base_url(base_url):
        raise StorageDSNError(
            variable,
            "url must be the files' base URL, a path such as /media/ or a URL such as https://media.example.com/",
            FILE_FORM,
        )
    return LocalConfig(location=Path(path), base_url=base_url if base_url.endswith("/") else base_url + "/")


def _local_base_url(url: str) -> bool:
    """Whether url can be MEDIA_URL: an absolute path, or an http(s) URL with a valid host; URL characters only."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [ or ]
        return False
    if parts.query or parts.fragment or not URL_PATH.fullmatch(parts.path) or "@" in parts.netloc:
        return False
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and _netloc(parts) is not None
    return parts.path.startswith("/")


def _query_parameters(variable: str, query: str, known: tuple[str, ...], expected: str = S3_FORM) -> dict[str, str]:
    if BAD_PERCENT.search(query):
        raise StorageDSNError(variable, "bad percent-encoding in the parameters", expected)
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise StorageDSNError(variable, f"parameter {', '.join(repeated)} given more than once", expected)
    # An unknown parameter is ignored, as the platform's own parser does (it may add parameters);
    # manage.py check names it (unknown_parameters()).
    return {name: value for name, value in pairs if name in known}


def unknown_parameters(text: str) -> list[str]:
    """The parameters of a DSN that parse_storage_dsn() ignores, for a system check to name.

    Read with the parser's own split: a '?' in the secret is the secret's, not the parameters' start.
    """
    try:
        scheme, _, _, parts = split_dsn("", text.strip())
    except StorageDSNError:
        return []  # not a DSN at all: the settings already refused it
    known = FILE_PARAMETERS if scheme == "file" else S3_PARAMETERS
    names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return sorted(name[:30] for name in names - set(known))


def _credential(variable: str, raw: str | None, what: str) -> str | None:
    if raw is None or raw == "":
        return None
    if BAD_PERCENT.search(raw):
        raise StorageDSNError(variable, f"bad percent-encoding in the {what}; write % itself as %25")
    return _decode(variable, raw, what)


def _decode(variable: str, raw: str, what: str, expected: str = S3_FORM) -> str:
    if BAD_PERCENT.search(raw):
        raise StorageDSNError(variable, f"bad percent-encoding in the {what}", expected)
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise StorageDSNError(variable, f"the {what} is not valid percent-encoded UTF-8", expected) from None


def explicit_endpoint(variable: str, url: str, expected: str | None = ENDPOINT_FORM) -> Endpoint:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- a malformed port raises here
    except ValueError:  # a bad port, or an unbalanced [ or ]
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
        raise StorageDSNError(variable, "endpoint_url must be a URL like https://minio.example.com:9000", expected)
    if "@" in parts.netloc:
        raise StorageDSNError(
            variable, "endpoint_url must not contain credentials (user:password@); give them as KEY:SECRET", expected
        )
    netloc = _netloc(parts)
    if netloc is None or parts.query or parts.fragment:
        raise StorageDSNError(
            variable,
            "endpoint_url must be a URL like https://minio.example.com:9000, with a valid host name",
            expected,
        )
    known = split_host("bucket." + netloc.partition(":")[0])
    if known:
        _, endpoint = known
        return Endpoint(f"{parts.scheme}://{netloc}", endpoint.region, endpoint.provider)
    return Endpoint(f"{parts.scheme}://{netloc}", None, "s3")


def host_name(text: str) -> str | None:
    """A host name (DNS labels, an IPv4 or IPv6 address) without its trailing dot, or None if it is not one.

    The trailing dot of a fully qualified name ("bucket.s3.eu-central-1.amazonaws.com.") is dropped, so
    that the host is read as it is meant, not with an empty last label.
    """
    host = text.removesuffix(".")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
        return host
    if not host or len(host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in host.split(".")):
        return None
    return host


def _netloc(parts) -> str | None:
    """The host[:port] of urlsplit parts, as written but for the host's trailing dot; None if either is invalid."""
    try:
        port = parts.port
    except ValueError:
        return None
    host = host_name(parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc)
    if host is None:
        return None
    return host if port is None else f"{host}:{port}"


def _default_addressing(bucket: str, endpoint: Endpoint) -> str:
    # Dotted bucket names break TLS on virtual hosts; unknown S3 services (MinIO, test servers) expect paths.
    if "." in bucket or not endpoint.known_provider:
        return "path"
    return "virtual"


def _custom_domain(
    variable: str, params: dict[str, str], location: str, expected: str | None = S3_FORM
) -> tuple[str | None, str]:
    if "domain" in params and "url" in params:
        raise StorageDSNError(variable, "give domain or url, not both")
    if "domain" in params:
        domain = params["domain"].strip("/")
        try:
            parts = urlsplit("//" + domain)
        except ValueError:  # an unbalanced [ or ]
            parts = None
        netloc = parts and parts.netloc == domain and "@" not in domain and _netloc(parts)
        if not netloc:
            raise StorageDSNError(
                variable, "domain takes a host name such as cdn.example.com (use url= for a full URL)", expected
            )
        return netloc, "https:"
    if "url" in params:
        try:
            url = urlsplit(params["url"])
        except ValueError:  # an unbalanced [ or ]
            raise StorageDSNError(variable, "url must be a full URL such as https://cdn.example.com/media/") from None
        if url.scheme not in ("http", "https") or not url.netloc:
            raise StorageDSNError(variable, "url must be a full URL such as https://cdn.example.com/media/")
        if "@" in url.netloc:
            raise StorageDSNError(variable, "url must not contain credentials (user:password@)")
        netloc = _netloc(url)
        if netloc is None or url.query or url.fragment or not URL_PATH.fullmatch(url.path):
            raise StorageDSNError(
                variable,
                "url must be a full URL such as https://cdn.example.com/media/: a valid host name, no ? or #, "
                "and a path of URL characters (percent-encode the rest)",
            )
        return netloc + _without_prefix(variable, url.path, location), f"{url.scheme}:"
    return None, "https:"


def _without_prefix(variable: str, path: str, location: str) -> str:
    """url= is the files' full base URL, but S3Storage.url() adds the prefix: take it off url's path."""
    segments = path.rstrip("/").split("/")
    if not location:
        return "/".join(segments)
    count = location.count("/") + 1
    # The path starts with "/" (the URL has a host): a match leaves at least the empty first segment.
    if unquote("/".join(segments[-count:])) != location:
        raise StorageDSNError(
            variable, f"url is the full base URL of the files, so its path must end with the prefix /{location}/"
        )
    return "/".join(segments[:-count])


def _acl(variable: str, value: str) -> str | None:
    if value == NO_ACL:
        return None
    if value not in CANNED_ACLS:
        raise StorageDSNError(variable, f"unknown acl '{value[:30]}' (use one of {', '.join(CANNED_ACLS)}, or none)")
    return value


def _boolean(variable: str, name: str, value: str) -> bool:
    if value.lower() not in BOOLEANS:
        raise StorageDSNError(variable, f"{name} must be true or false")
    return BOOLEANS[value.lower()]
