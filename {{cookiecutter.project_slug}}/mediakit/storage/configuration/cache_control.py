"""The Cache-Control settings: which directives stored files carry."""

import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# One directive: a name, or a name with a number of seconds (ASCII digits: the header is ASCII).
DIRECTIVE = re.compile(r"([a-z-]+)(?:=([0-9]{1,10}))?")
# The response directives caches know (RFC 9111, RFC 8246 immutable, RFC 5861 stale-*), with or without seconds.
WITH_SECONDS = ("max-age", "s-maxage", "stale-while-revalidate", "stale-if-error")
WITHOUT_SECONDS = ("no-cache", "no-store", "no-transform", "must-revalidate", "proxy-revalidate", "must-understand",
                   "immutable")  # fmt: skip
SCOPES = ("public", "private")  # added by the project: "private" for files behind signed URLs
LONGEST = 200  # far more than any sensible list; a longer value is a pasted mistake


def cache_control_setting(environ: Mapping[str, str], variable: str, default: str) -> str:
    """The directives in the variable (or the default), checked so that a typo stops start-up, not uploads."""
    directives = environ.get(variable, "").strip() or default
    if len(directives) > LONGEST:
        raise ImproperlyConfigured(f"{variable}: longer than {LONGEST} characters; give a few directives only")
    parts = [part.strip() for part in directives.split(",")]
    matches = [DIRECTIVE.fullmatch(part) for part in parts]
    if not all(matches):
        raise ImproperlyConfigured(
            f"{variable}: not a list of Cache-Control directives; write them like max-age=3600, must-revalidate"
        )
    if set(SCOPES) & set(parts):
        raise ImproperlyConfigured(
            f"{variable}: leave out public and private; the project adds private for files behind signed URLs, "
            "public for the others"
        )
    for match in matches:
        name, seconds = match.groups()
        if name in WITH_SECONDS and seconds is None:
            raise ImproperlyConfigured(f"{variable}: {name} needs a number of seconds, as in {name}=3600")
        if name in WITHOUT_SECONDS and seconds is not None:
            raise ImproperlyConfigured(f"{variable}: {name} takes no value; write it alone")
        if name not in WITH_SECONDS + WITHOUT_SECONDS:
            raise ImproperlyConfigured(
                f"{variable}: {name} is not a Cache-Control directive; use {', '.join(WITH_SECONDS + WITHOUT_SECONDS)}"
            )
    return ", ".join(parts)
