"""The collector against a real S3 server, a page of 3 objects at a time: it reports exactly the orphans and sends
no delete; with delete it removes exactly those, aborts the old incomplete upload, drops the rows of files that
are gone, and keeps what is named again or changed since its listing."""

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from easy_thumbnails.models import Source, Thumbnail

from mediakit.cleanup import places
from mediakit.cleanup.collector import Collector

from ..support.s3_requests import s3_requests
from . import seeding

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = 3  # objects per listing page: paging forced


def everything(s3_server) -> set[str]:
    buckets = {storage.bucket_name for storage in places.project_storages() if hasattr(storage, "bucket_name")}
    return {key for bucket in buckets for key in s3_server.object_names(bucket)}


def uploads(s3_server, started_before: datetime | None = None) -> set[str]:
    """The incomplete multipart uploads, or those the server says were started before a time.

    moto says every upload was started on 2010-11-10 (its ListMultipartUploads has the date written in): there,
    the recent upload counts as old. A server that keeps the time (SeaweedFS) tells them apart.
    """
    answer = s3_server.client().list_multipart_uploads(Bucket=s3_server.MEDIA_BUCKET)
    found = answer.get("Uploads", [])
    return {upload["Key"] for upload in found if started_before is None or upload["Initiated"] < started_before}


@pytest.fixture
def seeded(s3_server) -> tuple[dict, datetime]:
    """The seeded bucket, and a moment between its old objects and its young ones (the grace period's end)."""
    old = seeding.seed_old()
    time.sleep(1.1)  # S3 times are whole seconds
    cutoff = datetime.now(UTC).replace(microsecond=0)
    young = seeding.seed_young()
    return {**old, "kept": old["kept"] + young["kept"], "young_uploads": young["uploads"]}, cutoff


def test_the_report_names_exactly_the_orphans_and_deletes_nothing(s3_server, seeded):
    seed, cutoff = seeded
    before = everything(s3_server)
    said = []

    with s3_requests(*places.project_storages()) as sent:
        report = Collector(older_than=cutoff, page_size=PAGE, say=said.append).run()

    assert {line.split()[1] for line in said if line.startswith("orphan ")} == set(seed["orphans"])
    old_uploads = uploads(s3_server, started_before=cutoff)
    assert set(seed["uploads"]) <= old_uploads
    assert {line.split()[2] for line in said if line.startswith("incomplete upload ")} == old_uploads
    assert (report.orphans, report.uploads, report.stale_rows) == (len(seed["orphans"]), len(old_uploads), 1)
    assert [request for request in sent if request.split()[0] not in ("GET", "HEAD")] == []
    assert everything(s3_server) == before


def test_the_deleting_run_removes_exactly_the_orphans(s3_server, seeded):
    seed, cutoff = seeded
    seeding.lookups_cost()  # a page of every image's thumbnails shown once: any missing is made now
    assert seeding.lookups_cost() == 0
    before = everything(s3_server)
    old_uploads = uploads(s3_server, started_before=cutoff)

    report = Collector(older_than=cutoff, delete=True, page_size=PAGE, say=lambda line: None).run()

    assert everything(s3_server) == before - set(seed["orphans"])
    assert set(seed["kept"]) <= everything(s3_server)
    assert uploads(s3_server) == set(seed["uploads"] + seed["young_uploads"]) - old_uploads  # the old ones aborted
    assert (report.deleted, report.aborted, report.stale_rows) == (len(seed["orphans"]), len(old_uploads), 1)
    assert report.failures == {}
    assert not Source.objects.filter(name__in=seed["stale_sources"]).exists()
    assert not Thumbnail.objects.filter(name__contains="gone.jpg").exists()  # rows of the files deleted
    assert seeding.lookups_cost() == 0  # the index of the files kept is whole: a page costs no request


def test_an_orphan_named_again_or_changed_after_the_listing_is_kept(s3_server, seeded, monkeypatch):
    seed, cutoff = seeded
    named_later, changed_later = seed["orphans"][0], seed["orphans"][3]  # two images left behind
    collector = Collector(older_than=cutoff, delete=True, page_size=PAGE, say=lambda line: None)
    listed = places.current

    def meanwhile(space, entries):
        """Between the listing and the delete: a row comes to name one orphan, another is written again."""
        if any(entry.key == named_later for entry in entries):
            seeding.name_in_a_row(named_later)
        if any(entry.key == changed_later for entry in entries):
            s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=changed_later, Body=b"new bytes")
        return listed(space, entries)

    monkeypatch.setattr(places, "current", meanwhile)
    report = collector.run()

    assert {named_later, changed_later} <= everything(s3_server)
    assert report.changed >= 2  # and the thumbnails of the image named again, if listed with it
    named_again = {key for key in seed["orphans"][:3]}  # the image named again, with its thumbnails
    assert everything(s3_server) & set(seed["orphans"]) == named_again | {changed_later}


def test_local_files_are_collected_too(s3_server, tmp_path):
    """The embedded default (media/ on local disk): the same rules, files' times from the disk."""
    storage = FileSystemStorage(location=tmp_path / "media")
    used = seeding.upload("harbour.jpg")[-1]  # the name a row holds (of a file in the S3 storage)
    old, young = time.time() - 3600, time.time()
    for name, when in ((used, old), ("lost/old.bin", old), ("lost/young.bin", young)):
        path = Path(storage.save(name, ContentFile(b"x")))
        os.utime(storage.path(str(path)), (when, when))
    space = places.Space(places.identity_of(storage), [storage])
    cutoff = datetime.fromtimestamp(young - 60, UTC)
    said = []

    report = Collector(older_than=cutoff, delete=True, page_size=PAGE, spaces=[space], say=said.append).run()

    assert said == [line for line in said if "lost/old.bin" in line] and len(said) == 1
    assert (report.orphans, report.deleted) == (1, 1)
    assert storage.exists(used) and storage.exists("lost/young.bin") and not storage.exists("lost/old.bin")


def test_a_versioned_bucket_is_named_in_the_report(s3_server):
    client = s3_server.client()
    client.put_bucket_versioning(Bucket=s3_server.MEDIA_BUCKET, VersioningConfiguration={"Status": "Enabled"})

    report = Collector(older_than=datetime.now(UTC), say=lambda line: None).run()

    assert report.versioned == [f"bucket {s3_server.MEDIA_BUCKET} on {s3_server.url}"]
