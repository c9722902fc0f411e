"""System checks for media storage: mistakes that would otherwise only show in production."""

from django.conf import settings
from django.core import checks

from .mediastorage.config import LOCAL_BACKEND

{%- if cookiecutter.region != "other" %}


@checks.register(checks.Tags.compatibility)
def check_storage_region(app_configs, **kwargs):
    """Media must stay in the region the project was generated for (data residency)."""
    warnings = []
    for alias, storage in settings.STORAGES.items():
        region = storage.get("OPTIONS", {}).get("region_name")
        if region and region != settings.STORAGE_REGION:
            warnings.append(
                checks.Warning(
                    f"STORAGES[{alias!r}] stores files in region {region}, but this project was generated "
                    f"for {settings.STORAGE_REGION}.",
                    hint="Point the storage DSN at a bucket in the project's region, or regenerate the "
                    "project for the region you really use.",
                    id="storage.W001",
                )
            )
    return warnings
{%- endif %}


@checks.register(checks.Tags.compatibility, deploy=True)
def check_media_not_on_local_disk(app_configs, **kwargs):
    """With several instances, each one's local disk is private: media there is lost or missing."""
    return [
        checks.Warning(
            f"STORAGES[{alias!r}] keeps files on this instance's local disk.",
            hint=f"Set {variable} to an S3 bucket so that every instance sees the same files.",
            id="storage.W002",
        )
        for alias, variable in MEDIA_STORAGE_VARIABLES.items()
        if settings.STORAGES[alias]["BACKEND"] == LOCAL_BACKEND
    ]


MEDIA_STORAGE_VARIABLES = {
    "default": "DEFAULT_STORAGE_DSN",
{%- if cookiecutter.private_media %}
    "private": "PRIVATE_STORAGE_DSN",
{%- endif %}
}
