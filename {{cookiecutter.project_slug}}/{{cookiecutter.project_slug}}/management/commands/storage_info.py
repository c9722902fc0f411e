from django.core.management.base import BaseCommand

from ...mediastorage.inventory import configured_storages
from ...mediastorage.summary import summarize


class Command(BaseCommand):
    help = "Show how each media storage is configured: backend, bucket, endpoint, region, URLs (credentials masked)."

    def handle(self, *args, **options):
        for name, storage, variable in configured_storages():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name} (from {variable})"))
            for label, value in summarize(storage).items():
                self.stdout.write(f"  {label:<12} {value}")
