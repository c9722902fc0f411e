"""Public and private between a service that grants by bucket policy (SeaweedFS) and one that grants by ACL
(moto behind the strict proxy), both ways: the project's configuration decides, whatever the grants say.

SeaweedFS answers x-amz-acl with 200 and ignores it, and reports only the owner's grant, so a file public
by its bucket policy reads as "private" there; moto keeps and honours ACLs, as AWS does."""

from io import StringIO

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from mediakit.management.commands import set_cache_control
from mediakit.storage.configuration import parse_storage_dsn
from mediakit.storage.operations.cache_headers import Owner

from ..support.http_client import fetch
from ..support.project import manage
from ..support.s3_server import S3Server
from ..support.seaweedfs_server import CLIENT_CONFIG

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
{%- if cookiecutter.use_filer %}
# The README's bucket policy opens filer's public prefixes only: filer_private/ stays private.
PUBLIC_PREFIXES = ("filer_public/", "filer_public_thumbnails/")
PUBLIC, PRIVATE = "filer_public/2026/cat.jpg", "filer_private/2026/contract.pdf"
{%- else %}
PUBLIC_PREFIXES = ("",)  # public media is the whole bucket
PUBLIC = "photos/cat.jpg"
{%- endif %}


def media_copy(*args: str) -> str:
    out = StringIO()
    call_command("media_copy", *args, stdout=out)
    return out.getvalue()


def put(client, bucket: str, name: str, body: bytes, content_type: str = "image/jpeg", **extra) -> None:
    # Not application/octet-stream: SeaweedFS takes it for "unknown" and serves a type guessed from the name
    # instead (moto keeps it as sent).
    client.put_object(Bucket=bucket, Key=name, Body=body, ContentType=content_type, **extra)


def grants_public(server: S3Server, bucket: str, key: str) -> bool:
    grants = server.client().get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(grant["Grantee"].get("URI") == ALL_USERS and grant["Permission"] == "READ" for grant in grants)


def test_seaweedfs_checks_signatures_and_each_keys_rights(seaweedfs):
    """What makes it a real second service: a wrong secret, another bucket than the key's, a tampered or
    expired signed URL are refused; an ACL is accepted and ignored (policy only)."""
    client = seaweedfs.client()
    put(client, "media", "a.txt", b"a", ACL="public-read")
    assert seaweedfs.anonymous_status("media", "a.txt") == 403  # the ACL was ignored
    seaweedfs.open_to_readers("media", "")
    assert seaweedfs.anonymous_status("media", "a.txt") == 200  # the policy decides

    wrong = {**seaweedfs.credentials, "aws_secret_access_key": "not-the-secret"}
    with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
        boto3.client("s3", endpoint_url=seaweedfs.url, config=CLIENT_CONFIG, **wrong).list_objects_v2(Bucket="media")
    limited = seaweedfs.client(limited=True)
    assert [item["Key"] for item in limited.list_objects_v2(Bucket="media")["Contents"]] == ["a.txt"]
    with pytest.raises(ClientError, match="AccessDenied"):
        limited.list_objects_v2(Bucket="private")

    put(client, "private", "b.txt", b"b")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "private", "Key": "b.txt"}, ExpiresIn=60)
    assert fetch(url).status == 200
    assert fetch(url.replace("b.txt", "a.txt")).status == 403  # another key under the same signature
    expired = client.generate_presigned_url("get_object", Params={"Bucket": "private", "Key": "b.txt"}, ExpiresIn=-1)
    assert fetch(expired).status == 403


def test_from_a_policy_service_public_media_stays_public_at_an_acl_service(seaweedfs, s3_server):
    """The source's grants say "private" for every object (SeaweedFS reports only the owner); the copy is
    public where the configuration says so: the old way, by grants, made every public file private."""
    client = seaweedfs.client()
    put(client, "media", PUBLIC, b"cat", CacheControl="max-age=60")
    seaweedfs.open_to_readers("media", *PUBLIC_PREFIXES)
    assert seaweedfs.anonymous_status("media", PUBLIC) == 200
    assert not grants_public(seaweedfs, "media", PUBLIC)  # what grants would have said
{%- if cookiecutter.use_filer %}
    put(client, "media", PRIVATE, b"%PDF")
    assert seaweedfs.anonymous_status("media", PRIVATE) == 403
{%- endif %}

    output = media_copy(seaweedfs.dsn("media"), "default", "--no-input")

    assert "public and private by the configuration: ACL public-read" in output
    assert grants_public(s3_server, "media", PUBLIC)
    assert fetch(f"{s3_server.url}/media/{PUBLIC}").status == 200
    assert s3_server.client().head_object(Bucket="media", Key=PUBLIC)["CacheControl"] == "max-age=60"
{%- if cookiecutter.use_filer %}
    assert not grants_public(s3_server, "media", PRIVATE)
    assert fetch(f"{s3_server.url}/media/{PRIVATE}").status == 403
{%- endif %}


def test_from_an_acl_service_to_a_policy_service_and_back(seaweedfs, s3_server):
    """To SeaweedFS the ACL is sent and ignored (its policy decides, as the README says); back again the
    configuration still decides, so a round trip changes nothing."""
    client = s3_server.client()
    put(client, "media", PUBLIC, b"cat", ACL="public-read")
{%- if cookiecutter.use_filer %}
    put(client, "media", PRIVATE, b"%PDF", ACL="private")
{%- endif %}
    seaweedfs.open_to_readers("media", *PUBLIC_PREFIXES)

    media_copy("default", seaweedfs.dsn("media"))

    assert seaweedfs.anonymous_status("media", PUBLIC) == 200
{%- if cookiecutter.use_filer %}
    assert seaweedfs.anonymous_status("media", PRIVATE) == 403
{%- endif %}
    s3_server.reset()
    media_copy(seaweedfs.dsn("media"), "default")
    assert grants_public(s3_server, "media", PUBLIC)
{%- if cookiecutter.use_filer %}
    assert not grants_public(s3_server, "media", PRIVATE)
{%- endif %}


