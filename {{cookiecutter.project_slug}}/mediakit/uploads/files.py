"""A finished direct upload as a model field's value: the stored file, named, sized and (for an image)
measured, that the model saves as it is (committed: no byte is written or read again)."""

from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile

from .tokens import Result


class DirectUpload:
    """What the file's checks found (tokens.Result), so that nothing asks the storage again."""

    announced = False  # whether the thumbnails wing was told (signal_handlers.py), once per save

    def _remember(self, result: Result) -> None:
        self._known_size = result.size
        self._dimensions_cache = (result.width, result.height)  # ImageFile's cache of width and height

    @property
    def size(self) -> int:
        return self._known_size


class DirectFieldFile(DirectUpload, FieldFile):
    def __init__(self, field, result: Result):
        super().__init__(None, field, result.name)  # the model sets the instance when it is assigned
        self._remember(result)


class DirectImageFieldFile(DirectUpload, ImageFieldFile):
    def __init__(self, field, result: Result):
        super().__init__(None, field, result.name)
        self._remember(result)


def direct_file(field, result: Result) -> FieldFile:
    cls = DirectImageFieldFile if isinstance(field, models.ImageField) else DirectFieldFile
    return cls(field, result)
