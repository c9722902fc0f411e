"""Remove the files of the options not chosen: cookiecutter renders every file of the template.

Idempotent (a file already gone is fine), offline, and writes nothing.
"""

import shutil
from pathlib import Path

SLUG = "{{ cookiecutter.project_slug }}"
USE_FILER = "{{ cookiecutter.use_filer }}" == "True"

FILER_ONLY = [f"{SLUG}/mediastorage/filer.py", "tests/test_filer.py"]
PLAIN_THUMBNAILS_ONLY = ["tests/gallery"]

for relative in PLAIN_THUMBNAILS_ONLY if USE_FILER else FILER_ONLY:
    path = Path(relative)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
