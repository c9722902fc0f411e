"""Credentials out of text shown to people: logs, error pages, command output."""

import re

URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#@\s]+@")


def mask_credentials(text: str) -> str:
    """Text with the ``user:password@`` of every URL in it replaced by ``****@``."""
    return URL_CREDENTIALS.sub("****@", text)
