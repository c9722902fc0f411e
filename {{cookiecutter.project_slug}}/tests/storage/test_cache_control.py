"""Cache-Control on stored files, read over HTTP as browsers and CDNs read it."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from easy_thumbnails.files import get_thumbnailer
{%- if cookiecutter.use_filer and not cookiecutter.private_media %}
from filer import settings as filer_settings
{%- endif %}
from hypothesis import given
from hypothesis import strategies as st

from mediakit.staging import staging_area
from mediakit.storage.configuration import cache_control_setting
from mediakit.storage.configuration.cache_control import WITH_SECONDS, WITHOUT_SECONDS

from ..support.http_client import fetch
from ..support.images import JPEG
from ..support.project import manage
from ..support.staging_helpers import write
from ..support.upload_helpers import admin_upload

pytestmark = pytest.mark.django_db

ORIGINALS = "public, max-age=31536000, immutable"  # originals never reuse a name
THUMBNAILS = "public, max-age=3600, must-revalidate"  # thumbnails are made again under the same name


def header(url: str) -> str | None:
    fetched = fetch(url)
    assert fetched.status == 200, url
    return fetched.headers.get("Cache-Control")


def test_an_upload_and_its_thumbnails_carry_their_headers(s3_server, admin_client):
    original = admin_upload(admin_client, "cat.jpg", JPEG)
    thumbnails = [name for name in s3_server.object_names() if name != original.name]

    assert header(original.url) == ORIGINALS
    assert thumbnails, "the upload made no thumbnail"
    assert {header(f"{s3_server.url}/{s3_server.MEDIA_BUCKET}/{name}") for name in thumbnails} == {THUMBNAILS}
{%- if cookiecutter.private_media or cookiecutter.use_filer %}


def test_private_files_are_private_to_caches(s3_server):
{%- if cookiecutter.private_media %}
    storage = storages["private"]
{%- else %}
    storage = filer_settings.FILER_PRIVATEMEDIA_STORAGE
{%- endif %}
    name = storage.save("contracts/signed.pdf", ContentFile(b"%PDF-1.4"))
    assert header(storage.url(name)) == "private, max-age=31536000, immutable"
{%- endif %}


def test_a_staging_publish_carries_the_header(s3_server, local_dir):
    with staging_area("exports") as area:
        write(area.path, {"report.csv": b"a,b\n"})
    assert header(storages["default"].url(area.published["report.csv"])) == ORIGINALS


def strip_headers(s3_server, key: str, content_type: str) -> None:
    """Make a stored file as the project stored it before it sent Cache-Control (metadata and ACL kept)."""
    s3_server.client().copy_object(
        Bucket=s3_server.MEDIA_BUCKET,
        Key=key,
        CopySource={"Bucket": s3_server.MEDIA_BUCKET, "Key": key},
        MetadataDirective="REPLACE",
        ContentType=content_type,
        ContentDisposition="inline",
        Metadata={"origin": "before"},
        ACL="public-read",
    )


def public_grants(s3_server, key: str) -> list[str]:
    grants = s3_server.client().get_object_acl(Bucket=s3_server.MEDIA_BUCKET, Key=key)["Grants"]
    return [grant["Permission"] for grant in grants if grant["Grantee"].get("URI", "").endswith("/AllUsers")]


def test_set_cache_control_gives_stored_files_their_header_and_keeps_the_rest(s3_server):
    storage = storages["default"]
    original = storage.save("photos/old.jpg", ContentFile(JPEG))
    thumbnail = get_thumbnailer(storage, original).get_thumbnail({"size": (100, 100)})
    for key in (original, thumbnail.name):
        strip_headers(s3_server, key, "image/jpeg")
        assert header(storage.url(key)) is None
    unlisted = "drafts/unlisted.txt"  # stored with no public grant: it must not become public
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=unlisted, Body=b"draft", ACL="private")
    where = f"s3 {s3_server.url} {s3_server.MEDIA_BUCKET}"

    dry = StringIO()
    call_command("set_cache_control", "--dry-run", stdout=dry)
    assert f"{where}: 3 files, 3 to update, 0 already right" in dry.getvalue()
    assert header(storage.url(original)) is None

    output = StringIO()
    call_command("set_cache_control", "--workers", "2", stdout=output)
    assert f"{where}: 3 files, 3 updated, 0 already right" in output.getvalue()
    assert header(storage.url(original)) == ORIGINALS
    assert header(thumbnail.url) == THUMBNAILS
    for key in (original, thumbnail.name):
        stored = s3_server.client().head_object(Bucket=s3_server.MEDIA_BUCKET, Key=key)
        assert (stored["ContentType"], stored["ContentDisposition"]) == ("image/jpeg", "inline")
        assert stored["Metadata"] == {"origin": "before"}
    assert fetch(storage.url(original)).body == JPEG
    assert public_grants(s3_server, original) == ["READ"]  # still public-read
    assert public_grants(s3_server, unlisted) == []  # still the owner's alone

    again = StringIO()
    call_command("set_cache_control", stdout=again)
    assert f"{where}: 3 files, 0 updated, 3 already right" in again.getvalue()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("max-age=1h", "not a list of Cache-Control directives; write them like max-age=3600, must-revalidate"),
        ("max-age=60\r\nX-Injected: 1", "not a list of Cache-Control directives"),
        ("public, max-age=60", "leave out public and private; the project adds private for files behind signed"),
        ("max-age=\u0663\u0666\u0660\u0660", "not a list of Cache-Control directives"),  # Arabic-Indic digits
        ("max-age=60, must-revalidat", "must-revalidat is not a Cache-Control directive; use max-age, s-maxage"),
        ("max-age", "max-age needs a number of seconds, as in max-age=3600"),
        ("immutable=1", "immutable takes no value; write it alone"),
        ("max-age=1, " + "no-cache, " * 500 + "immutable", "longer than 200 characters; give a few directives only"),
    ],
)
def test_a_bad_cache_control_setting_stops_start_up_in_one_line(value, problem):
    result = manage("check", MEDIA_CACHE_CONTROL=value)
    assert result.returncode == 1
    assert f"MEDIA_CACHE_CONTROL: {problem}" in result.stderr
    assert "Traceback" not in result.stderr


DIRECTIVES = st.sampled_from(WITHOUT_SECONDS) | (
    st.builds(
        "{}={}".format,
        st.sampled_from(["max-age", "s-maxage", "stale-while-revalidate", "stale-if-error"]),
        st.integers(0, 9_999_999_999),
    )
)


@given(st.lists(DIRECTIVES, min_size=1, max_size=4), st.sampled_from([",", ", ", " ,  "]))
def test_any_list_of_directives_is_taken_as_written(directives, separator):
    value = separator.join(directives)
    assert cache_control_setting({"X": value}, "X", "max-age=1") == ", ".join(directives)


@given(st.text(min_size=1).filter(lambda text: set(text.strip()) - set("abcdefghijklmnopqrstuvwxyz0123456789=-, ")))
def test_anything_else_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="^X: not a list of Cache-Control directives"):
        cache_control_setting({"X": value}, "X", "max-age=1")


@given(st.from_regex(r"[a-z-]{1,20}", fullmatch=True).filter(lambda name: name not in WITH_SECONDS + WITHOUT_SECONDS))
def test_any_other_word_is_refused_by_name(word):
    with pytest.raises(ImproperlyConfigured, match="^X: "):
        cache_control_setting({"X": f"max-age=60, {word}"}, "X", "max-age=1")


@given(st.text(st.characters(categories=["Nd"]), min_size=1, max_size=5).filter(lambda digits: not digits.isascii()))
def test_digits_other_than_ascii_are_refused(digits):
    with pytest.raises(ImproperlyConfigured, match="^X: not a list of Cache-Control directives"):
        cache_control_setting({"X": f"max-age={digits}"}, "X", "max-age=1")
