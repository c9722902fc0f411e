"""django-filer's FILER_STORAGES, derived from the same storage configurations as STORAGES.

filer reads only STORAGES["default"]["BACKEND"], never its OPTIONS: left to itself it builds an S3
storage with no bucket. So each of its four storages is spelled out here.
"""

from .storage_configs import LocalConfig, S3Config

RANDOMIZED_NAMES = "filer.utils.generate_filename.randomized"


def filer_storages(
    public: S3Config | LocalConfig, private: S3Config | LocalConfig, *, thumbnail_cache_control: str
) -> dict:
    """Originals and thumbnails, public and private, with filer's usual prefixes.

    Originals keep the configurations' Cache-Control; thumbnails, made again under the same name, get theirs.
    """
    return {
        "public": {
            "main": {
                **_engine(public.with_overwrite()),
                "UPLOAD_TO": RANDOMIZED_NAMES,
                "UPLOAD_TO_PREFIX": "filer_public",
            },
            "thumbnails": {
                **_engine(public.with_overwrite().with_cache_control(thumbnail_cache_control)),
                "THUMBNAIL_OPTIONS": {"base_dir": "filer_public_thumbnails"},
            },
        },
        "private": {
            "main": {
                **_engine(private.with_overwrite()),
                "UPLOAD_TO": RANDOMIZED_NAMES,
                "UPLOAD_TO_PREFIX": "filer_private",
            },
            "thumbnails": {
                **_engine(private.with_overwrite().with_cache_control(thumbnail_cache_control)),
                "THUMBNAIL_OPTIONS": {"base_dir": "filer_private_thumbnails"},
            },
        },
    }


def _engine(config: S3Config | LocalConfig) -> dict:
    entry = config.storages_entry()
    return {"ENGINE": entry["BACKEND"], "OPTIONS": entry["OPTIONS"]}
