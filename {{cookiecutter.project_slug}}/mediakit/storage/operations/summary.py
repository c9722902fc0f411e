"""What each configured storage is, for people: every credential masked."""

from botocore.exceptions import BotoCoreError
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from ..s3 import mask_credentials


def mask(value: str | None) -> str:
    """Enough of an access key to recognise it (its first four characters), never a secret."""
    if not value:
        return "not set (boto3's default credential chain)"
    return f"{value[:4]}****" if len(value) > 8 else "****"


def summarize(storage) -> dict[str, str]:
    """The facts an operator asks about a storage, as label -> text."""
    backend = f"{type(storage).__module__}.{type(storage).__qualname__}"
    if isinstance(storage, S3Storage):
        return {
            "backend": backend,
            "bucket": storage.bucket_name,
            "endpoint": mask_credentials(storage.endpoint_url or "AWS default for the region"),
            "region": storage.region_name or "not set",
            "addressing": storage.addressing_style or "auto",
            "signature": signature(storage),
            "checksums": checksums(storage),
            "tls": tls(storage),
            "location": storage.location or "(bucket root)",
            "url": _example_url(storage),
            "acl": storage.default_acl or "none (the bucket's policy decides)",
            "signed urls": f"yes, for {storage.querystring_expire} s" if storage.querystring_auth else "no",
            "overwrite": "yes" if storage.file_overwrite else "no (a new name for each upload)",
            "access key": mask(storage.access_key),
            "secret": "****" if storage.secret_key else "not set",
        }
    if isinstance(storage, FileSystemStorage):
        return {"backend": backend, "location": str(storage.location), "url": _example_url(storage)}
    return {"backend": backend}


SIGNATURES = {"s3v4": "s3v4 (SigV4)", "s3": "s3 (legacy SigV2)"}


def signature(storage) -> str:
    """The signature the storage's client signs requests and URLs with (the botocore config it is given)."""
    version = storage.client_config.signature_version
    if version is None:
        return "botocore's default (legacy SigV2 for signed URLs in some regions)"
    return SIGNATURES.get(version, version)


CHECKSUMS = {
    "when_required": "when_required (only where S3 requires one, e.g. DeleteObjects)",
    "when_supported": "when_supported (CRC32 on every upload and download)",
}


def checksums(storage) -> str:
    """When the storage's client adds checksum headers (botocore's request_checksum_calculation)."""
    mode = storage.client_config.request_checksum_calculation
    if mode is None:
        return "botocore's default (when_supported, unless AWS_REQUEST_CHECKSUM_CALCULATION says otherwise)"
    return CHECKSUMS.get(mode, mode)


def tls(storage) -> str:
    endpoint = storage.endpoint_url or "https:"
    if endpoint.startswith("http:"):
        return "none (plain HTTP)"
    if isinstance(storage.verify, str):
        return f"verified against {storage.verify}"
    if storage.verify is False:
        return "NOT verified (verify=False)"
    return "verified against botocore's CA bundle (or AWS_CA_BUNDLE)"


def _example_url(storage) -> str:
    try:
        url = mask_credentials(storage.url("example.jpg"))
    except BotoCoreError as error:  # e.g. signed URLs without credentials anywhere
        return f"cannot make one: {type(error).__name__} (set the key and secret in the DSN)"
    # A signed URL carries the access key: show where it points, not the signature.
    return url.split("?")[0] + ("?<signature>" if "?" in url else "")
