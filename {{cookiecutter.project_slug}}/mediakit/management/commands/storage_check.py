from django.core.management.base import BaseCommand, CommandError

from ...storage.operations.inventory import configured_storages, location_of
from ...storage.operations.probe import probe


class Command(BaseCommand):
    help = (
        "Probe each media storage for real (write, read back, fetch the URL, delete) and print one verdict "
        "per storage. Exits non-zero when one fails: usable as a release step or health check."
    )

    def handle(self, *args, **options):
        probed = set()
        failures = []
        for media in configured_storages():
            if media.place in probed:
                continue  # the same bucket and prefix as a storage already probed
            probed.add(media.place)
            verdict = probe(media.storage, media.variable)
            where = location_of(media.storage)
            if verdict.ok:
                self.stdout.write(self.style.SUCCESS(f"OK    {media.name}, {where}: {verdict.message}"))
            else:
                failures.append(media.name)
                self.stdout.write(self.style.ERROR(f"FAIL  {media.name}, {where}: {verdict.message}"))
        if failures:
            raise CommandError(f"{len(failures)} storage(s) failed: {', '.join(failures)}")
