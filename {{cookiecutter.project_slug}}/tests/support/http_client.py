"""HTTP from the tests: fetching a URL as anyone would, and a logged-in admin session against a server
running with DEBUG off."""

from typing import NamedTuple

import requests
from requests.structures import CaseInsensitiveDict

from .django_server import ADMIN_USER


class Fetched(NamedTuple):
    status: int
    body: bytes
    headers: CaseInsensitiveDict


def fetch(url: str) -> Fetched:
    """GET the URL anonymously, following redirects; an error status is returned, not raised."""
    response = requests.get(url, timeout=10)
    return Fetched(response.status_code, response.content, response.headers)


class AdminSession(requests.Session):
    """Requests as if through the platform's HTTPS proxy (X-Forwarded-Proto), logged into the admin."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url
        origin = base_url.replace("http://", "https://")
        self.headers.update({"X-Forwarded-Proto": "https", "Origin": origin, "Referer": f"{origin}/"})
        self.get("/admin/login/").raise_for_status()
        response = self.post(
            "/admin/login/",
            data={**ADMIN_USER, "csrfmiddlewaretoken": self.csrf_token, "next": "/admin/"},
            allow_redirects=False,
        )
        assert response.status_code == 302 and response.headers["Location"] == "/admin/", response.text[:500]

    @property
    def csrf_token(self) -> str:
        return self.cookies["csrftoken"]

    def request(self, method, url, *args, headers=None, **kwargs):
        # The site's cookies are Secure; the jar would hold them back from plain http://127.0.0.1.
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        headers = {**(headers or {}), **({"Cookie": cookies} if cookies else {})}
        url = self.base_url + url if url.startswith("/") else url
        return super().request(method, url, *args, headers=headers, **kwargs)
