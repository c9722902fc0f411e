"""manage.py media_copy: between two S3 servers, within one (server-side), to and from local folders,
resumed after an interruption, refused onto itself; headers, metadata and ACLs kept."""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from urllib.parse import quote

import boto3
import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import CommandError, call_command
from easy_thumbnails.models import Source, Thumbnail
from hypothesis import given, settings
from hypothesis import strategies as st

from mediakit.copy import CopyRefused, open_side, plan_copy, run_copy
from mediakit.copy.sides import check_apart
from mediakit.management.commands.media_copy import files

from ..support.http_client import fetch
from ..support.images import image_bytes
from ..support.project import PROJECT, project_environ
from ..support.s3_server import CREDENTIALS, S3Server
{%- if cookiecutter.use_filer %}
from ..support.upload_helpers import filer_image_without_thumbnails
{%- else %}
from ..support.upload_helpers import photos_without_thumbnails
{%- endif %}

MB = 1024 * 1024
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
# A document stored with a private ACL in the public media bucket: the project's configuration, not its
# grants, says whether its copies are public.
{%- if cookiecutter.use_filer %}
DOCUMENT, DOCUMENT_PUBLIC = "filer_private/contract.pdf", False  # filer's private prefix: private everywhere
{%- else %}
DOCUMENT, DOCUMENT_PUBLIC = "docs/contract.pdf", True  # public media: public, as the configuration says
{%- endif %}


@pytest.fixture(scope="module")
def other_server():
    """A second S3 server: another endpoint, so copies to it are streamed."""
    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture
def other(other_server) -> S3Server:
    other_server.reset()
    return other_server


def put_samples(server: S3Server, bucket: str = S3Server.MEDIA_BUCKET) -> dict[str, bytes]:
    """A public image with headers and metadata, a private document, a file in nested folders."""
    client = server.client()
    client.put_object(
        Bucket=bucket,
        Key="photos/cat.jpg",
        Body=b"cat",
        ACL="public-read",
        ContentType="image/jpeg",
        CacheControl="max-age=31536000",
        Metadata={"photographer": "ada"},
    )
    client.put_object(Bucket=bucket, Key=DOCUMENT, Body=b"%PDF", ACL="private", ContentType="application/pdf")
    client.put_object(Bucket=bucket, Key="a/b/c/notes.txt", Body=b"notes", ACL="public-read", ContentType="text/plain")
    return {"photos/cat.jpg": b"cat", DOCUMENT: b"%PDF", "a/b/c/notes.txt": b"notes"}


def contents(server: S3Server, bucket: str = S3Server.MEDIA_BUCKET) -> dict[str, bytes]:
    client = server.client()
    return {name: client.get_object(Bucket=bucket, Key=name)["Body"].read() for name in server.object_names(bucket)}


def is_public(server: S3Server, bucket: str, key: str) -> bool:
    grants = server.client().get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(grant["Grantee"].get("URI") == ALL_USERS and grant["Permission"] == "READ" for grant in grants)


def media_copy(*args: str) -> str:
    out = StringIO()
    call_command("media_copy", *args, stdout=out)
    return out.getvalue()


def assert_kept(server: S3Server, bucket: str) -> None:
    """What put_samples() stored, with its headers, metadata and ACLs (and anonymous GETs to match)."""
    client = server.client()
    cat = client.head_object(Bucket=bucket, Key="photos/cat.jpg")
    assert cat["ContentType"] == "image/jpeg"
    assert cat["CacheControl"] == "max-age=31536000"
    assert cat["Metadata"] == {"photographer": "ada"}
    assert client.head_object(Bucket=bucket, Key=DOCUMENT)["ContentType"] == "application/pdf"
    assert is_public(server, bucket, "photos/cat.jpg")
    assert is_public(server, bucket, DOCUMENT) == DOCUMENT_PUBLIC
    assert fetch(f"{server.url}/{bucket}/photos/cat.jpg").status == 200
    assert fetch(f"{server.url}/{bucket}/{DOCUMENT}").status == (200 if DOCUMENT_PUBLIC else 403)  # anonymous


def test_between_two_servers_streamed_keeping_headers_metadata_and_acls(s3_server, other):
    samples = put_samples(s3_server)

    output = media_copy("default", other.dsn(other.MEDIA_BUCKET))

    assert contents(other) == samples
    assert_kept(other, other.MEDIA_BUCKET)
    assert output.startswith(
        "media_copy: copied 3 files (0.0 MB, streamed), skipped 0 already there (0.0 MB), 0 failed"
    )
    assert "\r[" not in output  # no progress bar when the output is not a terminal
    again = media_copy("default", other.dsn(other.MEDIA_BUCKET))
    assert again.startswith("media_copy: copied 0 files (0.0 MB, streamed), skipped 3 already there")


