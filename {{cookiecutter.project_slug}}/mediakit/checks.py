"""The media app's system checks (apps.py imports this module): mistakes that would otherwise only show in production.

storage.*: the storages, their buckets, regions and certificates; thumbnails.*: the thumbnail aliases.
"""

import os
import ssl

import easy_thumbnails.storage
{%- if cookiecutter.use_filer %}
import filer.settings
{%- endif %}
from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, storages
{%- if cookiecutter.use_filer or cookiecutter.private_media %}
from storages.backends.s3 import S3Storage
{%- endif %}

from .storage.configuration.dsn import unknown_parameters
from .storage.operations.inventory import configured_storages, location_of, place_of

{%- if cookiecutter.region != "other" %}


@checks.register(checks.Tags.compatibility)
def check_storage_region(app_configs, **kwargs):
    """Media must stay in the region the project was generated for (data residency)."""
    regions = {}  # one warning per variable, naming the first storage it configures
    for media in configured_storages():
        region = getattr(media.storage, "region_name", None)
        if region and region != settings.STORAGE_REGION:
            regions.setdefault(media.variable, (media.name, region))
    return [
        checks.Warning(
            f"{name} stores files in region {region}, but this project was generated for {settings.STORAGE_REGION}.",
            hint=f"Point {variable} at a bucket in the project's region, or regenerate the project for the "
            "region you really use.",
            id="storage.W001",
        )
        for variable, (name, region) in regions.items()
    ]
{%- endif %}


@checks.register(checks.Tags.compatibility, deploy=True)
def check_media_not_on_local_disk(app_configs, **kwargs):
    """With several instances, each one's local disk is private: media there is lost or missing."""
    local = {}  # one warning per variable, naming the first storage it configures
    for media in configured_storages():
        if media.place.service == "local":
            local.setdefault(media.variable, media.name)
    return [
        checks.Warning(
            f"{name} keeps files on this instance's local disk.",
            hint=f"Set {variable} to an S3 bucket so that every instance sees the same files.",
            id="storage.W002",
        )
        for variable, name in local.items()
    ]


@checks.register(checks.Tags.compatibility, checks.Tags.staticfiles)  # collectstatic runs the staticfiles checks
def check_local_media_apart_from_static_files(app_configs, **kwargs):
    """collectstatic and runserver refuse media served from the static files' URL or folder (a traceback)."""
    static_url, static_root = settings.STATIC_URL, str(settings.STATIC_ROOT or "")
    clashes = {}  # one error per variable, naming the first storage it configures
    for media in configured_storages():
        storage = media.storage
        if not isinstance(storage, FileSystemStorage):
            continue
        url = storage.base_url or ""
        if url.startswith(static_url) or static_url.startswith(url) or str(storage.location) == static_root:
            clashes.setdefault(media.variable, (media.name, url))
    return [
        checks.Error(
            f"{name} serves files at {url}, which clashes with STATIC_URL {static_url} (or shares STATIC_ROOT).",
            hint=f"Give {variable} a url= of its own, e.g. url=%2Fmedia%2F, and a folder apart from STATIC_ROOT.",
            id="storage.E004",
        )
        for variable, (name, url) in clashes.items()
    ]


@checks.register(checks.Tags.compatibility)
def check_unknown_dsn_parameters(app_configs, **kwargs):
    """A DSN parameter the project does not know is ignored (the platform may add some): name it."""
    variables = dict.fromkeys(media.variable for media in configured_storages())
    warnings = []
    for variable in variables:
        unknown = unknown_parameters(os.environ.get(variable, ""))
        if unknown:
            warnings.append(
                checks.Warning(
                    f"{variable} has parameters this project ignores: {', '.join(unknown)}.",
                    hint="Remove them, or correct a misspelt one (known: see the storage DSN table in README.md).",
                    id="storage.W004",
                )
            )
    return warnings


@checks.register(checks.Tags.compatibility)
def check_thumbnail_storage(app_configs, **kwargs):
    """Thumbnails must land where the media is; both easy-thumbnails traps are silent otherwise."""
    errors = []
    if hasattr(settings, "THUMBNAIL_DEFAULT_STORAGE"):
        errors.append(
            checks.Error(
                "THUMBNAIL_DEFAULT_STORAGE is set, but easy-thumbnails 2.10 ignores it.",
                hint="Remove it: thumbnails are saved to STORAGES['easy_thumbnails'] (or the default storage).",
                id="storage.E001",
            )
        )
    media = storages["default"]
    thumbnails = easy_thumbnails.storage.thumbnail_default_storage
    if place_of(thumbnails) != place_of(media):
        errors.append(
            checks.Error(
                f"easy-thumbnails saves thumbnails to {location_of(thumbnails)}, not to the media storage "
                f"({location_of(media)}).",
                hint="Make STORAGES['easy_thumbnails'] the media storage's configuration (with_overwrite()).",
                id="storage.E002",
            )
        )
{%- if cookiecutter.use_filer %}
    errors.extend(_check_filer_storages(media))
{%- endif %}
    return errors
{%- if cookiecutter.use_filer %}


