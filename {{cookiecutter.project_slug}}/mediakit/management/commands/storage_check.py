from django.core.management.base import BaseCommand, CommandError

from ...storage.access import is_private
from ...storage.operations.inventory import configured_storages, location_of
from ...storage.operations.probe import probe


class Command(BaseCommand):
    help = (
        "Probe each media storage for real (write, read back, fetch the URL, for private files check that the URL "
        "without its signature is refused, delete) and print one verdict per storage. Exits non-zero when one "
        "fails: usable as a release step or health check."
    )

    def handle(self, *args, **options):
        probed = set()
        failed = set()
        failures = []
        for media in configured_storages():
            private = is_private(media.storage, media.probe_prefix)
            if (media.place, private) in probed or media.place in failed:
                continue  # a bucket and prefix probed already, public or private alike, or failing already
            probed.add((media.place, private))
            verdict = probe(media.storage, media.variable, media.probe_prefix, private=private)
            where = location_of(media.storage)
            if verdict.ok:
                self.stdout.write(self.style.SUCCESS(f"OK    {media.name}, {where}: {verdict.message}"))
            else:
                failures.append(media.name)
                failed.add(media.place)
                self.stdout.write(self.style.ERROR(f"FAIL  {media.name}, {where}: {verdict.message}"))
        if failures:
            raise CommandError(f"{len(failures)} storage(s) failed: {', '.join(failures)}")