class Terminal(StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_on_a_terminal(s3_server, other):
    put_samples(s3_server)
    out = Terminal()

    call_command("media_copy", "default", other.dsn(other.MEDIA_BUCKET), stdout=out)

    bar, summary = out.getvalue().rsplit("\n", 3)[:2]  # then the line on public and private
    assert bar.endswith("[##############################] 3/3 files, 0.0 MB, 0 failed")
    assert summary.startswith("media_copy: copied 3 files")


def test_within_one_server_copies_server_side(s3_server):
    s3_server.client().create_bucket(Bucket="test-site")
    samples = put_samples(s3_server)
    plan = plan_copy(open_side("SOURCE", "default"), open_side("DESTINATION", s3_server.dsn("test-site")))

    result = run_copy(plan)

    assert result.server_side and result.copied == 3 and not result.failures
    assert contents(s3_server, "test-site") == samples
    assert_kept(s3_server, "test-site")
    source, copy = s3_server.client().head_object, s3_server.client().head_object
    assert (
        source(Bucket="media", Key="photos/cat.jpg")["ETag"] == copy(Bucket="test-site", Key="photos/cat.jpg")["ETag"]
    )


{%- if cookiecutter.private_media %}


def test_the_private_storage_by_its_name_stays_private(s3_server, other):
    s3_server.client().put_object(Bucket="private", Key="invoices/1.pdf", Body=b"%PDF", ACL="private")

    media_copy("private", other.dsn(other.MEDIA_BUCKET))

    assert not is_public(other, other.MEDIA_BUCKET, "invoices/1.pdf")
    assert fetch(f"{other.url}/media/invoices/1.pdf").status == 403
{%- endif %}


@pytest.fixture(scope="module")
def two_keys():
    """An S3 server that checks credentials and policies, with two keys: "live" may use every bucket,
    "test" only the bucket media (as two environments' keys on one service)."""
    with pytest.MonkeyPatch.context() as patch:
{%- if cookiecutter.private_media %}
        patch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "8")  # two buckets, then two users with a key each
{%- else %}
        patch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "7")  # the bucket, then two users with a key each
{%- endif %}
        server = S3Server.start()
    iam = boto3.client("iam", endpoint_url=server.url, **CREDENTIALS)

    def key(user: str, resources: list[str]) -> dict:
        iam.create_user(UserName=user)
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": resources}]}
        iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps(policy))
        made = iam.create_access_key(UserName=user)["AccessKey"]
        return {"key": made["AccessKeyId"], "secret": made["SecretAccessKey"]}

    keys = {"live": key("live", ["*"]), "test": key("test", ["arn:aws:s3:::media", "arn:aws:s3:::media/*"])}
    server.credentials = {**CREDENTIALS, "aws_access_key_id": keys["live"]["key"]}
    server.credentials["aws_secret_access_key"] = keys["live"]["secret"]
    server.client().create_bucket(Bucket="live-site")
    yield server, keys
    server.stop()


@pytest.mark.parametrize("key", ["live", "test"])
def test_server_side_only_where_the_destinations_key_may_read_the_source(two_keys, key):
    """One service, two keys: with a key that may read the source, the service copies; with one that may not
    (another environment's), the copy is streamed, with the same result."""
    server, keys = two_keys
    for name in server.object_names("media"):
        server.client().delete_object(Bucket="media", Key=name)
    samples = put_samples(server, "live-site")
    sides = (
        open_side("SOURCE", server.dsn("live-site", **keys["live"])),
        open_side("DESTINATION", server.dsn("media", **keys[key])),
    )

    result = run_copy(plan_copy(*sides))

    assert result.server_side == (key == "live")
    assert result.copied == 3 and not result.failures
    assert contents(server, "media") == samples
    assert server.client().head_object(Bucket="media", Key="photos/cat.jpg")["Metadata"] == {"photographer": "ada"}
    assert is_public(server, "media", "photos/cat.jpg") and is_public(server, "media", DOCUMENT) == DOCUMENT_PUBLIC


