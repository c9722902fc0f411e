"""manage.py set_cache_control: give files stored before a Cache-Control change the header new files get."""

from concurrent.futures import ThreadPoolExecutor, as_completed

from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...storage.operations.cache_headers import ListingFailed, apply, owners, planned_changes
from ...storage.s3 import mask_credentials

PROGRESS_EVERY = 500  # files between two progress lines


class Command(BaseCommand):
    help = (
        "Give every stored media file the Cache-Control header of its storage (MEDIA_CACHE_CONTROL, "
        "THUMBNAIL_CACHE_CONTROL): a server-side copy onto itself that keeps content type, metadata and ACL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=8, help="files copied at the same time (default 8)")
        parser.add_argument("--dry-run", action="store_true", help="count the files to change, change none")

    def handle(self, *args, workers, dry_run, **options):
        if workers < 1:
            raise CommandError("--workers must be 1 or more")
        failures = 0
        try:
            plan = planned_changes(owners())
        except ListingFailed as failure:
            raise CommandError(str(failure)) from None
        except DatabaseError:
            raise CommandError(
                "cannot read easy-thumbnails' records from the database: run manage.py migrate first "
                "(or check DATABASE_URL)"
            ) from None
        for place, changes in plan.items():
            updated, failed = self._update(changes, workers, dry_run)
            failures += failed
            verb = "to update" if dry_run else "updated"
            self.stdout.write(
                f"{place}: {len(changes)} files, {updated} {verb}, {len(changes) - updated - failed} already right"
                + (f", {failed} failed" if failed else "")
            )
        if failures:
            raise CommandError(f"{failures} file(s) could not be updated (listed above); run the command again")

    def _update(self, changes, workers, dry_run) -> tuple[int, int]:
        updated = failed = done = 0
        with ThreadPoolExecutor(max_workers=workers) as pool:  # boto3 clients are thread-safe
            futures = {pool.submit(apply, change, dry_run=dry_run): change for change in changes}
            for future in as_completed(futures):
                done += 1
                try:
                    updated += future.result()
                except (BotoCoreError, ClientError) as error:
                    failed += 1
                    self.stdout.write(self.style.ERROR(f"  {futures[future].key}: {mask_credentials(str(error))}"))
                if done % PROGRESS_EVERY == 0:
                    self.stdout.write(f"  {done}/{len(changes)} files checked")
        return updated, failed
