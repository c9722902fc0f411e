"""What a finished upload is, read from the bucket without downloading it: one ranged GET of its head.

The size comes from the answer's Content-Range (the object's whole size), the type and an image's
dimensions from the first HEAD_BYTES (magic bytes, Pillow's header parse; Pillow reads no pixels
to tell the size). A file is refused when its content does not match its name (an HTML page named
photo.jpg, a PNG named .jpg) or an image has more pixels than Pillow's limit (a decompression bomb).
"""

import io
import posixpath
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

HEAD_BYTES = 256 * 1024  # enough for a JPEG's EXIF and ICC profile before its size marker
EXIF_IFD, DATE_TAKEN = 0x8769, 36867  # EXIF's sub-directory, and its DateTimeOriginal tag
TRANSPARENT_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<head", b"<body", b"<iframe")
HTML_EXTENSIONS = (".html", ".htm")
# Formats Pillow opens under another name than the one their extension registers.
SAME_FORMAT = {"MPO": "JPEG"}


class Refused(Exception):
    """The upload is not kept: the message (one line) says why, for the form."""


@dataclass(frozen=True)
class Facts:
    size: int
    width: int | None = None
    height: int | None = None
    transparent: bool = False
    taken: str | None = None  # EXIF's DateTimeOriginal, "YYYY:MM:DD HH:MM:SS", when the head holds it


def read_head(client, bucket: str, key: str) -> tuple[bytes, int]:
    """The object's first HEAD_BYTES and its whole size: one request."""
    response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
    with response["Body"] as body:
        head = body.read(HEAD_BYTES)
    content_range = response.get("ContentRange")  # "bytes 0-262143/209715200"
    size = int(content_range.rpartition("/")[2]) if content_range else response["ContentLength"]
    return head, size


def examine(head: bytes, size: int, name: str, *, image: bool) -> Facts:
    """Facts about an upload named `name` whose content starts with `head`; Refused if it is not acceptable."""
    extension = posixpath.splitext(name)[1].lower()
    image_format = Image.registered_extensions().get(extension)
    if image_format not in Image.OPEN:
        image_format = None  # a format Pillow only writes (.pdf, .eps...): not an image to check as one
    if image or image_format:
        return _image_facts(head, size, name, extension, image_format)
    start = head[:1024].lstrip().lower()
    if extension not in HTML_EXTENSIONS and any(marker in start for marker in HTML_MARKERS):
        raise Refused(f"{_base(name)} is an HTML page, not a {extension or 'plain'} file: it was not kept.")
    if extension == ".pdf" and not head.startswith(b"%PDF-"):
        raise Refused(f"{_base(name)} is not a PDF document: it was not kept.")
    return Facts(size)


def _image_facts(head: bytes, size: int, name: str, extension: str, expected: str | None) -> Facts:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below, with the figures
            with Image.open(io.BytesIO(head)) as picture:
                found, (width, height) = picture.format, picture.size
                transparent = picture.mode in TRANSPARENT_MODES or "transparency" in picture.info
                taken = _date_taken(picture)
    except Image.DecompressionBombError:
        raise Refused(f"{_base(name)} has more pixels than this site accepts: it was not kept.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Refused(f"{_base(name)} is not an image this site can read: it was not kept.") from None
    if expected is None:
        raise Refused(f"{_base(name)} does not end in an image extension (such as .jpg or .png): it was not kept.")
    if SAME_FORMAT.get(found, found) != expected:
        raise Refused(f"{_base(name)} is a {found} image, not a {expected} one: rename it to match.")
    limit = Image.MAX_IMAGE_PIXELS
    if limit and width * height > limit:
        raise Refused(
            f"{_base(name)} has {width} x {height} pixels, more than this site accepts ({limit:,}): it was not kept."
        )
    return Facts(size, width, height, transparent, taken)


def _date_taken(picture) -> str | None:
    try:
        taken = picture.getexif().get_ifd(EXIF_IFD).get(DATE_TAKEN)
    except Exception:  # EXIF cut off by the head, or malformed: as filer's own reading, no date
        return None
    return str(taken) if taken else None


def _base(name: str) -> str:
    return posixpath.basename(name)
