"""What a storage DSN describes, and the STORAGES entries made from it."""

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit

from botocore.config import Config
from django.utils.encoding import filepath_to_uri

S3_BACKEND = f"{__package__}.backends.S3MediaStorage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
# A file read from S3 is kept in memory up to this size, then in a temporary file (the platform's
# figure). django-storages' default, 0, keeps any file in memory, however large.
MAX_MEMORY_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class S3Config:
    """A bucket on an S3-compatible service, as django-storages' S3Storage options."""

    bucket: str
    endpoint_url: str
    region: str | None
    provider: str
    addressing_style: str
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    location: str = ""
    signature_version: str = "s3v4"
    custom_domain: str | None = None
    url_protocol: str = "https:"
    acl: str | None = "public-read"
    signed_urls: bool = False
    overwrite: bool = False

    def options(self) -> dict:
        options = {
            "bucket_name": self.bucket,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "addressing_style": self.addressing_style,
            "signature_version": self.signature_version,
            "location": self.location,
            "custom_domain": self.custom_domain,
            "url_protocol": self.url_protocol,
            "default_acl": self.acl,
            "querystring_auth": self.signed_urls,
            # Off unless asked (with_overwrite): two uploads of photo.jpg make two files, not one.
            "file_overwrite": self.overwrite,
            "max_memory_size": MAX_MEMORY_SIZE,
        }
        return {key: value for key, value in options.items() if value is not None}

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
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket}/{prefix}"
        return f"{endpoint.scheme}://{self.bucket}.{endpoint.netloc}/{prefix}"

    @property
    def media_root(self) -> str:
        return ""  # nothing of this storage is on local disk

    def as_private(self) -> "S3Config":
        """The same bucket for private files: no public ACL, signed and expiring URLs."""
        # A bucket with ACLs disabled (acl=None) refuses any ACL: there, the bucket policy decides.
        return replace(self, acl="private" if self.acl else None, signed_urls=True, custom_domain=None)

    def with_overwrite(self) -> "S3Config":
        """Saving under an existing name replaces the file, and skips the existence check (a request).

        Only for names that cannot collide by accident: thumbnails (named after their source and
        options), and uploads that each get a folder with a random name.
        """
        return replace(self, overwrite=True)


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

    def as_private(self) -> "LocalConfig":
        """Private files beside the media folder, in a folder that is never served."""
        return LocalConfig(self.location.parent / "private-media", "/private-media/")

    def with_overwrite(self) -> "LocalConfig":
        return self  # a local existence check costs no request
