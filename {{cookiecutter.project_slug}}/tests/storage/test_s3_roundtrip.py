"""The configured media storage against a real S3 server over HTTP (moto, separate process)."""

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from ..support.http_client import fetch


def test_round_trip_through_the_default_storage(s3_server):
    storage = storages["default"]
    name = storage.save("reports/2026/résumé.txt", ContentFile(b"hello from the media storage"))

    assert s3_server.object_names() == [name]
    assert storage.exists(name)
    with storage.open(name) as stored:
        assert stored.read() == b"hello from the media storage"
    assert storage.size(name) == 28
    assert storage.url(name).startswith(s3_server.url + "/media/")
    assert fetch(storage.url(name)).body == b"hello from the media storage"

    storage.delete(name)
    assert not storage.exists(name)
    assert s3_server.object_names() == []


def test_uploads_never_overwrite_each_other(s3_server):
    storage = storages["default"]
    first = storage.save("photo.jpg", ContentFile(b"first"))
    second = storage.save("photo.jpg", ContentFile(b"second"))

    assert first != second
    assert sorted(s3_server.object_names()) == sorted([first, second])
    assert fetch(storage.url(first)).body == b"first"


def test_objects_are_public_read(s3_server):
    name = storages["default"].save("public.txt", ContentFile(b"x"))
    grants = s3_server.client().get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key=name)["Grants"]
    everyone = "http://acs.amazonaws.com/groups/global/AllUsers"
    assert any(grant["Grantee"].get("URI") == everyone and grant["Permission"] == "READ" for grant in grants)
{%- if cookiecutter.private_media %}


def test_private_storage_signs_and_keeps_files_private(s3_server):
    storage = storages["private"]
    name = storage.save("invoices/42.pdf", ContentFile(b"%PDF-1.4 private"))

    assert s3_server.object_names(s3_server.PRIVATE_BUCKET) == [name]
    url = storage.url(name)
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert "Expires=" in url or "X-Amz-Expires=" in url
    assert fetch(url).body == b"%PDF-1.4 private"
    grants = s3_server.client().get_object_acl(Bucket=s3_server.PRIVATE_BUCKET, Key=name)["Grants"]
    assert all(grant["Grantee"].get("URI") is None for grant in grants)
{%- endif %}
