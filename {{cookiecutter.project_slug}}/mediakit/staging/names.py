"""The names the staging utility accepts: they stay inside their prefix and are never changed."""

import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path, PurePath

from django.core.exceptions import SuspiciousFileOperation

MAX_NAME_BYTES = 1024  # the longest object key S3 (and the services that follow it) accepts, in UTF-8


def clean_prefix(prefix: str | PurePath) -> str:
    """The prefix as a storage folder name: "" for the storage's root, else "a/b" (a trailing "/" is fine)."""
    text = str(prefix)
    if text.startswith("/"):
        raise SuspiciousFileOperation(
            f"The prefix {text!r} is absolute: give a folder inside the storage, such as 'reports/2026'."
        )
    text = text.removesuffix("/")
    return _checked(text, "prefix") if text else ""


def storage_name(name: str | PurePath) -> str:
    """A file's name in the storage (as FileField.name holds it), checked."""
    text = str(name)
    if not text:
        raise SuspiciousFileOperation("An empty name was given: name a file of the storage, such as 'photos/cat.jpg'.")
    if text.startswith("/"):
        raise SuspiciousFileOperation(
            f"The name {text!r} is absolute: give it relative to the storage, such as 'photos/cat.jpg'."
        )
    return _checked(text, "name")


def relative_name(path: Path, root: Path) -> str:
    """The name of a local file under root, as it will appear after the prefix ("folder/file.txt")."""
    return _checked(path.relative_to(root).as_posix(), "file")


def join(prefix: str, relative: str) -> str:
    return f"{prefix}/{relative}" if prefix else relative


def key_problem(key: str) -> str | None:
    """Why a whole key (the storage's prefix, the area's prefix and the name) is too long for S3, or None."""
    size = len(key.encode("utf-8"))
    if size <= MAX_NAME_BYTES:
        return None
    return f"its whole key is {size} bytes in UTF-8, longer than S3's {MAX_NAME_BYTES}: shorten the prefix or the name"


def look_alikes(names: Iterable[str]) -> list[list[str]]:
    """Groups of names that only Unicode normalisation tells apart (NFC and NFD, ...): they look the same."""
    groups = defaultdict(set)
    for name in names:
        groups[unicodedata.normalize("NFC", name)].add(name)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def shown(name: str) -> str:
    """The name for a message: control and other invisible characters escaped (a newline as \\n), the rest as is."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in name)


def _refused(char: str) -> bool:
    """Control characters (C0, DEL, C1) and the XML non-characters: S3 refuses some in keys, and its batch
    delete (an XML document) cannot carry them, so a publish with one could not be undone."""
    return unicodedata.category(char) == "Cc" or char in "\ufffe\uffff"


def _checked(text: str, what: str) -> str:
    if "\\" in text:
        raise SuspiciousFileOperation(
            f"The {what} {text!r} contains a backslash: storages would read it as a folder separator; "
            "use '/' between folders and rename the file."
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        readable = os.fsencode(text).decode("utf-8", errors="replace")
        raise SuspiciousFileOperation(f"The {what} {readable!r} is not valid UTF-8: rename it.") from None
    refused = dict.fromkeys(char for char in text if _refused(char))
    if refused:
        raise SuspiciousFileOperation(
            f"The {what} '{shown(text)}' contains a control character ({', '.join(map(shown, refused))}): "
            "S3 refuses such names, or cannot remove them again in one batch; rename the file."
        )
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        raise SuspiciousFileOperation(
            f"The {what} '{shown(text[:60])}...' is longer than S3's {MAX_NAME_BYTES} bytes: shorten it."
        )
    for part in text.split("/"):
        if part == "..":
            raise SuspiciousFileOperation(
                f"The {what} {text!r} leaves its folder: '..' is not allowed, names must stay inside the prefix."
            )
        if part in ("", "."):
            raise SuspiciousFileOperation(
                f"The {what} {text!r} has an empty or '.' part: write it like 'folder/file.txt'."
            )
    return text
