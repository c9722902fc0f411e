"""Probe a storage for real: write, read back, fetch the URL, delete; explain failures in one line."""

import contextlib
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, SSLError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from ..s3 import client as s3_client
from ..s3 import is_not_found, mask_credentials, secrets

# A release step must not hang for minutes on an unreachable endpoint.
PROBE_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 2})
PROBE_NAME = "storage-check/probe.txt"  # under the storage's probe prefix; a fresh name if taken; deleted again
{%- if cookiecutter.use_filer %}
# What the README's bucket policy opens to anonymous readers, for a service that grants by policy only.
PUBLIC_PREFIXES = ("filer_public/", "filer_public_thumbnails/")
{%- else %}
PUBLIC_PREFIXES = ("",)  # public media is the whole bucket (under the storage's location)
{%- endif %}
SERVICES_BY_POLICY = "SeaweedFS, MinIO, Ceph RGW, AWS buckets with ACLs disabled"
{%- if cookiecutter.use_filer %}
PRIVATE_FIX = "grant public reads only under filer_public/*, filer_public_thumbnails/*"
{%- else %}
PRIVATE_FIX = "open only the public media's prefix, or give private files a bucket of their own"
{%- endif %}


class ProbeFailure(Exception):
    """A probe step failed; the message says what is wrong and what to check."""


@dataclass
class Verdict:
    ok: bool
    message: str


def probe(storage, variable: str, prefix: str = "", private: bool = False) -> Verdict:
    """Check that the storage works end to end, with its probe file where its files live (`prefix`), and
    for a `private` one that a file's URL without its signature is refused. Leaves nothing behind."""
    if isinstance(storage, S3Storage):
        storage.client_config = storage.client_config.merge(PROBE_CLIENT_CONFIG)
    name = None
    try:
        if isinstance(storage, S3Storage):
            _check_bucket(storage, variable)
        payload = f"storage check {uuid.uuid4()}\n".encode()
        wanted = prefix + PROBE_NAME
        name = _step("write a file", variable, storage, lambda: storage.save(wanted, ContentFile(payload)))
        if _step("read it back", variable, storage, lambda: _read(storage, name)) != payload:
            raise ProbeFailure("the file read back differs from the file written")
        notes = [_check_url(storage, name, payload, variable)]
        if private and isinstance(storage, S3Storage):
            notes.append(_check_unsigned_refused(storage, name, variable))
        _step("delete it", variable, storage, lambda: storage.delete(name))
        name = None
        return Verdict(True, f"write, read, {', '.join(notes)}, delete")
    except ProbeFailure as failure:
        # Services may echo the access key in their messages: no credential leaves this function.
        return Verdict(False, mask_credentials(str(failure), secrets(storage)))
    finally:
        if name is not None:
            with contextlib.suppress(Exception):  # the failure reported already says what is wrong
                storage.delete(name)
        if isinstance(storage, FileSystemStorage):
            _remove_empty_folders(storage, prefix + PROBE_NAME)


def _read(storage, name: str) -> bytes:
    with storage.open(name) as stored:
        return stored.read()


def _check_bucket(storage: S3Storage, variable: str) -> None:
    client = s3_client(storage)
    try:
        response = client.head_bucket(Bucket=storage.bucket_name)
    except ClientError:
        # A HEAD answer has no body, so no error code: ask again with a request whose answer has one.
        _step(
            "reach the bucket",
            variable,
            storage,
            lambda: client.list_objects_v2(Bucket=storage.bucket_name, MaxKeys=1),
        )
        raise ProbeFailure(f"cannot reach the bucket {storage.bucket_name}: the service refused HEAD") from None
    except (BotoCoreError, OSError) as error:
        raise _failure("reach the bucket", variable, storage, error) from None
    actual = response.get("BucketRegion")
    if actual and storage.region_name and actual != storage.region_name:
        raise ProbeFailure(_wrong_region(storage, variable, actual))


def _check_url(storage, name: str, payload: bytes, variable: str) -> str:
    url = _step("make the file's URL", variable, storage, lambda: storage.url(name))
    if not url.startswith(("http://", "https://")):
        return "url not fetched (a path this site serves)"
    try:
        with urllib.request.urlopen(url, timeout=10, context=_trust(storage)) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        if getattr(storage, "querystring_auth", False):
            hint = "the signed URL was refused; check the signature settings (auth)"
        else:
            hint = (
                f"public files are not readable; a service that honours ACLs needs acl=public-read in {variable}, "
                f"one that grants by bucket policy ({SERVICES_BY_POLICY}) a policy allowing s3:GetObject under "
                f"{_public_resources(storage)} only (manage.py storage_policy prints it); and does the domain "
                "serve this bucket?"
            )
        raise ProbeFailure(f"the file's URL answered HTTP {error.code}: {hint}") from None
    except OSError as error:
        raise ProbeFailure(f"the file's URL cannot be fetched: {mask_credentials(str(error))}") from None
    if body != payload:
        raise ProbeFailure("the file's URL serves other content than the file written (a stale CDN?)")
    return "url fetched"


