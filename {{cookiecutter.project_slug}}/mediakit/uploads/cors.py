"""The bucket's CORS rules that let the site's pages PUT parts of direct uploads.

A browser asks the bucket first (an unsigned OPTIONS preflight: may this origin PUT?), and S3 answers
from the bucket's CORS rules; without a rule for the site's origin, every direct upload fails before
its first byte. The rule allows PUT only: presigned URLs still decide what may be written.
"""

from fnmatch import fnmatchcase

from botocore.exceptions import ClientError
from django.conf import settings

RULE_ID = "direct-uploads"  # the rule this project writes (and replaces), beside any others
PREFLIGHT_AGE = 3600  # seconds a browser may keep the preflight's answer
TEST_HOST = "testserver"  # what Django's test runner adds to ALLOWED_HOSTS: no browser comes from there


def site_origins() -> list[str]:
    """The origins the site's pages are served from: https:// each of DOMAIN and DOMAIN_ALIASES (or ALLOWED_HOSTS)."""
    hosts = getattr(settings, "DOMAINS", None) or settings.ALLOWED_HOSTS
    origins = []
    for host in hosts:
        if host == TEST_HOST:
            continue
        if host == "*":
            origins.append("*")
        elif host.startswith("."):
            origins.append(f"https://*{host}")
        else:
            origins.append(f"https://{host}")
    return origins


def wanted_rule(origins: list[str]) -> dict:
    return {
        "ID": RULE_ID,
        "AllowedOrigins": origins,
        "AllowedMethods": ["PUT"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": PREFLIGHT_AGE,
    }


def current_rules(client, bucket: str) -> list[dict]:
    try:
        return client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchCORSConfiguration":
            return []
        raise


def refused_origins(rules: list[dict], origins: list[str]) -> list[str]:
    """The origins whose preflight for a PUT these rules refuse."""
    return [origin for origin in origins if not any(_allows(rule, origin) for rule in rules)]


def _allows(rule: dict, origin: str) -> bool:
    if "PUT" not in rule.get("AllowedMethods", ()):
        return False
    # S3 allows one "*" in an allowed origin; a site origin with a wildcard is allowed only by the same pattern.
    return any(allowed == origin or fnmatchcase(origin, allowed) for allowed in rule.get("AllowedOrigins", ()))


def merged(rules: list[dict], wanted: dict) -> list[dict]:
    """The bucket's rules with this project's rule in place of any earlier one; the others kept."""
    return [rule for rule in rules if rule.get("ID") != RULE_ID] + [wanted]
