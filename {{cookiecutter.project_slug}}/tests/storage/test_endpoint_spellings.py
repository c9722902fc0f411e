"""One S3 service however its endpoint is written: service_address() gives every spelling one form."""

import ipaddress
import socket

from hypothesis import given
from hypothesis import strategies as st

from mediakit.storage.configuration.endpoints import _legacy_ipv4, service_address

HOSTS = st.sampled_from(["minio.example.com", "sos-ch-dk-2.exo.io", "s3.local", "storage-1.internal"])
IPV4 = st.ip_addresses(v=4)


def case_mixed(draw, text: str) -> str:
    flags = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(char.upper() if flag else char for char, flag in zip(text, flags, strict=True))


@st.composite
def spelled_host(draw, host: str) -> str:
    """A host name as people write it: any letter case, perhaps the DNS root's trailing dot."""
    return case_mixed(draw, host) + draw(st.sampled_from(["", "."]))


@st.composite
def spelled_ipv4(draw, address: ipaddress.IPv4Address) -> str:
    """An IPv4 address in a form the resolver reads as it: dotted, one number, hex, or IPv4-mapped IPv6."""
    number = int(address)
    a, b, c, d = address.packed
    forms = [
        str(address),
        str(number),
        hex(number),
        f"{a}.{(b << 16) | (c << 8) | d}",  # "127.1"
        f"{a}.{b}.{(c << 8) | d}",
        f"{hex(a)}.{b}.{c}.{d}",
        f"[::ffff:{address}]",
    ]
    return draw(st.sampled_from(forms))


@st.composite
def spelled_endpoint(draw, scheme: str, host: str, port: int | None, spell_host) -> str:
    default = {"http": 80, "https": 443}[scheme]
    written_port = draw(st.sampled_from([f":{port}"] if port else ["", f":{default}"]))
    path = draw(st.sampled_from(["", "/"]))
    return f"{case_mixed(draw, scheme)}://{draw(spell_host)}{written_port}{path}"


@given(data=st.data(), host=HOSTS, scheme=st.sampled_from(["http", "https"]), port=st.none() | st.integers(1, 65535))
def test_spellings_of_one_host_name_are_one_service(data, host, scheme, port):
    if port == {"http": 80, "https": 443}[scheme]:
        port = None
    one = data.draw(spelled_endpoint(scheme, host, port, spelled_host(host)))
    other = data.draw(spelled_endpoint(scheme, host, port, spelled_host(host)))
    assert service_address(one) == service_address(other), (one, other)


@given(data=st.data(), address=IPV4, scheme=st.sampled_from(["http", "https"]), port=st.integers(1024, 65535))
def test_spellings_of_one_ip_address_are_one_service(data, address, scheme, port):
    one = data.draw(spelled_endpoint(scheme, str(address), port, spelled_ipv4(address)))
    other = data.draw(spelled_endpoint(scheme, str(address), port, spelled_ipv4(address)))
    assert service_address(one) == service_address(other) == f"{address}:{port}", (one, other)


@given(one=IPV4, other=IPV4, ports=st.tuples(st.integers(1, 65535), st.integers(1, 65535)))
def test_other_addresses_or_ports_are_other_services(one, other, ports):
    if (one, ports[0]) != (other, ports[1]):
        assert service_address(f"http://{one}:{ports[0]}") != service_address(f"http://{other}:{ports[1]}")


def test_forms_named_in_the_issue():
    assert service_address("https://minio.example.com") == service_address("https://minio.example.com:443")
    assert service_address("https://sos-ch-dk-2.exo.io") == service_address("HTTPS://SOS-CH-DK-2.EXO.IO.:443/")
    assert service_address("http://127.0.0.1:9000") == service_address("http://2130706433:9000")
    assert service_address("http://127.0.0.1:9000") == service_address("http://127.1:9000")
    # A virtual-host-style endpoint (the bucket in the host) is the service's endpoint.
    assert service_address("https://media.minio.example.com", "media") == service_address("https://minio.example.com")
    assert service_address("https://s3-eu-central-1.amazonaws.com") == service_address(None) == "aws"
    assert service_address("https://s3.eu-central-1.amazonaws.com.") == "aws"
    assert service_address("https://minio.example.com") != service_address("http://minio.example.com")
    assert service_address("http://[::1]:9000") == "[::1]:9000"


NUMBER = st.integers(0, 2**32).flatmap(lambda n: st.sampled_from([str(n), hex(n), f"0{n:o}", f"0{n}"]))


@given(st.lists(NUMBER, min_size=1, max_size=4).map(".".join))
def test_ipv4_forms_are_read_as_the_resolver_reads_them(host):
    """The hand-written reading of inet_aton's forms (the configuration layer imports no socket) agrees with it."""
    try:
        expected = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        expected = None
    assert _legacy_ipv4(host) == expected
