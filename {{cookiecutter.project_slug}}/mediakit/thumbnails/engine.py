"""Thumbnails rendered from the bytes in hand: easy-thumbnails' own pixels and names, made faster.

The pixels are easy-thumbnails' own (Thumbnailer.generate_thumbnail); what changes is that the
source is decoded once per image, not once per size, at the smallest JPEG scale that still leaves
every size twice the pixels it needs (what Pillow's own Image.thumbnail() does), and each size is
scaled from the smallest picture in hand that still has twice its pixels: the decoded original, or a
larger size already made of the whole picture (scaling costs in proportion to the pixels scaled from).
A reduced picture is used only where it scales to the size easy-thumbnails makes from the full one.
"""

import math
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.core.files.base import File
from easy_thumbnails.conf import settings as thumbnail_settings
from easy_thumbnails.files import Thumbnailer
from easy_thumbnails.processors import scale_and_crop
from easy_thumbnails.utils import exif_orientation
from PIL import Image, ImageFile

# easy-thumbnails' PIL reader, and the media app's, which only adds logging (source_generators.py).
PIL_IMAGES = {
    "easy_thumbnails.source_generators.pil_image",
    "mediakit.thumbnails.source_generators.pil_image",
}
# easy-thumbnails' processors: sizes are all they take from the source's pixels.
{%- if cookiecutter.use_filer %}
# So do the project's (filer's focal point in place of scale_and_crop, the same without a focal point).
{%- endif %}
DRAFTABLE_PROCESSORS = {
    (
        "easy_thumbnails.processors.colorspace",
        "easy_thumbnails.processors.autocrop",
        "easy_thumbnails.processors.scale_and_crop",
        "easy_thumbnails.processors.filters",
        "easy_thumbnails.processors.background",
    ),
{%- if cookiecutter.use_filer %}
    (
        "easy_thumbnails.processors.colorspace",
        "easy_thumbnails.processors.autocrop",
        "filer.thumbnail_processors.scale_and_crop_with_subject_location",
        "easy_thumbnails.processors.filters",
        "easy_thumbnails.processors.background",
    ),
{%- endif %}
}


@dataclass(frozen=True)
class Rendered:
    """One thumbnail, made but not yet stored: its name in the thumbnail storage and its content."""

    alias: str
    name: str
    content: bytes
    width: int
    height: int


def render(thumbnailer: Thumbnailer, source: bytes, wanted: dict[str, dict]) -> tuple[list[Rendered], dict[str, str]]:
    """Every wanted thumbnail of one image from its bytes (no read from the storage); failures by alias."""
    rendered, failures = [], {}
    thumbnailer.file = File(BytesIO(source), thumbnailer.name)  # easy-thumbnails reads this, not the storage
    try:
        reduce = _may_draft(thumbnailer, wanted)
        decoded, full_size = _decode_once(source, wanted, reduce) if _decodable(thumbnailer, wanted) else (None, None)
        in_hand = [decoded]  # pictures of the whole source: the decoded one, then larger sizes made
        full = None
        for alias, options in _largest_first(wanted, full_size) if reduce and decoded else wanted.items():
            try:
                if decoded is not None:
                    picture = _smallest_enough(in_hand, options, full_size) if reduce else decoded
                    if picture is None:  # none scales to easy-thumbnails' own size: the source at full size
                        full = full or _full_picture(source, wanted, decoded, full_size)
                        picture = full
                    thumbnailer.source_generators = [lambda source, picture=picture, **options: picture]
                thumbnail = thumbnailer.generate_thumbnail(thumbnailer.get_options(options))
                width, height = thumbnail.image.size
                rendered.append(Rendered(alias, thumbnail.name, thumbnail.file.read(), width, height))
                if reduce and _whole_picture(options) and thumbnail.image.width < decoded.width:  # not upscaled
                    in_hand.append(thumbnail.image)
            except Exception as error:
                failures[alias] = reason(error)
    except Exception as error:
        return [], {alias: reason(error) for alias in wanted}
    finally:
        # A field file's thumbnailer is in a reference cycle (alias_target is itself): let go of the
        # source and the decoded image now, not whenever the garbage collector next runs.
        thumbnailer.file = None
        thumbnailer.source_generators = None
    return rendered, failures


