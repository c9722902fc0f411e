"""Every storage the project keeps media in, and where each one puts its files."""

from dataclasses import dataclass
from typing import NamedTuple

{% if cookiecutter.use_filer %}import filer.settings
{% endif %}from django.core.files.storage import FileSystemStorage, Storage, storages
from storages.backends.s3 import S3Storage

from ..s3 import mask_credentials


class Place(NamedTuple):
    """Where a storage puts its files: a bucket and key prefix on an S3 service, or a local folder."""

    service: str  # "s3", "local", or the class name of any other storage
    endpoint: str | None = None
    bucket: str | None = None
    prefix: str = ""  # the key prefix in the bucket, or the local folder
{%- if cookiecutter.use_filer %}

    def same_bucket(self, other: "Place") -> bool:
        return self[:3] == other[:3]
{%- endif %}

    def __str__(self) -> str:
        return mask_credentials(" ".join(part for part in self if part))


def place_of(storage: Storage) -> Place:
    if isinstance(storage, S3Storage):
        return Place("s3", storage.endpoint_url, storage.bucket_name, storage.location)
    if isinstance(storage, FileSystemStorage):
        return Place("local", prefix=str(storage.location))
    return Place(type(storage).__name__)


def location_of(storage: Storage) -> str:
    """Where a storage puts its files, for people (credentials in an endpoint URL masked)."""
    return str(place_of(storage))


@dataclass(frozen=True)
class MediaStorage:
    """A storage that holds media, and the environment variable that configures it."""

    name: str
    storage: Storage
    variable: str
    probe_prefix: str = ""  # where storage_check writes its probe file: where this storage's files live

    @property
    def place(self) -> Place:
        return place_of(self.storage)
{%- if cookiecutter.use_filer %}


PUBLIC, PRIVATE = "filer_public/", "filer_private/"  # where filer's files live: the probe goes there too
{%- endif %}


def configured_storages() -> list[MediaStorage]:
    """Each storage that holds media."""
{%- if cookiecutter.use_filer %}
    filer_conf = filer.settings
{%- endif %}
    return [
{%- if cookiecutter.use_filer %}
        MediaStorage("STORAGES['default']", storages["default"], "DEFAULT_STORAGE_DSN", PUBLIC),
{%- else %}
        MediaStorage("STORAGES['default']", storages["default"], "DEFAULT_STORAGE_DSN"),
{%- endif %}
{%- if cookiecutter.private_media %}
        MediaStorage("STORAGES['private']", storages["private"], "PRIVATE_STORAGE_DSN"),
{%- endif %}
{%- if cookiecutter.use_filer %}
        MediaStorage("STORAGES['easy_thumbnails']", storages["easy_thumbnails"], "DEFAULT_STORAGE_DSN", PUBLIC),
        MediaStorage("filer public files", filer_conf.FILER_PUBLICMEDIA_STORAGE, "DEFAULT_STORAGE_DSN", PUBLIC),
        MediaStorage(
            "filer public thumbnails", filer_conf.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE, "DEFAULT_STORAGE_DSN", PUBLIC
        ),
{%- if cookiecutter.private_media %}
        MediaStorage("filer private files", filer_conf.FILER_PRIVATEMEDIA_STORAGE, "PRIVATE_STORAGE_DSN", PRIVATE),
        MediaStorage(
            "filer private thumbnails", filer_conf.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE, "PRIVATE_STORAGE_DSN", PRIVATE
        ),
{%- else %}
        MediaStorage("filer private files", filer_conf.FILER_PRIVATEMEDIA_STORAGE, "DEFAULT_STORAGE_DSN", PRIVATE),
        MediaStorage(
            "filer private thumbnails", filer_conf.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE, "DEFAULT_STORAGE_DSN", PRIVATE
        ),
{%- endif %}
{%- else %}
        MediaStorage("STORAGES['easy_thumbnails']", storages["easy_thumbnails"], "DEFAULT_STORAGE_DSN"),
{%- endif %}
    ]
