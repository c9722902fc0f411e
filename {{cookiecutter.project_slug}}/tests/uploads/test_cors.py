"""manage.py upload_cors and storage_check's line about it, against the S3 test server: the bucket's CORS
rules let the site's origins PUT the parts of direct uploads, and a bucket's own rules are kept."""

import urllib.request
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mediakit.uploads import cors

OTHER_RULE = {"ID": "fonts", "AllowedOrigins": ["https://fonts.example.org"], "AllowedMethods": ["GET"]}


@pytest.fixture
def site_hosts(settings):
    settings.DOMAINS = ["www.example.com", ".example.net"]
    return ["https://www.example.com", "https://*.example.net"]


def run(*args) -> str:
    output = StringIO()
    call_command("upload_cors", *args, stdout=output)
    return output.getvalue()


def preflight(s3_server, origin: str) -> str | None:
    """The origin a browser's preflight for a PUT to the media bucket is allowed for (None: refused)."""
    request = urllib.request.Request(
        f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/documents/a.bin?partNumber=1&uploadId=x",
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("Access-Control-Allow-Origin")
    except urllib.error.HTTPError:
        return None


def test_a_bucket_without_the_rule_is_reported_then_fixed_keeping_its_own_rules(s3_server, site_hosts):
    client = s3_server.client()
    client.put_bucket_cors(Bucket=s3_server.MEDIA_BUCKET, CORSConfiguration={"CORSRules": [OTHER_RULE]})

    with pytest.raises(CommandError, match=r"bucket\(s\) would refuse direct uploads: STORAGES\['default'\]"):
        run("--check")
    shown = run()
    assert "REFUSED STORAGES['default']" in shown
    assert f"no rule lets {', '.join(site_hosts)} PUT" in shown
    storage_check = StringIO()
    call_command("storage_check", stdout=storage_check)
    assert (
        "a browser's preflight from https://www.example.com, https://*.example.net would be refused: "
        "run manage.py upload_cors --apply"
    ) in storage_check.getvalue()

    applied = run("--apply")
    assert "APPLIED STORAGES['default']" in applied
    rules = client.get_bucket_cors(Bucket=s3_server.MEDIA_BUCKET)["CORSRules"]
    assert [rule.get("ID") for rule in rules] == ["fonts", cors.RULE_ID]
    assert "OK      STORAGES['default']" in run("--check")


def test_the_rule_answers_the_browsers_preflight(s3_server, site_hosts):
    # On a bucket with no other rule: moto refuses a preflight unless every rule allows its origin (AWS, MinIO and
    # SeaweedFS use the first rule that does); and with no rule at all, it allows any origin (AWS refuses them all).
    run("--apply")
    assert preflight(s3_server, site_hosts[0]) == site_hosts[0] == "https://www.example.com"
    assert preflight(s3_server, "https://shop.example.net") == "https://shop.example.net"
    assert preflight(s3_server, "https://evil.example.org") is None


def test_without_a_host_there_is_nothing_to_allow(settings):
    settings.DOMAINS, settings.ALLOWED_HOSTS = [], []
    with pytest.raises(CommandError, match="No site host to allow: set DOMAIN"):
        run()


@pytest.mark.parametrize(
    ("origin", "allowed", "refused"),
    [
        ("https://a.example.com", ["https://a.example.com"], False),
        ("https://a.example.com", ["https://*.example.com"], False),
        ("https://a.example.com", ["*"], False),
        ("https://a.example.com", ["https://b.example.com"], True),
        ("https://*.example.com", ["https://*.example.com"], False),
    ],
)
def test_which_rules_allow_an_origin(origin, allowed, refused):
    rules = [{"AllowedOrigins": allowed, "AllowedMethods": ["PUT"]}]
    assert cors.refused_origins(rules, [origin]) == ([origin] if refused else [])
    assert cors.refused_origins([{**rules[0], "AllowedMethods": ["GET"]}], [origin]) == [origin]
