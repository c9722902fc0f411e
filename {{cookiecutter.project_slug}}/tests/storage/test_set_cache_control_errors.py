"""set_cache_control ends in one line, naming the storage and the fix, whatever keeps it from listing the files."""

import tempfile
from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from mediakit.management.commands import set_cache_control
from mediakit.storage.configuration import parse_storage_dsn
from mediakit.storage.operations.cache_headers import Owner

from ..support.project import manage

SECRET = "Sup3rS3cretValue"


def only(monkeypatch, dsn: str) -> None:
    """set_cache_control sees one storage, the DSN's."""
    config = parse_storage_dsn(dsn, variable="DEFAULT_STORAGE_DSN").with_cache_control("max-age=60")
    storage = storages.create_storage(config.storages_entry())
    monkeypatch.setattr(set_cache_control, "owners", lambda: [Owner(storage)])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dsn", "fault", "message"),
    [
        ("{server}missing-bucket", None, "cannot list the files: bucket missing-bucket does not exist at http://"),
        ("{server}media", "InvalidAccessKeyId", "the access key is unknown to the service; check the key in its"),
        ("{dead}media", None, "cannot list the files: the endpoint http://127.0.0.1:9 is unreachable"),
    ],
)
def test_a_storage_that_cannot_be_listed_ends_in_one_line(s3_server, monkeypatch, dsn, fault, message):
    server = s3_server.dsn("BUCKET", secret=SECRET).replace("BUCKET", "{bucket}", 1)
    dead = server.replace(s3_server.url.replace(":", "%3A").replace("/", "%2F"), "http%3A%2F%2F127.0.0.1%3A9")
    bucket = dsn.split("}", 1)[1]
    only(monkeypatch, (server if dsn.startswith("{server}") else dead).format(bucket=bucket))
    if fault:
        s3_server.fail("/media", method="GET", status=403, code=fault, message=f"key {SECRET} unknown")

    with pytest.raises(CommandError) as failure:
        call_command("set_cache_control", stdout=StringIO())

    text = str(failure.value)
    assert message in text
    assert "\n" not in text and SECRET not in text


def test_a_database_not_migrated_ends_in_one_line():
    with tempfile.TemporaryDirectory() as folder:
        result = manage("set_cache_control", DATABASE_URL=f"sqlite:///{folder}/empty.sqlite3")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: cannot read easy-thumbnails' records from the database: run manage.py migrate first "
        "(or check DATABASE_URL)"
    )
