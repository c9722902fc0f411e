"""The template's test environment pins exactly what a generated project pins."""

from pathlib import Path


def pins(path: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("-r")}


def test_template_pins_cover_the_baked_project(bake):
    project = bake(use_filer=True)
    template = Path(__file__).resolve().parent.parent
    wanted = pins(project / "requirements.txt") | pins(project / "requirements-dev.txt")
    assert wanted <= pins(template / "requirements-dev.txt") | pins(template / "requirements.txt")