@checks.register(checks.Tags.security)
def check_filer_private_files_apart_from_public_media(app_configs, **kwargs):
    """With acl=none the bucket policy alone decides who reads what: one that serves public media
    from the bucket serves filer's private files (filer_private/) too, though their URLs are signed."""
    media, private = storages["default"], filer.settings.FILER_PRIVATEMEDIA_STORAGE
    if not (isinstance(media, S3Storage) and isinstance(private, S3Storage)):
        return []
    same_bucket = place_of(media).same_bucket(place_of(private))
    if not same_bucket or media.default_acl or (private.default_acl and private.default_acl != "private"):
        return []
    return [
        checks.Warning(
            f"django-filer's private files share the bucket {media.bucket_name} with public media, and public "
            "media sends no ACL (acl=none): a bucket policy that makes media public makes filer_private/ public too.",
{%- if cookiecutter.private_media %}
            hint="Point PRIVATE_STORAGE_DSN at a bucket of its own, or let the bucket policy grant public reads "
            "only under the public prefixes.",
{%- else %}
            hint="Keep private files in a bucket of their own (regenerate with private_media and set "
            "PRIVATE_STORAGE_DSN), or let the bucket policy grant public reads only under the public prefixes.",
{%- endif %}
            id="storage.W010",
        )
    ]

{%- endif %}
{%- if cookiecutter.private_media and not cookiecutter.use_filer %}


@checks.register(checks.Tags.security)
def check_private_files_apart_from_public_media(app_configs, **kwargs):
    """With acl=none the bucket policy alone decides who reads what: one that serves public media from the
    bucket serves the private storage's files too, though their URLs are signed."""
    media, private = storages["default"], storages["private"]
    if not (isinstance(media, S3Storage) and isinstance(private, S3Storage)):
        return []
    if place_of(media)[:3] != place_of(private)[:3] or media.default_acl:
        return []
    return [
        checks.Warning(
            f"STORAGES['private'] shares the bucket {media.bucket_name} with public media, and public media sends "
            "no ACL (acl=none): a bucket policy that makes media public makes the private files public too.",
            hint="Point PRIVATE_STORAGE_DSN at a bucket of its own, or let the bucket policy grant public reads "
            "only under the public media's prefix, apart from the private one.",
            id="storage.W011",
        )
    ]
{%- endif %}
{%- if cookiecutter.use_filer %}


def _check_filer_storages(media) -> list:
{%- if cookiecutter.private_media %}
    private = storages["private"]
{%- else %}
    private = media  # private files go to the media bucket, with private ACLs and signed URLs
{%- endif %}
    expected = {
        "FILER_PUBLICMEDIA_STORAGE": media,
        "FILER_PUBLICMEDIA_THUMBNAIL_STORAGE": media,
        "FILER_PRIVATEMEDIA_STORAGE": private,
        "FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE": private,
    }
    errors = []
    for name, target in expected.items():
        storage = getattr(filer.settings, name)
        if isinstance(storage, S3Storage) and not storage.bucket_name:
            problem = "is an S3 storage without a bucket (filer ignores STORAGES' OPTIONS)"
        elif not place_of(storage).same_bucket(place_of(target)) and place_of(target).service == "s3":
            problem = f"stores files in {location_of(storage)}, not in {location_of(target)}"
        else:
            continue
        errors.append(
            checks.Error(
                f"django-filer's {name} {problem}.",
                hint="Derive FILER_STORAGES from the media storage: filer_storages(...) in settings.py.",
                id="storage.E003",
            )
        )
    return errors
{%- endif %}


@checks.register(checks.Tags.compatibility)
def check_ca_bundles(app_configs, **kwargs):
    """A ca_bundle that cannot be read, or holds no certificate, fails every request with a TLS error that
    does not say why."""
    bad = {}  # one error per variable
    for media in configured_storages():
        ca_bundle = getattr(media.storage, "verify", None)
        if isinstance(ca_bundle, str) and media.variable not in bad:
            problem = ca_bundle_problem(ca_bundle)
            if problem:
                bad[media.variable] = (ca_bundle, problem)
    return [
        checks.Error(
            f"{variable} names ca_bundle {path}, which {problem}.",
            hint="Give the absolute path of a PEM file holding the CA certificate(s) of the endpoint.",
            id="storage.E005",
        )
        for variable, (path, problem) in bad.items()
    ]
{%- if cookiecutter.use_filer %}


@checks.register(checks.Tags.compatibility)
def check_aliases_name_themselves(app_configs, **kwargs):
    """With filer, an alias without "ALIAS": its name gets two thumbnail files, one made ahead and one on demand.

    easy-thumbnails adds ALIAS to the options of thumbnailer[alias] and of the thumbnail_url filter, not to the
    tag's; django-filer writes every option into a thumbnail's name. With ALIAS in the alias, all ask alike.
    """
    return [
        checks.Warning(
            f"THUMBNAIL_ALIASES[{target!r}][{name!r}] does not name itself: with django-filer, "
            "the thumbnail tag and the thumbnail_url filter would make two files of it.",
            hint=f'Add "ALIAS": {name!r} to its options.',
            id="thumbnails.W001",
        )
        for target, named in (settings.THUMBNAIL_ALIASES or {}).items()
        for name, options in named.items()
        if options.get("ALIAS") != name
    ]
{%- endif %}


def ca_bundle_problem(path: str) -> str | None:
    """What is wrong with a CA bundle file, or None: ssl loads it as the client's TLS layer will."""
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        return "is not a readable file"
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError, OSError):
        return "holds no PEM certificate ssl can load"
    return None
