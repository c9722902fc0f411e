"""Which images get thumbnails made ahead, and which thumbnails each of them wants.

The sizes are THUMBNAIL_ALIASES (project-wide, then per app, model and field), under the options
easy-thumbnails' lookups pass, so that the names match.
{%- if cookiecutter.use_filer %}
A filer image also wants the sizes django-filer itself shows (filer.py).
{%- endif %}
"""

from collections.abc import Iterable

from django.apps import apps
from django.core.files.storage import storages
from django.db import models
from django.utils.functional import LazyObject, empty
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import Thumbnailer, get_thumbnailer
{%- if cookiecutter.use_filer %}
from filer.models.abstract import BaseImage

from . import filer
{%- endif %}
{%- if cookiecutter.use_filer %}


def is_filer_image(model: type[models.Model] | models.Model) -> bool:
    """Whether a model (or an instance of it) is one of django-filer's image models."""
    return issubclass(model if isinstance(model, type) else type(model), BaseImage)
{%- endif %}


def is_image(fieldfile) -> bool:
    """Whether the file is an image easy-thumbnails makes thumbnails of."""
    return is_image_field(type(fieldfile.instance), fieldfile.field)


def is_image_field(model: type[models.Model], model_field) -> bool:
{%- if cookiecutter.use_filer %}
    if is_filer_image(model) and model_field.name == "file":
        return True  # filer's images keep their file in a (non-image) file field of its File model
{%- endif %}
    return isinstance(model_field, models.ImageField)


def source_thumbnailer(fieldfile) -> Thumbnailer:
    """The thumbnailer easy-thumbnails' lookups use for this file (storages, naming), apart from the model's file."""
{%- if cookiecutter.use_filer %}
    if is_filer_image(fieldfile.instance):
        # What get_thumbnailer(image) returns: filer's own storages, base folder, names and SVG handling.
        return fieldfile.instance.easy_thumbnails_thumbnailer
{%- endif %}
    thumbnailer = get_thumbnailer(fieldfile)
    if thumbnailer is fieldfile:  # easy-thumbnails' own fields: a copy, so that the model's file is left alone
        thumbnailer = type(fieldfile)(fieldfile.instance, fieldfile.field, fieldfile.name)
    return thumbnailer


def wanted_thumbnails(fieldfile, only: Iterable[str] | None = None) -> dict[str, dict]:
    """THUMBNAIL_ALIASES that apply to this file (project-wide, then its app, model and field), by name.

    The options are what the {% raw %}{% thumbnail image "small" %}{% endraw %} tag passes, so the names match its lookups.
    """
    options = aliases.all(alias_target(type(fieldfile.instance), fieldfile.field.name), include_global=True)
    if only is not None:
        options = {name: value for name, value in options.items() if name in set(only)}
    wanted = {name: dict(value) for name, value in options.items()}
{%- if cookiecutter.use_filer %}
    if is_filer_image(fieldfile.instance):
        # With the image's focal point, and what filer's admin, image.icons and image.thumbnails ask for.
        return filer.wanted(fieldfile.instance, wanted, filer_own=only is None)
{%- endif %}
    return wanted


def not_made_yet(thumbnailer: Thumbnailer, wanted: dict[str, dict]) -> dict[str, dict]:
    """The wanted thumbnails that easy-thumbnails' lookups would not find as made and current."""
    return {
        alias: options
        for alias, options in wanted.items()
        if not thumbnailer.get_existing_thumbnail(thumbnailer.get_options(options))
    }


def alias_target(model: type[models.Model], field_name: str) -> str:
    """The name THUMBNAIL_ALIASES gives a field: "app_label.Model.field"."""
    return f"{model._meta.app_label}.{model.__name__}.{field_name}"


def all_aliases(model: type[models.Model], field_name: str) -> set[str]:
    return set(aliases.all(alias_target(model, field_name), include_global=True))


def default_image_fields() -> list[tuple[type[models.Model], str]]:
{%- if cookiecutter.use_filer %}
    """filer's images, and every image field of the installed models on the media storage."""
{%- else %}
    """Every image field of the installed models on the media storage."""
{%- endif %}
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
{%- if cookiecutter.use_filer %}
        if is_filer_image(model):
            found.append((model, "file"))
            continue
{%- endif %}
        for model_field in model._meta.get_fields(include_parents=False):
            if is_image_field(model, model_field) and _unwrapped(model_field.storage) is storages["default"]:
                found.append((model, model_field.name))
    return found


def images(model: type[models.Model], field_name: str):
    """The rows of a model that have a file in the field, in a stable order."""
    return model._default_manager.exclude(**{field_name: ""}).exclude(**{f"{field_name}__isnull": True}).order_by("pk")


def _unwrapped(storage):
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage
