"""What a storage DSN describes, and the STORAGES entries made from it."""

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit

from botocore.config import Config
from django.utils.encoding import filepath_to_uri

S3_BACKEND = "mediakit.storage.backends.S3MediaStorage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
# A file read from S3 is kept in memory up to this size, then in a temporary file (the platform's
# figure). django-storages' default, 0, keeps any file in memory, however large.
MAX_MEMORY_SIZE = 10 * 1024 * 1024
# botocore's checksum settings (request_checksum_calculation, response_checksum_validation):
# "when_supported" (its default since 1.36) adds CRC32 checksum headers to every upload and sends
# streamed bodies over HTTPS as aws-chunked; many S3-compatible services refuse those.
CHECKSUM_MODES = ("when_supported", "when_required")
# Fields of S3Config that are not STORAGES OPTIONS of their name (client_config and object_parameters hold them).
DERIVED_FIELDS = ("checksums", "cache_control")


@dataclass(frozen=True)
class S3Config:
    """A bucket on an S3-compatible service: each field is the django-storages S3Storage option of its name."""

    bucket_name: str
    endpoint_url: str
    region_name: str | None
    addressing_style: str
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    location: str = ""
    signature_version: str = "s3v4"
    custom_domain: str | None = None
    url_protocol: str = "https:"
    default_acl: str | None = "public-read"
    querystring_auth: bool = False
    # Off unless asked (with_overwrite): two uploads of photo.jpg make two files, not one.
    file_overwrite: bool = False
    max_memory_size: int = MAX_MEMORY_SIZE
    # A CA bundle file to trust for the endpoint's TLS certificate (None: botocore's, or AWS_CA_BUNDLE).
    verify: str | None = None
    # Cache-Control directives of every upload (thumbnails and staging writes included), without
    # public/private: files behind signed URLs get "private" (no shared cache keeps them), others "public".
    cache_control: str | None = None
    # When botocore computes and checks checksums, one of CHECKSUM_MODES; None keeps botocore's
    # default (or AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION if set).
    checksums: str | None = None

    def options(self) -> dict:
        """The STORAGES OPTIONS: every field that is set (None leaves django-storages' default)."""
        fields = asdict(self).items()
        options = {name: value for name, value in fields if value is not None and name not in DERIVED_FIELDS}
        if self.cache_control:
            scope = "private" if self.querystring_auth else "public"
            options["object_parameters"] = {"CacheControl": f"{scope}, {self.cache_control}"}
        return options

    def client_config(self) -> Config:
        """The botocore settings of the storage's client.

        django-storages builds this from addressing_style and signature_version only when no
        client_config is given, so both are repeated here. botocore's standard retry mode retries
        throttling, transient 5xx answers and dropped connections with exponential backoff and a
        retry quota; the staging utility relies on it.
        """
        return Config(
            s3={"addressing_style": self.addressing_style},
            signature_version=self.signature_version,
            retries={"mode": "standard"},
            request_checksum_calculation=self.checksums,
            response_checksum_validation=self.checksums,
        )

    def storages_entry(self) -> dict:
        return {"BACKEND": S3_BACKEND, "OPTIONS": {**self.options(), "client_config": self.client_config()}}

    @property
    def media_url(self) -> str:
        """The URL prefix S3Storage.url() builds for this bucket (unsigned URLs), encoded as it encodes."""
        prefix = f"{self.location}/" if self.location else ""
        if self.custom_domain:
            return f"{self.url_protocol}//{self.custom_domain}/{filepath_to_uri(prefix)}"
        prefix = quote(prefix, safe="/~")  # as botocore encodes a key in the bucket's URL
        endpoint = urlsplit(self.endpoint_url)
        if self.addressing_style == "path":
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket_name}/{prefix}"
        return f"{endpoint.scheme}://{self.bucket_name}.{endpoint.netloc}/{prefix}"

    @property
    def media_root(self) -> str:
        return ""  # nothing of this storage is on local disk

{%- if cookiecutter.use_filer and not cookiecutter.private_media %}

    def as_private(self) -> "S3Config":
        """The same bucket for private files: no public ACL, signed and expiring URLs."""
        # A bucket with ACLs disabled (default_acl=None) refuses any ACL: there, the bucket policy decides.
        return replace(
            self, default_acl="private" if self.default_acl else None, querystring_auth=True, custom_domain=None
        )
{%- endif %}

    def with_cache_control(self, directives: str) -> "S3Config":
        """Every file written through this storage carries these Cache-Control directives."""
        return replace(self, cache_control=directives)

    def with_overwrite(self) -> "S3Config":
        """Saving under an existing name replaces the file, and skips the existence check (a request).

{%- if cookiecutter.use_filer %}

        Only for names that cannot collide by accident: thumbnails (named after their source and
        options), and uploads that each get a folder with a random name.
{%- else %}

        Only for names that cannot collide by accident: thumbnails, named after their source and options.
{%- endif %}
        """
        return replace(self, file_overwrite=True)


@dataclass(frozen=True)
class LocalConfig:
    """Files in a folder of this machine (development, or a single-instance setup)."""

    location: Path
    base_url: str

    def storages_entry(self) -> dict:
        return {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": str(self.location), "base_url": self.base_url}}

    @property
    def media_url(self) -> str:
        return self.base_url

    @property
    def media_root(self) -> Path:
        return self.location
{%- if cookiecutter.use_filer and not cookiecutter.private_media %}

    def as_private(self) -> "LocalConfig":
        """Private files beside the media folder, in a folder that is never served."""
        return LocalConfig(self.location.parent / "private-media", "/private-media/")
{%- endif %}

    def with_overwrite(self) -> "LocalConfig":
        return self  # a local existence check costs no request

    def with_cache_control(self, directives: str) -> "LocalConfig":
        return self  # files on disk carry no headers; whoever serves them decides
