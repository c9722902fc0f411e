"""bin/mutation (mutation testing of the baked project, not run in CI): its parts that can break quietly."""

import ast
import importlib.machinery
import importlib.util
import subprocess
import sys
import tomllib

from tests.conftest import TEMPLATE


def mutation_tool():
    loader = importlib.machinery.SourceFileLoader("mutation_tool", str(TEMPLATE / "bin" / "mutation"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("mutation_tool", loader))
    loader.exec_module(module)
    return module


def test_help_runs():
    result = subprocess.run([sys.executable, TEMPLATE / "bin" / "mutation", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--modules" in result.stdout


def test_its_modules_and_tests_exist_in_the_default_project(bake):
    project = bake()
    config = tomllib.loads((TEMPLATE / "mutation" / "mutmut.toml").read_text())
    package = project / mutation_tool().PACKAGE
    assert [module for module in config["modules"] if not (package / module).is_file()] == []
    tests = set(config["tests"]) | {test for tests in config["constant_tests"].values() for test in tests}
    assert sorted(test for test in tests if not (project / test).is_file()) == []
    assert set(config["constant_tests"]) == set(config["modules"])


def test_constants_are_changed_one_entry_at_a_time():
    source = (
        'NAMES = ("a", "b")\n'
        'FLAGS = {"on": True, "label": "x"}\n'
        'ZONES = frozenset({"z1"})\n'
        'CHARS = frozenset("/?")\n'
        "LIMIT = 10 * 2\n"
        'TEXT = "t"\n'
        "lower = 1\n"
    )
    mutants = dict(mutation_tool().constant_mutants(source))
    assert sorted(mutants) == sorted(
        [
            "NAMES[drop 'a']",
            "NAMES[drop 'b']",
            "FLAGS[drop 'on']",
            "FLAGS['on' flipped]",
            "FLAGS[drop 'label']",
            "FLAGS['label' changed]",
            "ZONES[drop 'z1']",
            "CHARS[drop '/']",
            "CHARS[drop '?']",
            "LIMIT[+1]",
            "TEXT[changed]",
        ]
    )
    assert mutants["NAMES[drop 'a']"].startswith('NAMES = ( "b")\n')
    assert 'FLAGS = {"on": False, "label": "x"}' in mutants["FLAGS['on' flipped]"]
    assert "CHARS = frozenset('?')" in mutants["CHARS[drop '/']"]
    for mutated in mutants.values():
        ast.parse(mutated)
        assert mutated != source
