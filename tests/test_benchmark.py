"""The staging benchmark keeps working: run it with tiny sizes and check that it reports its figures.

The figures themselves are not checked (they depend on the machine); benchmarks/staging.py at full
size gives the ones in the README."""

import re
import subprocess
import sys

from .conftest import TEMPLATE, run


def test_staging_benchmark_runs_and_reports_the_ratios(bake):
    project = bake()
    arguments = ["--files", "20", "--large-mb", "5", "--repeat", "1", "--project", str(project)]
    result = run([sys.executable, str(TEMPLATE / "benchmarks" / "staging.py"), *arguments], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"staging_area\(\) +\d+\.\d\d +\d+\n", result.stdout)
    assert re.search(r"staging_area\(\) vs sequential loop: \d+\.\d\dx faster", result.stdout)
    assert re.search(r"staging_area\(\) vs raw boto3: +\d+\.\d\dx the time", result.stdout)
    assert re.search(r"One 5 MB file with staging_area\(\): .* peak memory growth \d+\.\d MB", result.stdout)


def test_without_the_test_packages_it_says_what_to_install(tmp_path):
    """As after bin/generate alone, which installs only the generator: one line, no traceback."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv"], check=True)
    result = run([str(tmp_path / "venv" / "bin" / "python"), str(TEMPLATE / "benchmarks" / "staging.py")], TEMPLATE)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "boto3" in result.stderr, result.stderr
    assert "run `bin/venv requirements-dev.txt`" in result.stderr
