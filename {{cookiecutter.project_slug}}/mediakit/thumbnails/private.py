"""Private images whose thumbnails stay private: in the private storage, with its ACL and signed URLs.

easy-thumbnails saves every thumbnail to one storage, STORAGES["easy_thumbnails"] (public media),
whatever storage the source is in, unless told otherwise: a thumbnail of a private file would be
public. Three layers keep it private:
- PrivateImageField names STORAGES["private_thumbnails"] as its thumbnail storage (easy-thumbnails'
  own ``thumbnail_storage`` argument), and a file opened from the storage hands get_thumbnailer() a
  thumbnailer that reads it by name (backends.py, easy-thumbnails' ``easy_thumbnails_thumbnailer``);
- the other ways easy-thumbnails has no argument for (get_thumbnailer(storages["private"], name), a
  plain ImageField on the private storage, the thumbnail tag on one) pick the private thumbnail
  storage through Thumbnailer.thumbnail_storage, made a property at start-up (apps.py);
- whatever gets past both (a thumbnailer given an explicit public thumbnail storage, a local private
  file passed as an open file) is refused before the thumbnail is written: the project's source
  generator (source_generators.py) calls refuse_public_thumbnail_of_private_file().
"""

from django.core.files.storage import storages
from easy_thumbnails import storage as thumbnail_storages
from easy_thumbnails.fields import ThumbnailerImageField
from easy_thumbnails.files import Thumbnailer

from ..storage.operations.inventory import place_of


def private_storage():
    """The private storage (a callable, so that migrations name it rather than its settings)."""
    return storages["private"]


class PrivateThumbnailError(ValueError):
    """A thumbnail of a private file would have been written to a public storage."""


class PrivateImageField(ThumbnailerImageField):
    """An image in the private storage; its thumbnails stay there, served by signed URLs only."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        kwargs.setdefault("thumbnail_storage", storages["private_thumbnails"])
        super().__init__(*args, **kwargs)


def is_private(storage) -> bool:
    private = place_of(storages["private"])
    return storage is not None and place_of(storage) in (private, place_of(storages["private_thumbnails"]))


def refuse_public_thumbnail_of_private_file(thumbnailer) -> None:
    """Raise PrivateThumbnailError if this thumbnailer's source is private and its thumbnails would not be."""
    if is_private(getattr(thumbnailer, "thumbnail_storage", None)):
        return
    source_storage = getattr(thumbnailer, "source_storage", None)
    source_file = getattr(getattr(thumbnailer, "file", None), "name", None)
    private_folder = getattr(storages["private"], "location", None)
    from_private_folder = (
        getattr(thumbnailer, "remote_source", False)
        and isinstance(source_file, str)
        and isinstance(private_folder, str)
        and source_file.startswith(private_folder.rstrip("/") + "/")
    )
    if is_private(source_storage) or from_private_folder:
        raise PrivateThumbnailError(
            f"Refusing to write a thumbnail of the private file {thumbnailer.name!r} to a public storage: "
            'use get_thumbnailer(storages["private"], name) or a PrivateImageField, and no public thumbnail_storage.'
        )


def thumbnail_storage_for(source_storage, thumbnail_storage):
    """The private thumbnail storage for a source in the private storage; else the one chosen."""
    if thumbnail_storage is not thumbnail_storages.thumbnail_default_storage:
        return thumbnail_storage  # chosen explicitly (a field's thumbnail_storage): kept
    if source_storage is not None and place_of(source_storage) == place_of(storages["private"]):
        return storages["private_thumbnails"]
    return thumbnail_storage


def keep_private_thumbnails_private() -> None:
    """Make Thumbnailer.thumbnail_storage follow the source storage (see the module's docstring).

    Hand-written, and kept beside easy-thumbnails' own hooks: for get_thumbnailer(storage, name) and a
    plain ImageField, easy-thumbnails has no argument, setting or hook that picks the thumbnail storage
    from the source's; without this those documented ways would only be refused.

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
