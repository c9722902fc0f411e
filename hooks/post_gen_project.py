"""Remove the files of the options not chosen: cookiecutter renders every file of the template.

Idempotent (a file already gone is fine), offline, and writes nothing. The answers arrive as JSON
text, never pasted into this script as code.
"""

import json
import shutil
from pathlib import Path

ANSWERS = json.loads(
    r"""{{ {
        "project_slug": cookiecutter.project_slug,
        "use_filer": cookiecutter.use_filer,
        "private_media": cookiecutter.private_media,
    } | tojson }}"""
)
SLUG = ANSWERS["project_slug"]
# The pre-generation hook refuses anything but a boolean.
USE_FILER = ANSWERS["use_filer"] is True
PRIVATE_MEDIA = ANSWERS["private_media"] is True

FILER_ONLY = [f"{SLUG}/mediastorage/filer.py", "tests/test_filer.py"]
PLAIN_THUMBNAILS_ONLY = ["tests/gallery"]
PRIVATE_MEDIA_ONLY = [f"{SLUG}/private_images.py", "tests/test_private_images.py"]

unchosen = (PLAIN_THUMBNAILS_ONLY if USE_FILER else FILER_ONLY) + ([] if PRIVATE_MEDIA else PRIVATE_MEDIA_ONLY)
for relative in unchosen:
    path = Path(relative)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