@pytest.mark.parametrize("way", ["server-side", "streamed"])
def test_multipart_path_through_a_lowered_threshold(s3_server, other, way):
    """Above the threshold the copy goes in parts (CopyObject stops at 5 GB; here 5 MB), headers and all;
    its ETag is then not the source's, and the marker it writes lets the next run skip it."""
    big = os.urandom(11 * MB)
    big_name = DOCUMENT.replace("contract.pdf", "big.mp4")  # stored private, beside the document
    s3_server.client().put_object(
        Bucket="media", Key=big_name, Body=big, ContentType="video/mp4", Metadata={"take": "2"}, ACL="private"
    )
    if way == "server-side":
        s3_server.client().create_bucket(Bucket="test-site")
        server, bucket, parts = s3_server, "test-site", 3  # 5 MB parts
    else:
        server, bucket, parts = other, other.MEDIA_BUCKET, 2  # the storage's own multipart settings: 8 MB parts
    sides = open_side("SOURCE", "default"), open_side("DESTINATION", server.dsn(bucket))

    result = run_copy(plan_copy(*sides), copy_threshold=5 * MB)

    assert result.copied == 1 and not result.failures and result.server_side == (way == "server-side")
    head = server.client().head_object(Bucket=bucket, Key=big_name)
    assert head["ETag"].endswith(f'-{parts}"')  # the multipart path was taken
    assert head["ContentType"] == "video/mp4"
    assert head["Metadata"]["take"] == "2"
    assert is_public(server, bucket, big_name) == DOCUMENT_PUBLIC
    assert contents(server, bucket)[big_name] == big
    again = run_copy(plan_copy(*sides), copy_threshold=5 * MB)
    assert (again.copied, again.skipped) == (0, 1)


def test_local_folder_to_s3_and_back(s3_server, tmp_path):
    source = tmp_path / "source"
    files = {"photos/dog.png": b"\x89PNG dog", "docs/a b/read me.txt": b"hello", "top.css": b"body{}"}
    for name, content in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(content)

    up = media_copy(f"file://{source}/", "default")
    down = media_copy("default", f"file://{tmp_path}/back/")

    assert contents(s3_server) == files
    assert s3_server.client().head_object(Bucket="media", Key="photos/dog.png")["ContentType"] == "image/png"
    back = tmp_path / "back"
    assert {
        path.relative_to(back).as_posix(): path.read_bytes() for path in back.rglob("*") if path.is_file()
    } == files
    assert "copied 3 files" in up and "copied 3 files" in down
    assert "copied 0 files" in media_copy(f"file://{source}/", "default")
    assert "copied 0 files" in media_copy("default", f"file://{tmp_path}/back/")
    (source / "top.css").write_bytes(b"body{color:red}")  # changed: copied again, alone
    assert "copied 1 file (" in media_copy(f"file://{source}/", "default")


@pytest.mark.django_db
def test_the_databases_references_hold_in_the_copy(s3_server, tmp_path):
    """Every file the database names (the original, easy-thumbnails' sources and thumbnails) is in the copy
    under the same name, with the same bytes: a project pointed at the copy, with the database copied too,
    finds them all."""
{%- if cookiecutter.use_filer %}
    names = {filer_image_without_thumbnails("cat.jpg", image_bytes("JPEG", (64, 48))).file.name}
{%- else %}
    names = {photo.image.name for photo in photos_without_thumbnails({"cat.jpg": image_bytes("JPEG", (64, 48))})}
{%- endif %}
    call_command("warm_thumbnails", processes=1, stdout=StringIO())
    names |= set(Source.objects.values_list("name", flat=True)) | set(Thumbnail.objects.values_list("name", flat=True))
    assert len(names) > 2  # the original and its thumbnails

    media_copy("default", f"file://{tmp_path}/copy/")

    copy = FileSystemStorage(location=tmp_path / "copy")
    for name in names:
        with storages["default"].open(name) as stored, copy.open(name) as copied:
            assert copied.read() == stored.read(), name


def test_prefix_dry_run_and_delete(s3_server, other):
    put_samples(s3_server)
    other.client().put_object(Bucket="media", Key="photos/old.jpg", Body=b"old")
    other.client().put_object(Bucket="media", Key="elsewhere/keep.txt", Body=b"keep")
    destination = other.dsn(other.MEDIA_BUCKET)

    dry = media_copy("default", destination, "--prefix", "photos", "--delete", "--dry-run")
    assert dry.startswith("media_copy: would copy 1 file (0.0 MB, streamed), would skip 0 already there")
    assert ", would delete 1, " in dry
    assert sorted(other.object_names()) == ["elsewhere/keep.txt", "photos/old.jpg"]  # nothing changed

    output = media_copy("default", destination, "--prefix", "photos/", "--delete", "--no-input")
    assert ", deleted 1, " in output
    assert sorted(other.object_names()) == ["elsewhere/keep.txt", "photos/cat.jpg"]  # outside the prefix: kept


