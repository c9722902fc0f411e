"""django-filer's images: the thumbnails filer and the templates it documents ask for, and EXIF from the upload.

The thumbnails are made ahead with the project's aliases (wanted.py), under the options each caller passes, so that
every lookup finds its file. Taken from filer's own settings and code, so that they follow them:
- the project's aliases with the image's focal point, as filer's templates ask for them:
  {% raw %}{% thumbnail image "small" subject_location=image.subject_location %}{% endraw %};
- its admin's icons (folder listing, FilerImageField widget, the icon view): square crops of
  DEFERRED_THUMBNAIL_SIZES, without the focal point;
- the preview on the image's change page: the sidebar's width at the image's proportions, and twice that;
- image.icons (FILER_ADMIN_ICON_SIZES) and image.thumbnails (DEFAULT_THUMBNAILS), with the focal point.

filer's Image.save() reads the image's EXIF (for the date it was taken) before the file is stored,
from the storage and under the upload's bare name: on S3 a GET answered 404 (on local disk, another
file of that name if there is one), so the date is never the photo's. The image's `exif` is a
cached property; a new image gets it here, read lazily from the uploaded file when filer asks.
"""

from django.utils.functional import SimpleLazyObject
from filer import settings as filer_settings
from filer.models.abstract import BaseImage
from filer.templatetags.filer_admin_tags import get_aspect_ratio_and_download_url
from filer.utils.pil_exif import get_exif, get_exif_for_file
from PIL import Image


def wanted(image: BaseImage, aliases: dict[str, dict], *, filer_own: bool = True) -> dict[str, dict]:
    """The aliases with the image's focal point, then (filer_own) what filer asks for itself; each option set once."""
    focal = {"subject_location": image.subject_location}
    found = {alias: {**options, **focal} for alias, options in aliases.items()}
    if filer_own:
        for name, options in _filer_own(image, focal).items():
            if options not in found.values():  # image.icons and image.thumbnails share two sizes
                found[name] = options
    return found


def _filer_own(image: BaseImage, focal: dict) -> dict[str, dict]:
    sizes = filer_settings.DEFERRED_THUMBNAIL_SIZES
    own = {f"filer_admin_{size}": {"size": (size, size), "crop": True} for size in sizes}
    if image.width and image.height:
        height, width, _ = get_aspect_ratio_and_download_url({}, True, image, 0, 0)
        own["filer_preview"] = {"size": (width, height), "upscale": True}
        own["filer_preview_2x"] = {"size": (2 * width, 2 * height), "upscale": True}
    for size in filer_settings.FILER_ADMIN_ICON_SIZES:
        own[f"filer_icon_{size}"] = {"size": (int(size), int(size)), "crop": True, "upscale": True, **focal}
    for name, options in BaseImage.DEFAULT_THUMBNAILS.items():
        own[f"filer_{name}"] = {**options, **focal}
    return own


def read_exif_from_upload(sender, instance, **kwargs) -> None:
    """post_init handler: a new filer image's EXIF comes from its upload (loaded images keep filer's own)."""
    if instance.pk is None:
        instance.__dict__["exif"] = SimpleLazyObject(lambda: _exif(instance))


def _exif(image) -> dict:
    fieldfile = image.file
    try:
        if fieldfile and not fieldfile._committed:  # the upload, before it is stored
            content = fieldfile.file
            content.seek(0)
            try:
                return get_exif(Image.open(content))
            finally:
                content.seek(0)
        return get_exif_for_file(fieldfile)  # stored already: filer's own reading
    except Exception:  # as filer's own exif: no EXIF, no date
        return {}
