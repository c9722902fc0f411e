"""Real images made with Pillow, for uploads and thumbnails, and what Pillow reads of one."""

import io
from typing import BinaryIO

from PIL import Image, ImageDraw


def image_bytes(format: str = "JPEG", size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    """A picture with shapes and a gradient (not one flat colour, so encoders do real work)."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill="red" if mode != "L" else 128)
    if mode == "RGBA":
        draw.rectangle((0, 0, width // 3, height), fill=(0, 0, 0, 0))  # a transparent band
    buffer = io.BytesIO()
    image.save(buffer, format, **({"quality": 90} if format == "JPEG" else {}))
    return buffer.getvalue()


def image_size(image: bytes | BinaryIO) -> tuple[int, int]:
    """(width, height) of an image's bytes, or of an open file (a storage's, say), as Pillow reads it."""
    with Image.open(io.BytesIO(image) if isinstance(image, bytes) else image) as opened:
        return opened.size


JPEG = image_bytes("JPEG")
PNG_TRANSPARENT = image_bytes("PNG", (640, 480), "RGBA")
LARGE_JPEG = image_bytes("JPEG", (4000, 3000))
