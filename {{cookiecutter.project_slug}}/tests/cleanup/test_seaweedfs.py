"""On SeaweedFS, a real S3 server that keeps the time an upload was started (moto writes 2010-11-10 for every
one): the collector aborts the incomplete multipart upload older than the grace period and keeps the recent
one, and deletes the old orphan but not the young."""

import time
from datetime import UTC, datetime

import pytest
from django.core.files.storage import storages

from mediakit.cleanup import places
from mediakit.cleanup.collector import Collector
from mediakit.storage.configuration import parse_storage_dsn

pytestmark = pytest.mark.django_db


def test_old_uploads_and_orphans_go_recent_ones_stay(seaweedfs):
    config = parse_storage_dsn(seaweedfs.dsn(seaweedfs.MEDIA_BUCKET), variable="DEFAULT_STORAGE_DSN")
    storage = storages.create_storage(config.storages_entry())
    client, bucket = seaweedfs.client(), seaweedfs.MEDIA_BUCKET
    client.create_multipart_upload(Bucket=bucket, Key="uploads/abandoned.bin")
    client.put_object(Bucket=bucket, Key="lost/old.bin", Body=b"x")
    time.sleep(1.1)  # S3 times are whole seconds
    cutoff = datetime.now(UTC).replace(microsecond=0)
    client.create_multipart_upload(Bucket=bucket, Key="uploads/recent.bin")
    client.put_object(Bucket=bucket, Key="lost/young.bin", Body=b"x")
    space = places.Space(places.identity_of(storage), [storage])

    report = Collector(older_than=cutoff, delete=True, spaces=[space], say=lambda line: None).run()

    uploads = {upload["Key"] for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}
    assert uploads == {"uploads/recent.bin"}
    assert seaweedfs.object_names() == ["lost/young.bin"]
    assert (report.uploads, report.aborted, report.deleted, report.failures) == (1, 1, 1, {})