def test_delete_asks_first(s3_server, other, monkeypatch):
    put_samples(s3_server)
    other.client().put_object(Bucket="media", Key="stale.txt", Body=b"old")
    monkeypatch.setattr("builtins.input", lambda question: "no")

    with pytest.raises(CommandError, match="Cancelled: nothing was copied or deleted."):
        media_copy("default", other.dsn(other.MEDIA_BUCKET), "--delete")

    assert other.object_names() == ["stale.txt"]


SECRET = "Sup3rS3cretValue"


@pytest.mark.parametrize(
    ("source", "destination", "message"),
    [
        (
            "default",
            "default",
            "SOURCE (DEFAULT_STORAGE_DSN) and DESTINATION (DEFAULT_STORAGE_DSN) are the same storage",
        ),
        ("default", "{media}sub", "SOURCE (DEFAULT_STORAGE_DSN) and DESTINATION (DESTINATION) overlap"),
        ("{media}a/b", "{media}a", "SOURCE (SOURCE) and DESTINATION (DESTINATION) overlap"),
        ("default", "s3//KEY:{secret}@media", "DESTINATION is neither a storage of this project"),
        ("default", "COPY_TARGET_DSN", "DESTINATION: the environment variable COPY_TARGET_DSN is not set"),
        ("s3://KEY:{secret}@/", "default", "SOURCE: no bucket name."),
        (
            "default",
            "s3://KEY:{secret}@missing-bucket/?endpoint_url={url}",
            "DESTINATION (DESTINATION): cannot list bucket 'missing-bucket' at http://127.0.0.1:",
        ),
        (
            "s3://KEY:{secret}@media/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9",
            "default",
            "SOURCE (SOURCE): cannot list bucket 'media' at http://127.0.0.1:9: the endpoint http://127.0.0.1:9 is "
            "unreachable",
        ),
        ("file:///no/such/folder/", "default", "SOURCE (SOURCE): the folder /no/such/folder does not exist"),
    ],
)
def test_refused_in_one_line_without_the_secret(s3_server, source, destination, message):
    media = f"s3://KEY:{SECRET}@media/?endpoint_url={s3_server.url}".replace("/?", "/{path}?")

    def spelled(argument: str) -> str:
        if argument.startswith("{media}"):
            return media.format(path=argument.removeprefix("{media}"))
        return argument.format(secret=SECRET, url=quote(s3_server.url, safe=""))

    with pytest.raises(CommandError) as refused:
        media_copy(spelled(source), spelled(destination))

    text = str(refused.value)
    assert message in text
    assert "\n" not in text and SECRET not in text


FOLDERS = st.lists(st.sampled_from(["a", "b", "ab", "a b", "média"]), max_size=3)


@settings(deadline=None)  # a busy machine must not fail it
@given(
    source=FOLDERS,
    destination=FOLDERS,
    prefix=FOLDERS,
    places=st.sampled_from([("media", "media"), ("media", "other")]),
    scheme=st.sampled_from(["s3", "file"]),
)
def test_refused_exactly_when_one_side_holds_the_other(source, destination, prefix, places, scheme):
    """Any two prefixes of one bucket, or folders under one folder: refused when one holds the other (whole
    folders: "a" does not hold "ab"), with --prefix taken into account; allowed otherwise."""

    def side(role: str, place: str, folders: list[str]):
        path = "/".join(quote(folder) for folder in folders)
        if scheme == "file":
            return open_side(role, f"file:///srv/{place}/{path}")
        return open_side(role, f"s3://KEY:SECRET@{place}/{path}?endpoint_url=http%3A%2F%2F127.0.0.1%3A9")

    sides = side("SOURCE", places[0], source), side("DESTINATION", places[1], destination)
    one, other = source + prefix, destination + prefix
    overlapping = places[0] == places[1] and (one[: len(other)] == other or other[: len(one)] == one)
    try:
        check_apart(*sides, "/".join(prefix))
    except CopyRefused as refusal:
        assert overlapping, str(refusal)
        assert "SECRET" not in str(refusal)
    else:
        assert not overlapping


def test_a_refusal_from_the_command_line_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), "media_copy", f"file://{tmp_path}/", f"file://{tmp_path}/x/"],
        cwd=tmp_path,
        env=project_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: SOURCE (SOURCE) and DESTINATION (DESTINATION) overlap")
    assert "Traceback" not in result.stderr


