"""A filer image's EXIF read from the upload in hand, not from the storage.

filer's Image.save() reads the image's EXIF (for the date it was taken) before the file is stored,
from the storage and under the upload's bare name: on S3 a GET answered 404 (on local disk, another
file of that name if there is one), so the date is never the photo's. The image's `exif` is a
cached property; a new image gets it here, read lazily from the uploaded file when filer asks.
"""

from django.utils.functional import SimpleLazyObject
from filer.utils.pil_exif import get_exif, get_exif_for_file
from PIL import Image


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
