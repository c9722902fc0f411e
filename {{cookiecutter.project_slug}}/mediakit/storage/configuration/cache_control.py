"""The Cache-Control settings: which directives stored files carry."""

import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# One directive: a name, or a name with a number of seconds.
DIRECTIVE = re.compile(r"[a-z-]+(=\d+)?")
SCOPES = ("public", "private")  # added by the project: "private" for files behind signed URLs


def cache_control_setting(environ: Mapping[str, str], variable: str, default: str) -> str:
    """The directives in the variable (or the default), checked so that a typo stops start-up, not uploads."""
    directives = environ.get(variable, "").strip() or default
    parts = [part.strip() for part in directives.split(",")]
    if not all(DIRECTIVE.fullmatch(part) for part in parts):
        raise ImproperlyConfigured(
            f"{variable}: not a list of Cache-Control directives; write them like max-age=3600, must-revalidate"
        )
    if set(SCOPES) & set(parts):
        raise ImproperlyConfigured(
            f"{variable}: leave out public and private; the project adds private for files behind signed URLs, "
            "public for the others"
        )
    return ", ".join(parts)
