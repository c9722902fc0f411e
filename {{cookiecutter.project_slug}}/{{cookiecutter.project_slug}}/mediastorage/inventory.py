"""Every storage the project keeps media in, and where each one puts its files."""

{% if cookiecutter.use_filer %}import filer.settings
{% endif %}from django.core.files.storage import FileSystemStorage, storages
from storages.backends.s3 import S3Storage

from .summary import mask_credentials


def configured_storages() -> list[tuple[str, object, str]]:
    """(name, storage, the variable that configures it), for each storage that holds media."""
    return [
        ("STORAGES['default']", storages["default"], "DEFAULT_STORAGE_DSN"),
{%- if cookiecutter.private_media %}
        ("STORAGES['private']", storages["private"], "PRIVATE_STORAGE_DSN"),
{%- endif %}
        ("STORAGES['easy_thumbnails']", storages["easy_thumbnails"], "DEFAULT_STORAGE_DSN"),
{%- if cookiecutter.use_filer %}
        ("filer public files", filer.settings.FILER_PUBLICMEDIA_STORAGE, "DEFAULT_STORAGE_DSN"),
        ("filer public thumbnails", filer.settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE, "DEFAULT_STORAGE_DSN"),
{%- if cookiecutter.private_media %}
        ("filer private files", filer.settings.FILER_PRIVATEMEDIA_STORAGE, "PRIVATE_STORAGE_DSN"),
        ("filer private thumbnails", filer.settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE, "PRIVATE_STORAGE_DSN"),
{%- else %}
        ("filer private files", filer.settings.FILER_PRIVATEMEDIA_STORAGE, "DEFAULT_STORAGE_DSN"),
        ("filer private thumbnails", filer.settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE, "DEFAULT_STORAGE_DSN"),
{%- endif %}
{%- endif %}
    ]


def place(storage) -> tuple:
    """Where a storage puts its files: (service, endpoint, bucket, prefix) or ("local", folder)."""
    if isinstance(storage, S3Storage):
        return ("s3", storage.endpoint_url, storage.bucket_name, storage.location)
    if isinstance(storage, FileSystemStorage):
        return ("local", str(storage.location))
    return (type(storage).__name__,)


def describe(storage) -> str:
    return mask_credentials(" ".join(str(part) for part in place(storage) if part))
