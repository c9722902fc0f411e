"""Heavy file work on local disk, published to the media storage in one concurrent, all-or-nothing step.

    with staging_area("renditions/2026") as area:
        make_files_in(area.path)
    area.published  # {"640/cat.webp": "renditions/2026/640/cat.webp", ...}

See staging_area() for the rules, and the project's README for a longer example.
"""

from .area import StagingArea, staging_area
from .errors import StagingError

__all__ = ["StagingArea", "StagingError", "staging_area"]
