"""The benchmarks keep working: run them with tiny sizes and check that they report their figures.

The figures themselves are not checked (they depend on the machine); benchmarks/staging.py,
benchmarks/thumbnails.py and benchmarks/media_copy.py at full size give the ones in the README."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import TEMPLATE, run


def test_staging_benchmark_runs_and_reports_the_ratios(bake):
    project = bake()
    arguments = ["--files", "20", "--large-mb", "5", "--repeat", "1", "--latency-ms", "5", "--project", str(project)]
    result = run([sys.executable, str(TEMPLATE / "benchmarks" / "staging.py"), *arguments], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"staging_area\(\) +\d+\.\d\d +\d+\n", result.stdout)
    assert re.search(r"staging_area\(\) vs sequential loop: \d+\.\d\dx faster", result.stdout)
    assert re.search(r"staging_area\(\) vs raw boto3: +\d+\.\d\dx the time", result.stdout)
    assert re.search(r"One 5 MB file with staging_area\(\): .* peak memory growth \d+\.\d MB", result.stdout)
    assert re.search(r"Publishing 20 files of 50 KB, 0 ms per request", result.stdout)
    assert re.search(r"Publishing 20 files of 50 KB, 5 ms per request", result.stdout)


def test_thumbnails_benchmark_runs_and_reports_the_figures(bake):
    project = bake(use_filer=False)
    arguments = ["--images", "4", "--width", "320", "--height", "240", "--page", "3", "--latency-ms", "5"]
    script = str(TEMPLATE / "benchmarks" / "thumbnails.py")
    result = run([sys.executable, script, *arguments, "--project", str(project)], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"manage.py warm_thumbnails, s +\d+\.\d\d +\d+\.\d\d\n", result.stdout)
    assert re.search(r"requests per image, warm_thumbnails +1 GET, 3 PUT +1 GET, 3 PUT\n", result.stdout)
    assert re.search(r"page with 3 warmed thumbnails: S3 requests +0 +0\n", result.stdout)
    assert re.search(r"At 5 ms: warm_thumbnails \d+\.\d\dx faster than the sequential loop", result.stdout)
    assert re.search(r"Peak memory growth of warm_thumbnails: \d+\.\d MB", result.stdout)


def test_thumbnails_benchmark_runs_on_filer_images(bake):
    project = bake(use_filer=True)
    arguments = ["--filer", "--images", "3", "--width", "320", "--height", "240", "--page", "2", "--latency-ms", "5"]
    script = str(TEMPLATE / "benchmarks" / "thumbnails.py")
    result = run([sys.executable, script, *arguments, "--project", str(project)], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 JPEG images of 320 x 240 in django-filer" in result.stdout
    assert re.search(r"requests per image, warm_thumbnails +1 GET, 3 PUT +1 GET, 3 PUT\n", result.stdout)
    assert re.search(r"page with 2 warmed thumbnails: S3 requests +0 +0\n", result.stdout)
    assert re.search(r"At 5 ms: warm_thumbnails \d+\.\d\dx faster than the sequential loop", result.stdout)


def test_media_copy_benchmark_runs_and_reports_the_ratios(bake):
    project = bake()
    arguments = ["--objects", "12", "--repeat", "1", "--latency-ms", "5", "--project", str(project)]
    result = run([sys.executable, str(TEMPLATE / "benchmarks" / "media_copy.py"), *arguments], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"Copying 12 objects of 10 KB, 0 ms per request, seconds +server-side +streamed\n", result.stdout)
    assert re.search(r"Copying 12 objects of 10 KB, 5 ms per request", result.stdout)
    assert re.search(r"media_copy \(run_copy\) +\d+\.\d\d +\d+\.\d\d\n", result.stdout)
    assert re.search(r"server-side: media_copy \d+\.\d\dx faster than the sequential loop \(", result.stdout)
    assert re.search(r"streamed: media_copy \d+\.\d\dx faster .* \d+\.\d\dx the time of raw boto3", result.stdout)


def test_media_cleanup_benchmark_runs_and_reports_the_figures(bake):
    project = bake()
    arguments = ["--objects", "200", "--latency-ms", "5", "--project", str(project)]
    script = str(TEMPLATE / "benchmarks" / "media_cleanup.py")
    result = run([sys.executable, script, *arguments], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"Collector over 200 objects \(180 orphans\), 5 ms per request\n", result.stdout)
    for label in (r"listing alone, boto3 \(the bound\)", r"report run \(Collector\)", r"deleting run \(Collector\)"):
        assert re.search(label + r" +\d+\.\d\d +\d+ +\d+\.\d\n", result.stdout), label
    assert re.search(
        r"report run: \d+\.\d\dx the time of the listing alone .*\(180 deleted, 0 failed\)", result.stdout
    )
    assert re.search(r"peak Python memory of a report run: \d+\.\d MB at 50 objects, \d+\.\d MB at 200", result.stdout)


def test_without_the_test_packages_it_says_what_to_install(tmp_path):
    """As after bin/generate alone, which installs only the generator: one line, no traceback."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv"], check=True)
    result = run([str(tmp_path / "venv" / "bin" / "python"), str(TEMPLATE / "benchmarks" / "staging.py")], TEMPLATE)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "boto3" in result.stderr, result.stderr
    assert "run `bin/venv requirements-dev.txt`" in result.stderr


def test_queue_benchmark_runs_and_reports_the_ratios(bake):
    """Real RabbitMQ, PostgreSQL and celery workers (as root, as the baked project's queue tests)."""
    if os.geteuid() != 0 or not shutil.which("rabbitmq-server", path="/usr/sbin:/usr/bin"):
        message = "the queue benchmark runs as root with Debian's rabbitmq-server and postgresql installed"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    project = bake(use_filer=False)
    arguments = ["--uploads", "1", "--upload-width", "640", "--upload-height", "480", "--images", "2"]
    arguments += ["--width", "320", "--height", "240", "--batch-size", "1", "--latency-ms", "5"]
    script = str(TEMPLATE / "benchmarks" / "worker_queue.py")
    result = run([sys.executable, script, *arguments, "--project", str(project)], TEMPLATE, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"without the queue \(renders in the request\) +\d+\.\d\d s\n", result.stdout)
    assert re.search(r"the worker's time for its thumbnails +\d+\.\d\d s\n", result.stdout)
    assert re.search(r"the request is \d+\.\dx faster with the queue", result.stdout)
    assert re.search(r"through 2 worker processes +\d+\.\d\d s\n", result.stdout)
    assert re.search(r"scale-out, 1 -> 2 worker processes: \d+\.\d\dx", result.stdout)


def test_direct_uploads_benchmark_runs_and_reports_the_figures(bake):
    project = bake(use_filer=False)
    arguments = ["--size-mb", "9", "--latency-ms", "5", "--project", str(project)]
    script = str(TEMPLATE / "benchmarks" / "direct_uploads.py")
    result = run([sys.executable, script, *arguments], TEMPLATE, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "one 9 MB file, 5 ms per S3 request, gunicorn with 2 workers" in result.stdout
    assert re.search(r"web workers busy, s +\d+\.\d\d +\d+\.\d\d\n", result.stdout)
    assert re.search(r"instance temporary disk at its peak, MB +\d+\.\d +0\.0\n", result.stdout)
    assert re.search(r"Web workers' busy time: direct \d+\.\dx less than through the instance", result.stdout)
    assert re.search(r"the bound\): \d+\.\d\dx the time \(\d+ MB/s vs \d+ MB/s\)", result.stdout)
