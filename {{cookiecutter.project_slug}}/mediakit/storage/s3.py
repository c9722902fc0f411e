"""The one door to S3: what the media app needs of a storage's client, keys and credentials.

django-storages' S3Storage keeps its client, key naming and write parameters behind private names, and
botocore's errors and messages carry credentials. Every wing asks here, never S3Storage's internals or
the client directly, so that a change in django-storages (or a service's error format) is met in one place:
- client(storage), key(storage, name), write_parameters(storage, key), read_parameters(storage, name);
- secrets(storage) and configured_secrets(): the credentials a message must never show;
- mask_credentials(text, secrets) and masked_reason(error, secrets): the one masker;
- is_not_found(error): the one test of "no such file", for S3 and local files alike.
"""

import re
from collections.abc import Iterable
from urllib.parse import quote

from botocore.exceptions import ClientError
from django.conf import settings
from s3transfer.constants import ALLOWED_DOWNLOAD_ARGS
from storages.backends.s3 import S3Storage

# Concurrent transfers: as many as the S3 client keeps connections by default (botocore's max_pool_connections).
DEFAULT_WORKERS = 10

URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#@\s]+@")
# Where a signed request or URL carries the access key and the signature: SigV4's Credential=KEY/...
# (header and X-Amz-Credential=), SigV2's AWSAccessKeyId=KEY and its "AWS KEY:SIGNATURE" header.
SIGNED = re.compile(r"((?:Credential|AWSAccessKeyId|Signature)=)[^\s,&'\"]+|(\bAWS )[^\s:'\"]+:[^\s'\"]+")
SHORTEST_MASKED = 4  # a shorter "secret" would blank out ordinary words; no real key is that short
CREDENTIAL_OPTIONS = ("access_key", "secret_key", "security_token")


def is_s3(storage) -> bool:
    return isinstance(storage, S3Storage)


def client(storage: S3Storage):
    """The storage's boto3 client: thread-safe, to be taken once and shared by worker threads.

    S3Storage.connection is a resource per thread: a client per worker thread would cost each of them
    botocore's start-up (about a second) and connections of its own.
    """
    return storage.connection.meta.client


def key(storage: S3Storage, name: str) -> str:
    """The whole key a storage name is stored under (with the storage's location).

    The name is taken as it is: a name from a listing is the object's own; a name from a user or a model is
    cleaned first, as storage.save() does: key(storage, clean_name(name)).
    """
    return storage._normalize_name(name)


def write_parameters(storage: S3Storage, key: str) -> dict:
    """What S3Storage._save() sends with an object: object parameters, content type and encoding guessed from
    the name, ACL. Its own (private) method, so that objects written here are identical to what storage.save()
    writes; tests/staging/test_staging_s3.py compares them, and fails if django-storages changes it."""
    return storage._get_write_parameters(key)


def read_parameters(storage: S3Storage, name: str) -> dict:
    """The object parameters a download must repeat (customer-provided encryption keys), as S3Storage does."""
    return {
        option: value
        for option, value in storage.get_object_parameters(name).items()
        if option in ALLOWED_DOWNLOAD_ARGS
    }


def secrets(storage) -> tuple[str, ...]:
    """The credentials a storage signs with: access key, secret and session token (none for a local one)."""
    values = (getattr(storage, option, None) for option in CREDENTIAL_OPTIONS)
    return tuple(value for value in values if isinstance(value, str) and value)


def configured_secrets() -> list[str]:
    """The credentials of every storage in STORAGES."""
    return [
        value
        for entry in settings.STORAGES.values()
        for option, value in entry.get("OPTIONS", {}).items()
        if option in CREDENTIAL_OPTIONS and isinstance(value, str) and value
    ]


def mask_credentials(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Text without the credentials in it.

    Masks the ``user:password@`` of every URL, the key and signature of signed requests and URLs,
    and each of ``secrets`` (as written, and percent-encoded), e.g. where a service echoes the key.
    """
    text = URL_CREDENTIALS.sub("****@", text)
    text = SIGNED.sub(lambda match: (match[1] or match[2]) + "****", text)
    for secret in sorted({value for value in secrets if value and len(value) >= SHORTEST_MASKED}, key=len)[::-1]:
        text = text.replace(secret, "****").replace(quote(secret, safe=""), "****")
    return text


def masked_reason(error: BaseException | str, secrets: Iterable[str] = ()) -> str:
    """One line saying why an operation on a file failed, with any credential blanked out."""
    if isinstance(error, str):
        text = error
    elif is_not_found(error):
        text = "not found in the storage"
    elif isinstance(error, ClientError):
        text = str(error)  # names the S3 error code, the operation and how many retries were made
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return mask_credentials(text, secrets)


def is_not_found(error: BaseException) -> bool:
    """Whether the storage answered "no such file" (404): the one test of it, for S3 and local files alike."""
    if isinstance(error, FileNotFoundError):
        return True
    if isinstance(error, ClientError):
        response = error.response
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status == 404 or response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
    return False