def run_command(*args: str, **environ: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(PROJECT / "manage.py"), "media_copy", *args],
        env=project_environ(**environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def local_files(folder, stem: str, count: int) -> None:
    """Files named after the test: a request another test left in flight can never pass for one of them."""
    folder.mkdir()
    for number in range(count):
        (folder / f"{stem}-{number:03}.txt").write_bytes(f"file {number}".encode())


def stored(server: S3Server, stem: str) -> list[str]:
    return [name for name in server.object_names() if name.startswith(f"{stem}-")]


def test_a_killed_run_resumes_where_it_stopped(faulty, tmp_path):
    """The copying process is killed half-way: the next run copies only the rest, and aborts the
    multipart upload an interrupted run left unfinished."""
    local_files(tmp_path / "source", "killed", 30)
    faulty.slow_down("/media/", 0.1)  # PUTs take a while: the kill comes half-way
    source, destination = f"file://{tmp_path}/source/", faulty.dsn(faulty.MEDIA_BUCKET)

    process = run_command(source, destination, "--workers", "2")
    deadline = time.monotonic() + 60
    while len(stored(faulty, "killed")) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    time.sleep(0.5)  # the PUTs the server was holding when the process died are stored meanwhile
    before = len(stored(faulty, "killed"))
    assert 10 <= before < 30
    # What a run killed during a large file's upload leaves behind (parts the bucket keeps, and bills).
    faulty.client().create_multipart_upload(Bucket="media", Key="killed-029.txt")

    finished = run_command(source, destination)
    output, errors = finished.communicate(timeout=120)

    assert finished.returncode == 0, errors
    assert f"copied {files(30 - before)} (" in output and f"skipped {before} already there" in output
    assert len(stored(faulty, "killed")) == 30
    assert "aborted 1 unfinished uploads" in output
    assert faulty.client().list_multipart_uploads(Bucket="media").get("Uploads", []) == []


def test_ctrl_c_ends_in_one_line(faulty, tmp_path):
    local_files(tmp_path / "source", "interrupted", 30)
    faulty.slow_down("/media/", 0.1)
    process = run_command(f"file://{tmp_path}/source/", faulty.dsn(faulty.MEDIA_BUCKET), "--workers", "2")
    deadline = time.monotonic() + 60
    while len(stored(faulty, "interrupted")) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)

    process.send_signal(signal.SIGINT)
    output, errors = process.communicate(timeout=60)

    assert process.returncode == 1
    last_line = errors.splitlines()[-1]
    assert last_line == "CommandError: Interrupted: what was copied is kept; run the same command again to resume."
    assert "Traceback" not in errors
    assert len(stored(faulty, "interrupted")) < 30


def test_ctrl_c_during_a_multipart_upload_aborts_it(faulty, tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "big.bin").write_bytes(os.urandom(20 * MB))  # three 8 MB parts
    faulty.slow_down("/media/big.bin", 0.5)
    process = run_command(f"file://{tmp_path}/source/", faulty.dsn(faulty.MEDIA_BUCKET))
    deadline = time.monotonic() + 60
    while not faulty.client().list_multipart_uploads(Bucket="media").get("Uploads") and time.monotonic() < deadline:
        time.sleep(0.02)

    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)

    assert process.returncode == 1
    assert faulty.client().list_multipart_uploads(Bucket="media").get("Uploads", []) == []
    assert faulty.object_names() == []


def test_a_server_down_mid_copy_fails_listing_each_file_then_a_second_run_finishes(faulty, tmp_path):
    local_files(tmp_path / "source", "down", 20)
    faulty.outage_after(8, path=r"^/media/down-\d{3}\.txt$")
    source, destination = f"file://{tmp_path}/source/", faulty.dsn(faulty.MEDIA_BUCKET, key="KEY", secret=SECRET)

    failed = run_command(source, destination, "--workers", "2")
    output, errors = failed.communicate(timeout=180)

    assert failed.returncode == 1
    faulty.recover()
    before = len(stored(faulty, "down"))
    assert 8 <= before < 20
    listed = [line.split(": ")[0] for line in errors.splitlines() if "(ServiceUnavailable)" in line]
    assert sorted(listed) == sorted({f"down-{number:03}.txt" for number in range(20)} - set(stored(faulty, "down")))
    assert errors.endswith(f"CommandError: {files(20 - before)} failed (listed above); run again to retry them.\n")
    assert "Traceback" not in errors and SECRET not in output + errors

    finished = run_command(source, destination)
    output, errors = finished.communicate(timeout=120)
    assert finished.returncode == 0, errors
    assert f"copied {files(20 - before)} (" in output and f"skipped {before} already there" in output