def test_a_key_limited_to_one_bucket_copies_into_it_streamed(seaweedfs, s3_server):
    put(s3_server.client(), "media", PUBLIC, b"cat", ACL="public-read")

    output = media_copy("default", seaweedfs.dsn("media", limited=True))

    assert "copied 1 file" in output and "streamed" in output
    assert seaweedfs.client().get_object(Bucket="media", Key=PUBLIC)["Body"].read() == b"cat"
    with pytest.raises(Exception, match="access denied|AccessDenied"):
        media_copy("default", seaweedfs.dsn("private", limited=True))


def seaweedfs_storage(seaweedfs, **params: str):
    """A storage of the project's own making on SeaweedFS, as the settings make one from a DSN."""
    config = parse_storage_dsn(seaweedfs.dsn("media", **params), variable="DEFAULT_STORAGE_DSN")
    return storages.create_storage(config.with_cache_control("max-age=60").storages_entry())


def test_the_projects_storage_saves_opens_and_signs_on_seaweedfs(seaweedfs):
    storage = seaweedfs_storage(seaweedfs, qs_auth="true", acl="private")
    big = bytes(range(256)) * 40_000  # 10 MB: above the 8 MB multipart threshold

    name = storage.save("docs/big.bin", ContentFile(big))

    with storage.open(name) as stored:
        assert stored.read() == big
    url = storage.url(name)
    assert fetch(url).body == big
    assert fetch(url.replace("big.bin", "other.bin")).status == 403  # the signature is the key's own
    assert seaweedfs.anonymous_status("media", name) == 403  # private: no policy opens it


@pytest.mark.django_db
def test_set_cache_control_on_seaweedfs_keeps_public_files_public(seaweedfs, monkeypatch):
    """The copy onto itself sends no ACL where the grants name only the owner: the policy still decides."""
    storage = seaweedfs_storage(seaweedfs)
    put(seaweedfs.client(), "media", PUBLIC, b"cat", "image/gif", CacheControl="max-age=1")
    seaweedfs.open_to_readers("media", *PUBLIC_PREFIXES)
    monkeypatch.setattr(set_cache_control, "owners", lambda: [Owner(storage)])

    call_command("set_cache_control", stdout=StringIO())

    head = seaweedfs.client().head_object(Bucket="media", Key=PUBLIC)
    assert head["CacheControl"] == "public, max-age=60"
    assert head["ContentType"] == "image/gif"  # kept, though the name says jpg
    assert seaweedfs.anonymous_status("media", PUBLIC) == 200


def storage_check(seaweedfs) -> tuple[int, str]:
    environ = {"DEFAULT_STORAGE_DSN": seaweedfs.dsn("media")}
{%- if cookiecutter.private_media %}
    environ["PRIVATE_STORAGE_DSN"] = seaweedfs.dsn("private")
{%- endif %}
    result = manage("storage_check", **environ)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


def test_storage_check_on_a_policy_service_asks_for_the_policy_of_the_public_prefixes(seaweedfs):
    """No policy: public files are not readable, and the hint names the policy for the public prefixes only
    (not a bucket-wide one); storage_policy --apply puts it, and then every verdict is OK."""
    returncode, output = storage_check(seaweedfs)
    assert returncode == 1
    assert "FAIL  STORAGES['default']" in output
    assert "the file's URL answered HTTP 403: public files are not readable; a service that honours ACLs" in output
    resources = ", ".join(f"media/{prefix}*" for prefix in PUBLIC_PREFIXES)
    assert f"a policy allowing s3:GetObject under {resources} only (manage.py storage_policy prints it)" in output

    applied = manage("storage_policy", "--apply", DEFAULT_STORAGE_DSN=seaweedfs.dsn("media"))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip().endswith("Applied to bucket media.")

    returncode, output = storage_check(seaweedfs)
    assert returncode == 0, output
    assert "OK    STORAGES['default']" in output and "url fetched" in output
{%- if cookiecutter.use_filer or cookiecutter.private_media %}
    assert ": write, read, url fetched, unsigned url refused, delete" in output  # the private files' verdict
{%- endif %}
    assert seaweedfs.object_names("media") == []
{%- if cookiecutter.use_filer and not cookiecutter.private_media %}


def test_storage_check_fails_when_a_bucket_wide_policy_opens_filers_private_files(seaweedfs):
    seaweedfs.open_to_readers("media", "")

    returncode, output = storage_check(seaweedfs)

    assert returncode == 1
    assert "FAIL  filer private files" in output
    assert "private files are readable by anyone: filer_private/storage-check/probe" in output
    assert "grant public reads only under filer_public/*, filer_public_thumbnails/*" in output
    assert seaweedfs.object_names("media") == []
{%- endif %}
{%- if cookiecutter.private_media %}


def test_storage_check_fails_when_a_policy_opens_the_private_bucket(seaweedfs):
    seaweedfs.open_to_readers("media", *PUBLIC_PREFIXES)
    seaweedfs.open_to_readers("private", "")

    returncode, output = storage_check(seaweedfs)

    assert returncode == 1
    assert "FAIL  STORAGES['private']" in output
    assert "private files are readable by anyone: storage-check/probe" in output
    assert "OK    STORAGES['default']" in output
    assert seaweedfs.object_names("private") == []
{%- endif %}
