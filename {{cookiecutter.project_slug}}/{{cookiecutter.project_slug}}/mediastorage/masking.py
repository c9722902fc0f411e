"""Credentials out of text shown to people: logs, error pages, command output."""

import re
from collections.abc import Iterable
from urllib.parse import quote

from django.conf import settings

URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#@\s]+@")
# Where a signed request or URL carries the access key and the signature: SigV4's Credential=KEY/...
# (header and X-Amz-Credential=), SigV2's AWSAccessKeyId=KEY and its "AWS KEY:SIGNATURE" header.
SIGNED = re.compile(r"((?:Credential|AWSAccessKeyId|Signature)=)[^\s,&'\"]+|(\bAWS )[^\s:'\"]+:[^\s'\"]+")
SHORTEST_MASKED = 4  # a shorter "secret" would blank out ordinary words; no real key is that short


def mask_credentials(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Text without the credentials in it.

    Masks the ``user:password@`` of every URL, the key and signature of signed requests and URLs,
    and each of ``secrets`` (as written, and percent-encoded), e.g. where a service echoes the key.
    """
    text = URL_CREDENTIALS.sub("****@", text)
    text = SIGNED.sub(lambda match: (match[1] or match[2]) + "****", text)
    for secret in sorted({value for value in secrets if value and len(value) >= SHORTEST_MASKED}, key=len)[::-1]:
        text = text.replace(secret, "****").replace(quote(secret, safe=""), "****")
    return text


def storage_secrets(storage) -> list[str]:
    """The access key and secret a storage signs with (none for a local one)."""
    return [value for value in (getattr(storage, "access_key", None), getattr(storage, "secret_key", None)) if value]


def configured_secrets() -> list[str]:
    """The access keys and secrets of every storage in STORAGES."""
    return [
        value
        for entry in settings.STORAGES.values()
        for name, value in entry.get("OPTIONS", {}).items()
        if name in ("access_key", "secret_key") and isinstance(value, str) and value
    ]
