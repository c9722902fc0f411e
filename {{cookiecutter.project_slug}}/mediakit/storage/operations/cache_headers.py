"""Give files already stored the Cache-Control header their storage now sends with new files.

S3 has no call that changes an object's headers: the object is copied onto itself with
MetadataDirective=REPLACE (server-side, no download). A copy keeps nothing the request does not
repeat, so the content type, encoding, disposition, language, storage class, user metadata and a
public ACL are sent again. CopySourceIfMatch makes the copy of a file replaced meanwhile fail
rather than bring back its old content.

The ACL is the object's own, read on the same service that applies it again: a service that grants by
bucket policy reports only the owner's grant, and none is sent (its policy still decides); so no file
changes between public and private.
"""

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from django.core.files.storage import storages
from easy_thumbnails.models import Thumbnail
{%- if cookiecutter.use_filer %}
from filer import settings as filer_settings
{%- endif %}
from storages.backends.s3 import S3Storage

from .. import s3
from .inventory import Place, place_of
from .probe import explain_client_error

# What a copy with MetadataDirective=REPLACE would lose unless it is sent again.
KEPT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "StorageClass")
# Canned ACLs that a grant to everyone, or to any AWS account, stands for.
PUBLIC_GRANTS = {"AllUsers": "public-read", "AuthenticatedUsers": "authenticated-read"}


@dataclass(frozen=True)
class Owner:
    """A storage, and the stored names it writes: its Cache-Control is theirs."""

    storage: S3Storage
    prefix: str = ""  # names under this prefix
    thumbnails_only: bool = False  # only names easy-thumbnails recorded as thumbnails

    @property
    def header(self) -> str | None:
        return self.storage.object_parameters.get("CacheControl")

    def owns(self, name: str, thumbnails: set[str]) -> bool:
        return name.startswith(self.prefix) and (not self.thumbnails_only or name in thumbnails)


def owners() -> list[Owner]:
    """The S3 storages that write media, the most specific first (the first that owns a name decides)."""
    found = []
{%- if cookiecutter.use_filer %}
    filer_storages = {
        "public": (filer_settings.FILER_PUBLICMEDIA_STORAGE, filer_settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE),
        "private": (filer_settings.FILER_PRIVATEMEDIA_STORAGE, filer_settings.FILER_PRIVATEMEDIA_THUMBNAIL_STORAGE),
    }
    for visibility, (files, thumbnails) in filer_storages.items():
        options = filer_settings.FILER_STORAGES[visibility]
        found.append(Owner(thumbnails, options["thumbnails"]["THUMBNAIL_OPTIONS"]["base_dir"] + "/"))
        found.append(Owner(files, options["main"]["UPLOAD_TO_PREFIX"] + "/"))
{%- endif %}
    found.append(Owner(storages["easy_thumbnails"], thumbnails_only=True))
    found.append(Owner(storages["default"]))
{%- if cookiecutter.private_media %}
    found.append(Owner(storages["private_thumbnails"], thumbnails_only=True))
    found.append(Owner(storages["private"]))
{%- endif %}
    return [owner for owner in found if isinstance(owner.storage, S3Storage)]


@dataclass(frozen=True)
class Change:
    """A stored file and the header it should carry."""

    client: object  # the storage's boto3 client: thread-safe, unlike S3Storage.connection (one per thread)
    bucket: str
    key: str
    header: str


def planned_changes(owners: list[Owner]) -> dict[Place, list[Change]]:
    """Every stored file of every bucket and prefix the owners write to, with the header its owner sends."""
    thumbnails = set(Thumbnail.objects.values_list("name", flat=True))
    places: dict[Place, list[Owner]] = {}
    for owner in owners:
        places.setdefault(place_of(owner.storage), []).append(owner)
    plan = {}
    for place, owners_here in places.items():
        storage = owners_here[0].storage
        prefix = f"{storage.location}/" if storage.location else ""
        changes = plan[place] = []
        client = s3.client(storage)
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=prefix):
                for item in page.get("Contents", []):
                    name = item["Key"].removeprefix(prefix)
                    owner = next((owner for owner in owners_here if owner.owns(name, thumbnails)), None)
                    if owner is not None and owner.header:
                        changes.append(Change(client, storage.bucket_name, item["Key"], owner.header))
        except (BotoCoreError, ClientError) as error:
            raise ListingFailed(f"{place}: cannot list the files: {_reason(error, storage)}") from None
    return plan


class ListingFailed(Exception):
    """A storage's files cannot be listed; the message says why in one line, credentials masked."""


def _reason(error: Exception, storage: S3Storage) -> str:
    if isinstance(error, ClientError):
        return explain_client_error(error, storage, "its storage DSN")
    if isinstance(error, EndpointConnectionError):
        return f"the endpoint {s3.mask_credentials(storage.endpoint_url)} is unreachable"
    return s3.mask_credentials(str(error), s3.secrets(storage))


def apply(change: Change, *, dry_run: bool = False) -> bool:
    """Give the file its header; False if it had it already."""
    client, bucket = change.client, change.bucket
    head = client.head_object(Bucket=bucket, Key=change.key)
    if head.get("CacheControl") == change.header:
        return False
    if dry_run:
        return True
    kept = {name: head[name] for name in KEPT_HEADERS if head.get(name)}
    acl = _canned_acl(client.get_object_acl(Bucket=bucket, Key=change.key)["Grants"])
    client.copy_object(
        Bucket=bucket,
        Key=change.key,
        CopySource={"Bucket": bucket, "Key": change.key},
        CopySourceIfMatch=head["ETag"],
        MetadataDirective="REPLACE",
        CacheControl=change.header,
        Metadata=head.get("Metadata", {}),
        **kept,
        **({"ACL": acl} if acl else {}),
    )
    return True


def _canned_acl(grants: list[dict]) -> str | None:
    """The canned ACL that gives the grants again; None: the owner alone, which a copy gets anyway.

    None also suits buckets with ACLs disabled, which refuse any ACL but bucket-owner-full-control.
    """
    for grant in grants:
        group = grant["Grantee"].get("URI", "").rsplit("/", 1)[-1]
        if grant["Permission"] == "READ" and group in PUBLIC_GRANTS:
            return PUBLIC_GRANTS[group]
    return None
