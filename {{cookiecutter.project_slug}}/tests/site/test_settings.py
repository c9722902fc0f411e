"""The settings as a fresh process sees them, for a few environments (no environment at all,
production, bad DSNs)."""

import json

import pytest

from ..support.project import PROJECT, manage

SECRET = "Sup3rS3cretValue"
{%- if cookiecutter.region in cookiecutter._exoscale_zones %}
# A bucket in the project's own region, as the platform would inject it.
PLATFORM_DSN = f"s3://KEY:{SECRET}@site-media.sos-{{ cookiecutter.region }}.exo.io/?auth=s3"
{%- elif cookiecutter.region == "other" %}
# A bucket on the S3-compatible service the project uses.
PLATFORM_DSN = f"s3://KEY:{SECRET}@site-media/?endpoint_url=https%3A%2F%2Fminio.example.com"
{%- else %}
# A bucket in the project's own region, as the platform would inject it.
PLATFORM_DSN = f"s3://KEY:{SECRET}@site-media.s3-{{ cookiecutter.region }}.amazonaws.com/"
{%- endif %}
PRODUCTION = {
    "STAGE": "live",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DOMAIN": "www.example.com",
    "DOMAIN_ALIASES": "example.com,.example.org",
    "DEFAULT_STORAGE_DSN": PLATFORM_DSN,
{%- if cookiecutter.private_media %}
    "PRIVATE_STORAGE_DSN": PLATFORM_DSN.replace("site-media", "site-private").replace("?auth=s3", ""),
{%- endif %}
}


