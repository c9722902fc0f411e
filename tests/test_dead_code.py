"""No dead code in any baked project: every function, class, method, setting and test fixture is used.

Each combination of answers renders only what it uses, so the guard runs over every one of them.
"""

import shutil
from typing import NamedTuple

import pytest

from .linting import dead_code
from .test_bake import MATRIX, label


@pytest.mark.parametrize("answers", MATRIX, ids=label)
def test_baked_project_has_no_dead_code(bake, answers):
    assert dead_code(bake(**answers)) == []


class Injection(NamedTuple):
    path: str
    after: str  # the text the dead code goes after; "" for the end of the file
    code: str
    name: str  # what the guard must report


# One piece of dead code of each kind the guard is for.
INJECTED = {
    "a function": Injection("mediakit/storage/s3.py", "", "\n\ndef unmask(text):\n    return text\n", "unmask"),
    # What a project without filer would hold if S3Config.as_private() were rendered in every combination.
    "a method": Injection(
        "mediakit/storage/configuration/storage_configs.py",
        "        return replace(self, file_overwrite=True)\n",
        "\n    def as_private(self):\n        return replace(self, querystring_auth=True)\n",
        "as_private",
    ),
    "a setting": Injection(
        "my_site/settings.py", "", 'PRIVATE_MEDIA_ROOT = BASE_DIR / "private-media"\n', "PRIVATE_MEDIA_ROOT"
    ),
    "a fixture": Injection(
        "conftest.py",
        "",
        "\n\n@pytest.fixture\ndef private_bucket(s3_server):\n    return s3_server.url\n",
        "private_bucket",
    ),
}


@pytest.mark.parametrize("kind", INJECTED)
def test_the_guard_finds_dead_code_of_each_kind(bake, tmp_path, kind):
    """A copy of a clean project with one piece of dead code added: the guard reports it, and only it."""
    project = tmp_path / "my_site"
    shutil.copytree(bake(region="eu-central-1", use_filer=False, private_media=False), project)
    injected = INJECTED[kind]
    source = project / injected.path
    text = source.read_text()
    assert injected.after in text
    source.write_text(
        text.replace(injected.after, injected.after + injected.code, 1) if injected.after else text + injected.code
    )
    [finding] = dead_code(project)
    assert finding.startswith(f"{injected.path}:") and f"'{injected.name}'" in finding
