"""Direct uploads as a browser makes them, without a browser: the site's steps through Django's test client,
the parts PUT to the presigned URLs over HTTP."""

import json

import requests
from django.contrib.auth.models import Permission, User

from mediakit.uploads import tokens
from mediakit.uploads.protocol import DEFAULT_MAX_SIZE, field_label

CORS_RULES = {
    "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]
}


def editor(username: str = "editor", *models) -> User:
    """A staff user allowed to add and change these models (none: no permission at all)."""
    user = User.objects.create_user(username, password="a-test-only-password-1234", is_staff=True)
    for model in models:
        codenames = [f"add_{model._meta.model_name}", f"change_{model._meta.model_name}"]
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # permissions are cached per instance


def ticket(field, max_size: int = DEFAULT_MAX_SIZE) -> str:
    return tokens.ticket(field_label(field), max_size)


def step(client, name: str, /, **data):
    """POST one step; (status, JSON answer)."""
    response = client.post(f"/uploads/{name}/", json.dumps(data), content_type="application/json")
    return response.status_code, response.json()


def put_parts(client, started: dict, content: bytes, numbers=None) -> list[requests.Response]:
    """PUT the file's parts (all, or these numbers) to the URLs the site signs, as the browser does."""
    count, size = started["parts"], started["part_size"]
    numbers = list(numbers or range(1, count + 1))
    status, signed = step(client, "sign", token=started["token"], parts=numbers)
    assert status == 200, signed
    return [
        requests.put(signed["urls"][str(number)], data=content[(number - 1) * size : number * size], timeout=60)
        for number in numbers
    ]


def upload(client, field, name: str, content: bytes) -> tuple[int, dict]:
    """The whole protocol: start, parts, complete; (status, JSON answer) of the completion."""
    status, started = step(client, "start", ticket=ticket(field), name=name, size=len(content))
    assert status == 200, started
    for response in put_parts(client, started, content):
        assert response.status_code == 200, response.text
    return step(client, "complete", token=started["token"])


def upload_over_http(session, ticket: str, name: str, content: bytes, urls: dict | None = None) -> dict:
    """The whole protocol against a running site (a logged-in requests session), as direct-upload.js runs it:
    the completion's answer."""

    def step(url: str, **data) -> dict:
        response = session.post(url, json=data, headers={"X-CSRFToken": session.csrf_token})
        assert response.status_code == 200, response.text[:500]
        return response.json()

    urls = urls or {name: f"/uploads/{name}/" for name in ("start", "sign", "complete")}
    started = step(urls["start"], ticket=ticket, name=name, size=len(content))
    size, numbers = started["part_size"], list(range(1, started["parts"] + 1))
    signed = step(urls["sign"], token=started["token"], parts=numbers)["urls"]
    for number in numbers:
        part = content[(number - 1) * size : number * size]
        requests.put(signed[str(number)], data=part, timeout=60).raise_for_status()
    return step(urls["complete"], token=started["token"])