def _decodable(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> bool:
    """Whether easy-thumbnails would decode the source with Pillow, as _decode_once() does."""
    generators = thumbnailer.source_generators or thumbnail_settings.THUMBNAIL_SOURCE_GENERATORS
    if generators[0] not in PIL_IMAGES or Path(thumbnailer.name).suffix.lower() == ".svg":
        return False
    return not any(options.get("exif_orientation") is False for options in wanted.values())


def _decode_once(source: bytes, wanted: dict[str, dict], reduce: bool) -> tuple[Image.Image, tuple[int, int]]:
    """The source decoded as easy-thumbnails' pil_image() would, once for all sizes, and its full size (both
    turned as its EXIF says)."""
    image = Image.open(BytesIO(source))
    width, height = image.size
    if reduce:
        # Decode at a reduced JPEG scale that still leaves every size twice the pixels it takes.
        scale = min(1.0, 2 * max(_scale(options, width, height) for options in wanted.values()))
        image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        ImageFile.LOAD_TRUNCATED_IMAGES = True  # as pil_image() does
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    turned = exif_orientation(image)
    turned_sides = (turned.width > turned.height) != (image.width > image.height)
    return turned, (height, width) if turned_sides else (width, height)


def _full_picture(source: bytes, wanted: dict[str, dict], decoded: Image.Image, full_size: tuple[int, int]):
    """The source at full size: the decoded picture if it is (no reduced decode), else decoded again."""
    return decoded if decoded.size == full_size else _decode_once(source, wanted, reduce=False)[0]


def _largest_first(wanted: dict[str, dict], full_size: tuple[int, int]) -> list[tuple[str, dict]]:
    return sorted(wanted.items(), key=lambda item: _scale(item[1], *full_size), reverse=True)


def _smallest_enough(in_hand: list[Image.Image], options: dict, full_size: tuple[int, int]) -> Image.Image | None:
    """The smallest picture in hand with at least twice the pixels this size takes, and that scales to the size
    easy-thumbnails makes from the full source (a reduced picture's sides are rounded); None if there is none."""
    needed = 2 * _scale(options, *full_size) * full_size[0] - 0.5
    for picture in sorted(in_hand, key=lambda picture: picture.width):
        if picture.width >= needed and _outline(options, picture.size) == _outline(options, full_size):
            return picture
    return None


GEOMETRY_OPTIONS = ("size", "crop", "upscale", "zoom", "target")  # what scale_and_crop() takes


class _Outline:
    """A picture's size without its pixels, for scale_and_crop(): the size it is scaled to, then cropped to."""

    def __init__(self, size: tuple[int, int], scaled_to: tuple[int, int] | None = None):
        self.size, self.scaled_to = tuple(size), scaled_to

    def resize(self, size, **kwargs) -> "_Outline":
        return _Outline(size, scaled_to=tuple(size))

    def crop(self, box) -> "_Outline":
        return _Outline((box[2] - box[0], box[3] - box[1]), self.scaled_to)


def _outline(options: dict, size: tuple[int, int]) -> tuple:
    """(scaled to, cropped to) for a picture of this size; a reduced one's may differ where scale_and_crop() rounds."""
    geometry = {option: options[option] for option in GEOMETRY_OPTIONS if option in options}
    outline = scale_and_crop(_Outline(size), **geometry)
    return outline.scaled_to, outline.size


# Options that leave a thumbnail the whole picture, only smaller: a source as good as the original for smaller sizes.
WHOLE_PICTURE_OPTIONS = {"size", "ALIAS", "quality", "subsampling", "upscale", "subject_location"}


def _whole_picture(options: dict) -> bool:
    return not any(value for option, value in options.items() if option not in WHOLE_PICTURE_OPTIONS)


def _scale(options: dict, width: int, height: int) -> float:
    """The largest factor easy-thumbnails' scale_and_crop() would scale this image by (either way up: EXIF
    rotation may swap the sides), zoom included."""
    target_x, target_y = (int(side) for side in options["size"])

    def factor(source_x: int, source_y: int) -> float:
        ratios = [target / source for target, source in ((target_x, source_x), (target_y, source_y)) if source]
        crop = options.get("crop") or not target_x or not target_y
        return max(ratios) if crop else min(ratios)

    zoom = (100 + int(options.get("zoom") or 0)) / 100
    return max(factor(width, height), factor(height, width)) * zoom


def _may_draft(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> bool:
    """A reduced picture gives the same thumbnails only with the default processors and no option in source pixels
    (nor a smart crop, which cuts where the pixels say)."""
    processors = thumbnailer.thumbnail_processors or thumbnail_settings.THUMBNAIL_PROCESSORS
    in_source_pixels = ("box", "subject_location")
    given = any(options.get(option) for options in wanted.values() for option in in_source_pixels)
    smart = any(options.get("crop") == "smart" for options in wanted.values())
    return tuple(processors) in DRAFTABLE_PROCESSORS and not given and not smart


def reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
