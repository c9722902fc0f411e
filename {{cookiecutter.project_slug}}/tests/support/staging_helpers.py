"""What the staging tests share: the credentials they use, files to publish, and ways to look in a bucket."""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from storages.backends.s3 import S3Storage

from mediakit.storage.configuration import parse_storage_dsn

from .s3_server import FaultyS3Server

ACCESS_KEY = "AKIASTAGINGTEST"
SECRET = "Sup3rS3cretStagingValue"


def write(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def s3_storage(**options) -> S3Storage:
    """A storage configured like the default one, with some options changed."""
    return S3Storage(**{**settings.STORAGES["default"]["OPTIONS"], **options})


def head(server, key: str) -> dict:
    return server.client().head_object(Bucket=server.MEDIA_BUCKET, Key=key)


def read(storage, name: str) -> bytes:
    with storage.open(name) as stored:
        return stored.read()


def body(server, key: str) -> bytes:
    return server.client().get_object(Bucket=server.MEDIA_BUCKET, Key=key)["Body"].read()


def leftovers(local_dir: Path) -> list[Path]:
    """Whatever is left in the folder staging areas are made in, whatever its name."""
    return list(local_dir.iterdir())


def storage_on(server: FaultyS3Server) -> S3Storage:
    """The media storage exactly as settings build it from a DSN, pointed at this server."""
    dsn = f"s3://{ACCESS_KEY}:{SECRET}@{server.MEDIA_BUCKET}/?endpoint_url={quote(server.url, safe='')}"
    return S3Storage(**parse_storage_dsn(dsn).storages_entry()["OPTIONS"])


FILES = {
    "report.txt": b"plain text",
    "data.json": b'{"a": 1}',
    "no-extension": b"\x00\x01binary",
    "empty.txt": b"",
    "tables/2026/sales.csv.gz": b"\x1f\x8b not really gzip",
    "résumé/naïve café.txt": "unicode names ✓".encode(),
}
