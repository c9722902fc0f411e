"""Which source file a thumbnail's name was made from, by easy-thumbnails' and django-filer's own naming.

easy-thumbnails names a thumbnail SOURCE.OPTIONS.EXT (its default namer), django-filer SOURCE__OPTIONS.EXT,
where OPTIONS begin with the size, WIDTHxHEIGHT (e.g. photos/a.jpg.160x160_q85_crop.jpg,
filer_public_thumbnails/filer_public/ab/cd/a.jpg__160x160_q85_crop.jpg). A thumbnail belongs to its source
by that name, whether or not easy-thumbnails has a row for it.
"""

import re

# Where the options may begin: "." (easy-thumbnails) or "__" (django-filer), then WIDTHxHEIGHT, to the extension.
THUMBNAIL_TAIL = re.compile(r"(?=(?:\.|__)\d+x\d+[^/]*\.[A-Za-z0-9]+$)")


def sources_of(name: str, base_dirs: tuple[str, ...] = ()) -> list[str]:
    """Every name a thumbnail called `name` could have been made from, longest first; [] if none.

    base_dirs: folders thumbnails are kept under, apart from their sources (django-filer's
    filer_public_thumbnails): a name under one is read without it as well.
    """
    names = [name]
    for base_dir in base_dirs:
        folder = base_dir.strip("/") + "/"
        if base_dir and name.startswith(folder):
            names.append(name.removeprefix(folder))
    found = []
    for candidate in names:
        folder_end = candidate.rfind("/") + 1
        for match in THUMBNAIL_TAIL.finditer(candidate, folder_end):
            if match.start() > folder_end:  # a source has a file name of its own
                found.append(candidate[: match.start()])
    return sorted(set(found), key=lambda source: (-len(source), source))


def is_thumbnail_of(name: str, source: str, base_dir: str = "") -> bool:
    """Whether `name` is a thumbnail of `source` by its name (under base_dir, if thumbnails have one)."""
    return source in sources_of(name, (base_dir,) if base_dir else ())
