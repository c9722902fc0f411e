from django.core.management.base import BaseCommand, CommandError

from ...mediastorage.inventory import configured_storages, describe, place
from ...mediastorage.probe import probe


class Command(BaseCommand):
    help = (
        "Probe each media storage for real (write, read back, fetch the URL, delete) and print one verdict "
        "per storage. Exits non-zero when one fails: usable as a release step or health check."
    )

    def handle(self, *args, **options):
        probed = set()
        failures = []
        for name, storage, variable in configured_storages():
            if place(storage) in probed:
                continue  # the same bucket and prefix as a storage already probed
            probed.add(place(storage))
            verdict = probe(storage, variable)
            if verdict.ok:
                self.stdout.write(self.style.SUCCESS(f"OK    {name}, {describe(storage)}: {verdict.message}"))
            else:
                failures.append(name)
                self.stdout.write(self.style.ERROR(f"FAIL  {name}, {describe(storage)}: {verdict.message}"))
        if failures:
            raise CommandError(f"{len(failures)} storage(s) failed: {', '.join(failures)}")
