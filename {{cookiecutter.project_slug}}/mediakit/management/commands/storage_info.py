from django.core.management.base import BaseCommand

from ...storage.operations.inventory import configured_storages
from ...storage.operations.summary import summarize


class Command(BaseCommand):
    help = "Show how each media storage is configured: backend, bucket, endpoint, region, URLs (credentials masked)."

    def handle(self, *args, **options):
        for media in configured_storages():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{media.name} (from {media.variable})"))
            for label, value in summarize(media.storage).items():
                self.stdout.write(f"  {label:<12} {value}")
