"""Where a bucket lives: split a storage host into bucket, endpoint and region.

Hand-written because no maintained library knows the platform's host conventions (AWS's
``s3-REGION``/``s3.REGION``/dualstack/fips hosts, Exoscale's ``sos-ZONE.exo.io``) together
with the STORAGES options django-storages expects.
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

AWS_DOMAINS = ("amazonaws.com", "amazonaws.com.cn")
EXOSCALE_DOMAIN = "exo.io"
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
ZONE_PATTERN = re.compile(r"^[a-z]{2}-[a-z]+-\d$")
# What inet_aton reads as an IPv4 address: one to four numbers, decimal, octal (0...) or hex (0x...).
IPV4_NUMBERS = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}")


@dataclass(frozen=True)
class Endpoint:
    """The S3 service a bucket lives on."""

    url: str
    region: str | None
    provider: str  # "aws", "exoscale" or "s3" (any other S3-compatible service)

    @property
    def known_provider(self) -> bool:
        return self.provider in ("aws", "exoscale")

    @property
    def checksums(self) -> str | None:
        """When the client computes checksums: botocore's own default on AWS, else only when required.

        botocore 1.36 and later add x-amz-checksum-crc32 and x-amz-sdk-checksum-algorithm to every
        upload and send streamed bodies over HTTPS as aws-chunked with a trailing checksum. AWS
        accepts them; S3-compatible services refused them for months (older MinIO and Ceph, R2, B2,
        Hetzner, ...), some still do, and Exoscale is not AWS either. "when_required" sends one only
        where S3 demands it (DeleteObjects); the DSN parameter checksums=when_supported asks for more.
        """
        return None if self.provider == "aws" else "when_required"


EXOSCALE_ZONES = frozenset({"ch-dk-2", "ch-gva-2", "de-fra-1", "de-muc-1", "at-vie-1", "at-vie-2", "bg-sof-1"})


def is_exoscale_zone(region: str) -> bool:
    return region in EXOSCALE_ZONES


def endpoint_for_region(region: str) -> Endpoint:
    """The endpoint of a region code: an Exoscale zone or an AWS region."""
    if is_exoscale_zone(region):
        return Endpoint(f"https://sos-{region}.{EXOSCALE_DOMAIN}", region, "exoscale")
    return Endpoint(f"https://s3.{region}.amazonaws.com", region, "aws")


def split_host(host: str) -> tuple[str, Endpoint] | None:
    """Split ``BUCKET.ENDPOINT_HOST`` for the providers known by name.

    Returns ``(bucket, endpoint)``, or None when the host belongs to no known provider.
    The bucket may be empty (the DSN named only the endpoint); the caller reports that.
    """
    labels = host.split(".")
    if any(host.endswith("." + domain) for domain in AWS_DOMAINS):
        return _split_aws(labels)
    if host.endswith("." + EXOSCALE_DOMAIN):
        return _split_exoscale(labels)
    return None


def split_generic_host(host: str) -> tuple[str, Endpoint]:
    """Any other S3 host: the platform's convention is that the endpoint is the last three labels."""
    labels = host.split(".")
    return ".".join(labels[:-3]), Endpoint("https://" + ".".join(labels[-3:]), None, "s3")


def _split_aws(labels: list[str]) -> tuple[str, Endpoint]:
    # The last label that is "s3" or "s3-..." starts the endpoint; a bucket may contain such labels too.
    starts = [i for i, label in enumerate(labels) if label == "s3" or label.startswith("s3-")]
    if not starts:
        raise ValueError("an AWS host needs its s3 label, as in BUCKET.s3.REGION.amazonaws.com")
    start = starts[-1]
    bucket, endpoint = labels[:start], labels[start:]
    marker = endpoint[0].removeprefix("s3").removeprefix("-")
    region = next((label for label in endpoint[1:] if REGION_PATTERN.match(label)), None)
    if region is None and REGION_PATTERN.match(marker):
        region = marker  # legacy dash form: s3-eu-central-1.amazonaws.com
    if region is None:
        region = "us-east-1"  # s3.amazonaws.com, s3-external-1: the global endpoint is us-east-1's
    return ".".join(bucket), Endpoint("https://" + ".".join(endpoint), region, "aws")


def _split_exoscale(labels: list[str]) -> tuple[str, Endpoint]:
    start = next((i for i, label in enumerate(labels) if label.startswith("sos-")), len(labels) - 2)
    zone = labels[start].removeprefix("sos-") if start < len(labels) - 2 else None
    url = "https://" + ".".join(labels[start:])
    return ".".join(labels[:start]), Endpoint(url, zone if zone and ZONE_PATTERN.match(zone) else None, "exoscale")


DEFAULT_PORTS = {"http": 80, "https": 443}


def service_address(endpoint_url: str | None, bucket: str = "") -> str:
    """One spelling for every way of writing the same S3 service, to tell whether two storages share it.

    AWS is one service per partition (bucket names are global there). Elsewhere the address is
    HOST:PORT with the host in lower case, without a trailing dot, an IP address in its one standard
    form (127.1, 2130706433, 0x7f.0.0.1 and ::ffff:127.0.0.1 are all 127.0.0.1), the port made
    explicit (443 for https, 80 for http), and the bucket's label taken off a virtual-host-style host
    (BUCKET.minio.example.com is minio.example.com). Different addresses may still be one service
    (a DNS alias): equal ones are one service for certain.
    """
    if not endpoint_url:
        return "aws"
    parts = urlsplit(endpoint_url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if host.endswith(".amazonaws.com") or host == "amazonaws.com":
        return "aws"
    if host.endswith(".amazonaws.com.cn"):
        return "aws-cn"
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or DEFAULT_PORTS.get(parts.scheme.lower())
    host = _ip_form(host) or host
    if bucket and host.startswith(f"{bucket.lower()}.") and not _ip_form(host):
        host = host[len(bucket) + 1 :]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _ip_form(host: str) -> str | None:
    """The standard form of an IP address written any way the C library's resolver accepts, else None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = _legacy_ipv4(host)
        if address is None:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """inet_aton's forms: 1 to 4 numbers, decimal, octal (0...) or hex (0x...), the last filling the rest.

    By hand rather than socket.inet_aton: the configuration layer stays free of network modules.
    """
    if not IPV4_NUMBERS.fullmatch(host):
        return None
    try:
        parts = [int(part, 16 if part[:2] == "0x" else 8 if part[0] == "0" else 10) for part in host.split(".")]
    except ValueError:  # 08, 09: not octal
        return None
    *leading, last = parts
    if any(part > 255 for part in leading) or last >= 256 ** (4 - len(leading)):
        return None
    value = last
    for position, part in enumerate(leading):
        value += part << (8 * (3 - position))
    return ipaddress.IPv4Address(value)
