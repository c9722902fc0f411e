"""The two sides of a copy: a storage named on the command line, built through the project's own
configuration layer, and the refusal of a copy onto itself."""

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from botocore.config import Config
{% if cookiecutter.region != "other" -%}
from django.conf import settings
{% endif -%}
from django.core.files.storage import FileSystemStorage, Storage, storages
from storages.backends.s3 import S3Storage

from ..storage import s3
from ..storage.configuration import parse_storage_dsn
from ..storage.configuration.endpoints import service_address
from ..storage.s3 import mask_credentials

# The project's own storages, by the name media_copy takes, and the variable that configures each.
NAMED = {
    "default": "DEFAULT_STORAGE_DSN",
{%- if cookiecutter.private_media %}
    "private": "PRIVATE_STORAGE_DSN",
{%- endif %}
}
VARIABLE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


class CopyRefused(Exception):
    """The copy cannot start; the message says why in one line, naming the variable, never a secret."""


@dataclass
class Side:
    """One side of a copy: a storage, what the user called it, and the variable its settings came from."""

    role: str  # "SOURCE" or "DESTINATION"
    variable: str  # the variable (or argument) that holds its DSN, for messages
    storage: Storage
    private: bool = False  # the project's private storage, by its name: its files stay private wherever copied

    @cached_property
    def client(self):
        """The storage's boto3 client, taken once (by the listing, before any worker starts) and shared:
        S3Storage.connection is per thread, and a client per worker thread would cost each of them
        botocore's start-up (about a second) and connections of its own."""
        return s3.client(self.storage)

    @property
    def is_s3(self) -> bool:
        return isinstance(self.storage, S3Storage)

    @property
    def secrets(self) -> tuple[str, ...]:
        return s3.secrets(self.storage)

    def size_pool(self, workers: int) -> None:
        """Give the client a connection per worker (botocore keeps 10): more workers would wait for one, and
        urllib3 warns "Connection pool is full" for every connection it throws away. Before the client is made."""
        if self.is_s3 and "client" not in self.__dict__:
            pool = max(workers, self.storage.client_config.max_pool_connections or 0)
            self.storage.client_config = self.storage.client_config.merge(Config(max_pool_connections=pool))

    def root(self, prefix: str) -> str:
        """The key prefix (S3) or folder (local) the copy reads or writes, --prefix included."""
        if self.is_s3:
            return "/".join(part for part in (self.storage.location.strip("/"), prefix) if part)
        return str(Path(self.storage.location, prefix).resolve())

    def __str__(self) -> str:
        """Where it is, for people: credentials masked."""
        if self.is_s3:
            location = f" under {self.storage.location!r}" if self.storage.location else ""
            endpoint = mask_credentials(self.storage.endpoint_url or "AWS")
            return f"bucket {self.storage.bucket_name!r} at {endpoint}{location}"
        return f"folder {self.storage.location}"


def open_side(role: str, argument: str) -> Side:
    """SOURCE or DESTINATION as given: a storage's name, an environment variable holding a DSN, or a DSN.

    A DSN is read by the same configuration layer as the settings, so the storage gets exactly the
    project's client settings (signature, addressing, retries, and whatever the layer adds).
    """
    if argument in NAMED:
        return _checked(Side(role, NAMED[argument], storages[argument], private=argument == "private"))
    if VARIABLE_NAME.fullmatch(argument):
        text = os.environ.get(argument, "").strip()
        if not text:
            raise CopyRefused(f"{role}: the environment variable {argument} is not set (or empty)")
        variable = argument
    elif "://" in argument:
        text, variable = argument, role
    else:
        # Not echoed: a mistyped DSN ("s3//KEY:SECRET@...") holds a secret.
        names = ", ".join(NAMED)
        raise CopyRefused(
            f"{role} is neither a storage of this project ({names}), nor the name of an environment variable "
            "holding a DSN, nor a DSN (s3://..., file:///...)"
        )
    config = parse_storage_dsn(
        text,
        variable=variable,
{%- if cookiecutter.region != "other" %}
        default_region=settings.STORAGE_REGION,
{%- endif %}
    )
    return _checked(Side(role, variable, storages.create_storage(config.storages_entry())))


def _checked(side: Side) -> Side:
    if not isinstance(side.storage, S3Storage | FileSystemStorage):
        kind = type(side.storage).__name__
        raise CopyRefused(f"{side.role} ({side.variable}): a {kind} cannot be copied (only S3 and local folders)")
    return side


def service(storage: S3Storage) -> str:
    """Which S3 service a storage is on, however its endpoint is written (bucket names are per service)."""
    return service_address(storage.endpoint_url, storage.bucket_name)


def same_service(source: Side, destination: Side) -> bool:
    return source.is_s3 and destination.is_s3 and service(source.storage) == service(destination.storage)


def check_apart(source: Side, destination: Side, prefix: str) -> None:
    """Refuse a copy whose destination is its source, or inside it, or holds it: it would copy onto itself."""
    problem = overlap(source, destination, prefix)
    if problem and (not source.is_s3 or same_service(source, destination)):
        raise refused_overlap(source, destination, problem)


def overlap(source: Side, destination: Side, prefix: str) -> str | None:
    """How the roots overlap, or None; S3 roots only count in buckets of the same name (on any service)."""
    if source.is_s3 != destination.is_s3 or (source.is_s3 and not _same_bucket(source, destination)):
        return None
    inner, outer = source.root(prefix), destination.root(prefix)
    separator = "/" if source.is_s3 else os.sep
    if inner == outer:
        return "are the same storage"
    if _inside(inner, outer, separator) or _inside(outer, inner, separator):
        return "overlap (one is inside the other)"
    return None


def maybe_one_bucket(source: Side, destination: Side, prefix: str) -> bool:
    """Overlapping roots in buckets of one name, on endpoints written differently: a DNS alias, a proxy or
    another address of one host may still make them one bucket (AWS's bucket names are global: told apart)."""
    return (
        overlap(source, destination, prefix) is not None
        and source.is_s3
        and not same_service(source, destination)
        and "aws" not in (service(source.storage), service(destination.storage))
    )


def refused_overlap(source: Side, destination: Side, problem: str) -> CopyRefused:
    where = f"{source} and {destination}" if str(source) != str(destination) else str(source)
    return CopyRefused(
        f"SOURCE ({source.variable}) and DESTINATION ({destination.variable}) {problem}: {where}; "
        "copy to another bucket, or to a prefix outside the source"
    )


def _same_bucket(source: Side, destination: Side) -> bool:
    return source.storage.bucket_name == destination.storage.bucket_name


def _inside(inner: str, outer: str, separator: str) -> bool:
    return outer == "" or inner.startswith(outer.rstrip(separator) + separator)