def settings_in(**environ: str) -> dict:
    # An S3 storage's OPTIONS hold a botocore Config (its client_config), which JSON shows by repr().
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'STORAGES': s.STORAGES, 'MEDIA_URL': s.MEDIA_URL, "
        "'MEDIA_ROOT': str(s.MEDIA_ROOT), 'DATABASE': s.DATABASES['default']['ENGINE']}, default=repr))"
    )
    result = manage("shell", "--no-imports", "-c", code, **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_environment_at_all_runs_on_local_files_and_sqlite():
    got = settings_in()
    assert got["DEBUG"] is True
    assert got["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PROJECT / "media"), "base_url": "/media/"},
    }
    assert got["MEDIA_URL"] == "/media/"
    assert got["MEDIA_ROOT"] == str(PROJECT / "media")
    assert got["DATABASE"] == "django.db.backends.sqlite3"
    assert manage("check").returncode == 0


def test_dsn_alone_switches_media_to_s3():
    got = settings_in(DEFAULT_STORAGE_DSN="s3://KEY:abc%2Bdef@bucket.s3-eu-central-1.amazonaws.com/media")
    backend = got["STORAGES"]["default"]["BACKEND"]
    assert backend == "mediakit.storage.backends.S3MediaStorage"
    assert got["STORAGES"]["default"]["OPTIONS"]["bucket_name"] == "bucket"
    assert got["MEDIA_URL"] == "https://bucket.s3-eu-central-1.amazonaws.com/media/"
    assert got["MEDIA_ROOT"] == ""


def test_bad_dsn_stops_start_up_with_a_clear_message_and_no_secret():
    result = manage("check", DEFAULT_STORAGE_DSN=f"s3://KEY:{SECRET}@bucket.s3.amazonaws.com/?auth=s3v5")
    assert result.returncode != 0
    assert result.stderr.startswith("Cannot start: DEFAULT_STORAGE_DSN: unknown auth 's3v5'")
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_unknown_dsn_parameter_is_a_check_warning_not_a_start_up_error():
    # The platform may add parameters: a new one must not take the site down, a typo must still show.
    dsn = PLATFORM_DSN + ("&" if "?" in PLATFORM_DSN else "?") + f"colour=blue&secret_hint={SECRET}"
    result = manage("check", DEFAULT_STORAGE_DSN=dsn)
    assert result.returncode == 0, result.stderr
    assert "storage.W004" in result.stderr
    assert "DEFAULT_STORAGE_DSN has parameters this project ignores: colour, secret_hint." in result.stderr
    assert SECRET not in result.stderr + result.stdout
    strict = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DEFAULT_STORAGE_DSN": dsn})
    assert strict.returncode != 0
    assert "storage.W004" in strict.stderr


def test_a_secret_with_a_raw_question_mark_is_no_parameter():
    """The unknown-parameter check reads the DSN as the parser does: KEY:SECRET@ ends at the last '@'."""
    dsn = PLATFORM_DSN.replace(f":{SECRET}@", f":{SECRET[:6]}?{SECRET[6:]}=x&y@")
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DEFAULT_STORAGE_DSN": dsn})
    assert result.returncode == 0, result.stderr
    assert "storage.W004" not in result.stderr
    assert SECRET[6:] not in result.stderr + result.stdout


def test_local_media_at_the_static_url_is_refused_by_check(tmp_path):
    result = manage("check", DEFAULT_STORAGE_DSN=f"file://{tmp_path}/?url=%2Fstatic%2F")
    assert result.returncode != 0
    assert "storage.E004" in result.stderr and "clashes with STATIC_URL /static/" in result.stderr
    assert "Traceback" not in result.stderr
    dsn = f"file://{tmp_path}/?url=%2Fstatic%2F"
    collected = manage("collectstatic", "--noinput", DEFAULT_STORAGE_DSN=dsn, STATIC_ROOT=str(tmp_path / "static"))
    assert collected.returncode != 0
    assert "storage.E004" in collected.stderr and "Traceback" not in collected.stderr


def test_production_needs_a_secret_key():
    result = manage("check", STAGE="live")
    assert result.returncode != 0
    assert result.stderr == "Cannot start: Set the SECRET_KEY environment variable\n"


def test_a_secret_key_starting_with_a_dollar_is_read_literally():
    key = "$" + PRODUCTION["SECRET_KEY"]  # Django's own generator makes such keys
    code = "from django.conf import settings; print(settings.SECRET_KEY == " + repr(key) + ")"
    result = manage("shell", "--no-imports", "-c", code, **{**PRODUCTION, "SECRET_KEY": key})
    assert (result.returncode, result.stdout, result.stderr) == (0, "True\n", "")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECURE_HSTS_SECONDS": "abc"}, "SECURE_HSTS_SECONDS: cannot be read; it must be a whole number."),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: not a log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL."),
        ({"DATABASE_URL": f"postgress://user:{SECRET}@db.example.com/site"}, "DATABASE_URL: not a database URL"),
        ({"DATABASE_URL": f"postgres://user:{SECRET}@db.example.com:port/site"}, "DATABASE_URL: not a database URL"),
        ({"DEFAULT_STORAGE_BUCKET": PLATFORM_DSN}, "DEFAULT_STORAGE_BUCKET: not a bucket name S3 accepts"),
        ({"DEFAULT_STORAGE_DSN": PLATFORM_DSN.replace("://", "//")}, "DEFAULT_STORAGE_DSN: the value is not a DSN"),
        ({"DOMAIN": "https://www.example.com"}, "DOMAIN: 'https://www.example.com' is not a host name"),
        ({"DOMAIN_ALIASES": "example.com,cdn example.com"}, "DOMAIN_ALIASES: 'cdn example.com' is not a host name"),
        ({"ALLOWED_HOSTS": "example.com:8000"}, "ALLOWED_HOSTS: 'example.com:8000' is not a host name"),
        # What an HTTP header cannot carry, and bytes that are not UTF-8 (kept by Python as surrogates).
        ({"DEFAULT_STORAGE_DSN": PLATFORM_DSN.replace("KEY:", "K%0AEY:")}, "DEFAULT_STORAGE_DSN: the access key"),
        ({"DEFAULT_STORAGE_DSN": PLATFORM_DSN.replace(SECRET, SECRET + "\udcff")}, "DEFAULT_STORAGE_DSN: the value"),
        (
            {
                "DEFAULT_STORAGE_BUCKET": "site-media",
                "DEFAULT_STORAGE_REGION": "eu-central-1",
                "DEFAULT_STORAGE_ACCESS_KEY_ID": "KÉY",
                "DEFAULT_STORAGE_SECRET_ACCESS_KEY": SECRET,
            },
            "DEFAULT_STORAGE_ACCESS_KEY_ID: the access key contains a space or a character beyond ASCII",
        ),
        (
            {
                "DEFAULT_STORAGE_BUCKET": "site-media",
                "DEFAULT_STORAGE_REGION": "eu-central-1",
                "DEFAULT_STORAGE_CUSTOM_DOMAIN": "javascript:alert(1)",
            },
            "DEFAULT_STORAGE_CUSTOM_DOMAIN: domain takes a host name",
        ),
    ],
)
def test_a_bad_variable_stops_start_up_with_one_line_naming_it(environ, message):
    result = manage("check", **environ)
    assert result.returncode != 0
    assert result.stderr.startswith(f"Cannot start: {message}")
    assert result.stderr.count("\n") == 1  # one line, no traceback, no warning
    assert SECRET not in result.stderr + result.stdout


