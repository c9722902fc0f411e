"""The top-level modules of everything a generated project installs, derived from its requirements files.

The pre-generation hook refuses a project_slug among them (a package of that name would shadow
the library). The hook runs where cookiecutter runs, which need not have the project's
requirements installed, and must be offline and deterministic: so it carries the list, and
tests/test_hooks.py checks it against this derivation (from the requirements of a baked project
and the distributions installed in the template's .venv, which pins the same versions).

    .venv/bin/python -m tests.requirement_modules PROJECT_DIR   # prints the list for the hook
"""

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def requirements(project: Path) -> list[Requirement]:
    """The requirements named in a project's requirements files (following -r includes)."""
    found, files, seen = [], [project / "requirements-dev.txt"], set()
    while files:
        path = files.pop()
        if path in seen:
            continue
        seen.add(path)
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("-r"):
                files.append(path.parent / line[2:].strip())
            elif line:
                found.append(Requirement(line))
    return found


def closure(wanted: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements pull in, by normalised name, extras included."""
    found: dict[str, metadata.Distribution] = {}
    queue = [(requirement, frozenset(requirement.extras)) for requirement in wanted]
    while queue:
        requirement, extras = queue.pop()
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        distribution = metadata.distribution(requirement.name)
        found[name] = distribution
        for text in distribution.requires or []:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                child_name = re.sub(r"[-_.]+", "-", child.name).lower()
                if child_name not in found or child.extras:
                    queue.append((child, frozenset(child.extras)))
    return found


def top_level_modules(distribution: metadata.Distribution) -> set[str]:
    """What `import X` finds in a distribution: top_level.txt where it has one, else its RECORD."""
    text = distribution.read_text("top_level.txt")
    if text:
        names = {line.strip().split("/")[0] for line in text.splitlines()}
    else:
        names = set()
        for file in distribution.files or []:
            first = file.parts[0]
            if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__"):
                continue
            names.add(first.removesuffix(".py") if len(file.parts) == 1 else first)
    return {name for name in names if IDENTIFIER.fullmatch(name)}


def modules(project: Path) -> list[str]:
    found = set()
    for distribution in closure(requirements(project)).values():
        found |= top_level_modules(distribution)
    return sorted(found)


if __name__ == "__main__":
    print(" ".join(modules(Path(sys.argv[1]))))
