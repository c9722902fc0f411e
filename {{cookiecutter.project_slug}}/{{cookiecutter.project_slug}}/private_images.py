"""Private images whose thumbnails stay private: in the private storage, with its ACL and signed URLs.

easy-thumbnails saves every thumbnail to one storage, STORAGES["easy_thumbnails"] (public media),
whatever storage the source is in, and has no setting to change that: a thumbnail of a private
file would be public. So, installed at start-up (apps.py), thumbnails whose source is in the
private storage go to STORAGES["private_thumbnails"] instead, by every way of making one:
get_thumbnailer(storages["private"], name), a model field on the private storage, and the
thumbnail template tag. Declare such a field with PrivateImageField.
"""

from django.core.files.storage import storages
from easy_thumbnails import storage as thumbnail_storages
from easy_thumbnails.fields import ThumbnailerImageField
from easy_thumbnails.files import Thumbnailer

from .mediastorage.operations.inventory import place_of


def private_storage():
    """The private storage (a callable, so that migrations name it rather than its settings)."""
    return storages["private"]


class PrivateImageField(ThumbnailerImageField):
    """An image in the private storage; its thumbnails stay there, served by signed URLs only."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        super().__init__(*args, **kwargs)


def thumbnail_storage_for(source_storage, thumbnail_storage):
    """The private thumbnail storage for a source in the private storage; else the one chosen."""
    if thumbnail_storage is not thumbnail_storages.thumbnail_default_storage:
        return thumbnail_storage  # chosen explicitly (a field's thumbnail_storage): kept
    if source_storage is not None and place_of(source_storage) == place_of(storages["private"]):
        return storages["private_thumbnails"]
    return thumbnail_storage


def keep_private_thumbnails_private() -> None:
    """Make Thumbnailer.thumbnail_storage follow the source storage (see the module's docstring).

    A property, read when a thumbnail is named, saved or looked up: by then a field file has set
    its source storage (ThumbnailerFieldFile sets it after Thumbnailer.__init__ has run).
    """
    if isinstance(Thumbnailer.__dict__.get("thumbnail_storage"), property):
        return  # installed already

    def get(thumbnailer):
        chosen = thumbnailer.__dict__.get("_thumbnail_storage", thumbnail_storages.thumbnail_default_storage)
        return thumbnail_storage_for(getattr(thumbnailer, "source_storage", None), chosen)

    def set_(thumbnailer, value):
        thumbnailer.__dict__["_thumbnail_storage"] = value

    Thumbnailer.thumbnail_storage = property(get, set_)