def test_error_reports_hide_storage_dsns_and_credentials_in_urls():
    """The DEBUG page and error e-mails show request.META: on runserver, the whole environment."""
    code = f"""
import sys
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
request = RequestFactory().get(
    "/", DEFAULT_STORAGE_DSN={PLATFORM_DSN!r}, OTHER_ENDPOINT="https://user:{SECRET}@minio.example.com"
)
try:
    raise RuntimeError("boom")
except RuntimeError:
    reporter = ExceptionReporter(request, *sys.exc_info())
    print(reporter.get_traceback_html(), reporter.get_traceback_text())
"""
    result = manage("shell", "--no-imports", "-c", code, DEFAULT_STORAGE_DSN=PLATFORM_DSN, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "DEFAULT_STORAGE_DSN" in result.stdout
    assert "minio.example.com" in result.stdout
    assert SECRET not in result.stdout


def test_error_reports_mask_the_storage_credentials_in_frames_and_messages():
    """botocore's signed request headers in a frame's variables, and a service echoing the key."""
    code = """
import sys
from django.conf import settings
from django.test import RequestFactory
from django.views.debug import get_exception_reporter_class
options = settings.STORAGES["default"]["OPTIONS"]
key, secret = options["access_key"], options["secret_key"]
def send(headers):
    raise RuntimeError(f"The access key {key} you provided does not exist")
request = RequestFactory().get("/")
try:
    send({"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/eu/s3/aws4_request, Signature=abc",
          "x-echo": secret})
except RuntimeError:
    reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
    print(reporter.get_traceback_html(), reporter.get_traceback_text())
"""
    dsn = PLATFORM_DSN.replace("KEY:", "AKIAKEYONLYHERE:")
    result = manage("shell", "--no-imports", "-c", code, DEFAULT_STORAGE_DSN=dsn, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "you provided does not exist" in result.stdout and "Credential=****" in result.stdout
    assert "AKIAKEYONLYHERE" not in result.stdout
    assert SECRET not in result.stdout


{%- if cookiecutter.use_filer %}


def test_check_warns_when_filer_private_files_share_a_policy_governed_bucket_with_public_media():
    shared = PLATFORM_DSN + ("&" if "?" in PLATFORM_DSN else "?") + "acl=none"
    environ = {"DEFAULT_STORAGE_DSN": shared}
{%- if cookiecutter.private_media %}
    environ["PRIVATE_STORAGE_DSN"] = shared.replace("acl=none", "acl=private")
{%- endif %}
    warned = manage("check", **environ)
    assert warned.returncode == 0
    assert warned.stderr.count("storage.W010") == 1
    assert "filer_private/ public too" in warned.stderr
{%- if cookiecutter.private_media %}
    assert "Point PRIVATE_STORAGE_DSN at a bucket of its own" in warned.stderr
    assert "regenerate" not in warned.stderr
{%- else %}
    assert "regenerate with private_media" in warned.stderr
{%- endif %}
    assert "storage.W010" not in manage("check", DEFAULT_STORAGE_DSN=PLATFORM_DSN).stderr
{%- endif %}
{%- if cookiecutter.private_media and not cookiecutter.use_filer %}


def test_check_warns_when_private_files_share_a_policy_governed_bucket_with_public_media():
    shared = PLATFORM_DSN + ("&" if "?" in PLATFORM_DSN else "?") + "acl=none"
    warned = manage("check", DEFAULT_STORAGE_DSN=shared, PRIVATE_STORAGE_DSN=shared.replace("acl=none", "acl=private"))
    assert warned.returncode == 0
    assert warned.stderr.count("storage.W011") == 1
    assert "makes the private files public too" in warned.stderr
    apart = PLATFORM_DSN.replace("site-media", "site-private")  # a bucket of its own
    assert "storage.W011" not in manage("check", DEFAULT_STORAGE_DSN=shared, PRIVATE_STORAGE_DSN=apart).stderr
{%- endif %}


def test_production_environment_passes_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_media_stays_on_local_disk():
    environ = {name: value for name, value in PRODUCTION.items() if not name.endswith("STORAGE_DSN")}
    result = manage("check", "--deploy", **environ)
    assert "storage.W002" in result.stderr
{%- if cookiecutter.region != "other" %}


@pytest.mark.parametrize("fully_qualified", ["", "."])  # a trailing dot ends a fully qualified host name
def test_check_warns_when_media_leaves_the_project_region(fully_qualified):
    other_region = "{{ 'eu-central-1' if cookiecutter.region != 'eu-central-1' else 'us-east-1' }}"
    host = f"bucket.s3.{other_region}.amazonaws.com{fully_qualified}"
    result = manage("check", DEFAULT_STORAGE_DSN=f"s3://KEY:{SECRET}@{host}/")
    assert result.returncode == 0
    assert "storage.W001" in result.stderr
    assert f"region {other_region}, but this project was generated for {{ cookiecutter.region }}" in result.stderr
    assert result.stderr.count("storage.W001") == 1  # one warning per variable, not per storage using it
    assert SECRET not in result.stderr


def test_no_region_warning_for_the_project_region():
    result = manage("check", DEFAULT_STORAGE_DSN=PLATFORM_DSN)
    assert result.returncode == 0
    assert "storage.W001" not in result.stderr
{%- endif %}