def _check_unsigned_refused(storage: S3Storage, name: str, variable: str) -> str:
    """A private file's URL without its signature must be refused: else anyone may read every private file."""
    signed = _step("make the file's URL", variable, storage, lambda: storage.url(name))
    unsigned = urllib.parse.urlsplit(signed)._replace(query="").geturl()
    try:
        with urllib.request.urlopen(unsigned, timeout=10, context=_trust(storage)):
            pass
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            return "unsigned url refused"
        raise ProbeFailure(f"the file's URL without its signature answered HTTP {error.code}, not 403") from None
    except OSError as error:
        raise ProbeFailure(f"the file's URL cannot be fetched: {mask_credentials(str(error))}") from None
    raise ProbeFailure(
        f"private files are readable by anyone: {name} was served without a signature; remove the public ACL or "
        f"the bucket policy statement that opens them ({PRIVATE_FIX})"
    )


def _public_resources(storage: S3Storage) -> str:
    location = f"{storage.location.strip('/')}/" if storage.location else ""
    return ", ".join(f"{storage.bucket_name}/{location}{prefix}*" for prefix in PUBLIC_PREFIXES)


def _remove_empty_folders(storage: FileSystemStorage, name: str) -> None:
    """The probe's folders, up to the storage's own, unless something else is in them."""
    root = Path(storage.location).resolve()
    folder = Path(storage.path(name)).parent
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _trust(storage) -> ssl.SSLContext | None:
    """Trust for fetching the URL what the storage's client trusts: its ca_bundle, or AWS_CA_BUNDLE."""
    ca_bundle = getattr(storage, "verify", None)
    ca_bundle = ca_bundle if isinstance(ca_bundle, str) else os.environ.get("AWS_CA_BUNDLE")
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None


def _step(what: str, variable: str, storage, action):
    try:
        return action()
    except (BotoCoreError, ClientError, OSError) as error:
        raise _failure(what, variable, storage, error) from None
    except Exception as error:  # anything else a storage raises: still one line, not a traceback
        raise ProbeFailure(f"cannot {what}: {type(error).__name__}: {error}") from None


def _failure(what: str, variable: str, storage, error: Exception) -> ProbeFailure:
    if isinstance(error, ClientError):
        return ProbeFailure(f"cannot {what}: {explain_client_error(error, storage, variable)}")
    if isinstance(error, SSLError):
        endpoint = mask_credentials(storage.endpoint_url)
        if isinstance(storage.verify, str):
            return ProbeFailure(
                f"cannot {what}: the TLS certificate of {endpoint} is not trusted by ca_bundle {storage.verify}; "
                f"check that the file in {variable} holds the CA that signed it"
            )
        return ProbeFailure(
            f"cannot {what}: the TLS certificate of {endpoint} is not trusted; "
            f"give its CA certificate as ca_bundle=/path/ca.pem in {variable} (or set AWS_CA_BUNDLE)"
        )
    if isinstance(error, EndpointConnectionError):
        return ProbeFailure(f"cannot {what}: the endpoint {mask_credentials(storage.endpoint_url)} is unreachable")
    if isinstance(error, BotoCoreError):
        return ProbeFailure(f"cannot {what}: {type(error).__name__}: {mask_credentials(str(error))}")
    return ProbeFailure(f"cannot {what}: {error.strerror or error}")


def explain_client_error(error: ClientError, storage: S3Storage, variable: str) -> str:
    """One line an operator can act on, for the errors S3 services answer with."""
    code = error.response.get("Error", {}).get("Code", "")
    meta = error.response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    region = meta.get("HTTPHeaders", {}).get("x-amz-bucket-region")
    if code == "InvalidAccessKeyId":
        return f"the access key is unknown to the service; check the key in {variable}"
    if code == "SignatureDoesNotMatch":
        return f"the secret does not match the access key; check the secret in {variable} (percent-encoded)"
    # A missing bucket: named so by a request with a body, or a bare 404 (a HEAD answer has no code).
    if code == "NoSuchBucket" or (is_not_found(error) and code != "NoSuchKey"):
        endpoint = mask_credentials(storage.endpoint_url or "AWS")
        return f"bucket {storage.bucket_name} does not exist at {endpoint}; check {variable}"
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "301", "IllegalLocationConstraintException"):
        return _wrong_region(storage, variable, region)
    if code == "AccessControlListNotSupported":
        return f"the bucket has ACLs disabled; add acl=none to {variable}"
    if code == "AccessDenied" or status == 403:
        return f"access denied to bucket {storage.bucket_name}; the key needs read and write rights there"
    message = error.response.get("Error", {}).get("Message", "")
    return f"the service answered {code or status}: {message}".rstrip(": ")


def _wrong_region(storage: S3Storage, variable: str, actual: str | None) -> str:
    where = f"in region {actual}" if actual else "in another region"
    return (
        f"bucket {storage.bucket_name} is {where}, but {variable} says {storage.region_name}; "
        "fix the DSN's host or region_name"
    )
