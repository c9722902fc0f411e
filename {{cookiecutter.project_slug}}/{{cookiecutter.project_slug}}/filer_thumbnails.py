"""The thumbnails of a filer image that django-filer and the templates filer documents ask for.

Made ahead with the project's aliases (thumbnails.py), under the options each caller passes, so that
every lookup finds its file. Taken from filer's own settings and code, so that they follow them:
- the project's aliases with the image's focal point, as filer's templates ask for them:
  {% raw %}{% thumbnail image "small" subject_location=image.subject_location %}{% endraw %};
- its admin's icons (folder listing, FilerImageField widget, the icon view): square crops of
  DEFERRED_THUMBNAIL_SIZES, without the focal point;
- the preview on the image's change page: the sidebar's width at the image's proportions, and twice that;
- image.icons (FILER_ADMIN_ICON_SIZES) and image.thumbnails (DEFAULT_THUMBNAILS), with the focal point.
"""

from django.conf import settings
from django.core import checks
from filer import settings as filer_settings
from filer.models.abstract import BaseImage
from filer.templatetags.filer_admin_tags import get_aspect_ratio_and_download_url


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


@checks.register(checks.Tags.compatibility)
def check_aliases_name_themselves(app_configs, **kwargs):
    """With filer, an alias without "ALIAS": its name gets two thumbnail files, one made ahead and one on demand.

    easy-thumbnails adds ALIAS to the options of thumbnailer[alias] and of the thumbnail_url filter, not to the
    tag's; django-filer writes every option into a thumbnail's name. With ALIAS in the alias, all ask alike.
    """
    return [
        checks.Warning(
            f"THUMBNAIL_ALIASES[{target!r}][{name!r}] does not name itself: with django-filer, "
            "the thumbnail tag and the thumbnail_url filter would make two files of it.",
            hint=f'Add "ALIAS": {name!r} to its options.',
            id="thumbnails.W001",
        )
        for target, named in (settings.THUMBNAIL_ALIASES or {}).items()
        for name, options in named.items()
        if options.get("ALIAS") != name
    ]
