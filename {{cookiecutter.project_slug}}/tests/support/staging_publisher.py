"""One publishing process for the concurrency tests: python -m tests.support.staging_publisher (from the project root).

Reads one JSON job per line on stdin: {"prefix": ..., "files": {relative name: hex bytes}}. It makes
the files in a staging area, answers {"ready": true}, waits for a "go" line, publishes with
overwrite=False and answers what happened: {"ok", "published", "kept", "left_behind", "conflicts",
"error"}, where "kept" is every file left in error.kept_in (hex bytes). The storage is the default
one, from DEFAULT_STORAGE_DSN in the environment.
"""

import json
import os
import sys
from pathlib import Path

import django


def answer(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def publish(job: dict) -> dict:
    from mediakit.staging import StagingError, staging_area

    try:
        with staging_area(job["prefix"]) as area:
            for name, content in job["files"].items():
                path = area.path / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(bytes.fromhex(content))
            answer({"ready": True})
            if sys.stdin.readline().strip() != "go":
                raise SystemExit("expected 'go'")
    except StagingError as error:
        kept = {}
        if error.kept_in is not None:
            for path in Path(error.kept_in).rglob("*"):
                if path.is_file():
                    kept[path.relative_to(error.kept_in).as_posix()] = path.read_bytes().hex()
        return {
            "ok": False,
            "kept": kept,
            "left_behind": error.left_behind,
            "conflicts": sorted(error.conflicts),
            "error": str(error),
        }
    return {"ok": True, "published": area.published}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")
    django.setup()
    answer({"started": True})
    for line in sys.stdin:
        answer(publish(json.loads(line)))


if __name__ == "__main__":
    main()
