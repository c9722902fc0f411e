"""Public or private: the project's configuration decides, never an object's grants.

Services that grant access by bucket policy (SeaweedFS, MinIO, Ceph RGW by default, AWS buckets with
ACLs disabled) accept a canned ACL, ignore it, and report only the owner's grant: read there, the grants
of a public file say "private". So whatever moves or rewrites objects sends the ACL that the
configuration gives a file at that place.
"""

from . import s3

{%- if cookiecutter.use_filer %}

# django-filer's private files and their thumbnails: private in any bucket, whatever the storage's ACL.
PRIVATE_PREFIXES = ("filer_private/", "filer_private_thumbnails/")
{%- endif %}


def configured_acl(storage) -> str | None:
    """The canned ACL the storage sends with every upload (object_parameters' ACL wins, as in django-storages)."""
    return storage.object_parameters.get("ACL", storage.default_acl) or None


def is_private(storage, name: str) -> bool:
    """Whether the configuration keeps a file of this storage private: a storage with signed URLs or a
    private ACL{% if cookiecutter.use_filer %}, or a name under filer's private prefixes{% endif %} (names are relative to the storage's location)."""
{%- if cookiecutter.use_filer %}
    if name.startswith(PRIVATE_PREFIXES):
        return True
{%- endif %}
    return s3.is_s3(storage) and (storage.querystring_auth or configured_acl(storage) == "private")


def acl_for(storage, name: str, *, private: bool = False) -> str | None:
    """The canned ACL to send with a file written to `storage` under `name`: "private" where the file is
    private (`private`: its source's configuration said so), else the storage's own; None: send none, the
    bucket's policy decides (acl=none)."""
    acl = configured_acl(storage)
    if acl and (private or is_private(storage, name)):
        return "private"
    return acl


def access_rule(storage) -> str:
    """How acl_for decides for this storage, for people."""
    acl = configured_acl(storage)
    if acl is None:
        return "no ACL sent (acl=none: the bucket policy decides)"
    if acl == "private" or storage.querystring_auth:
        return "ACL private"
{%- if cookiecutter.use_filer %}
    return f"ACL {acl}; private where the source is private, and under {' and '.join(PRIVATE_PREFIXES)}"
{%- else %}
    return f"ACL {acl}; private where the source is private"
{%- endif %}
