from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError

from ...storage import s3
from ...storage.access import is_private
from ...storage.operations.inventory import configured_storages, location_of
from ...storage.operations.probe import probe
from ...uploads import cors


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
                refusal = preflight_refusal(media.storage)
                if refusal:
                    self.stdout.write(self.style.WARNING(f"WARN  {media.name}, {where}: {refusal}"))
            else:
                failures.append(media.name)
                failed.add(media.place)
                self.stdout.write(self.style.ERROR(f"FAIL  {media.name}, {where}: {verdict.message}"))
        if failures:
            raise CommandError(f"{len(failures)} storage(s) failed: {', '.join(failures)}")


def preflight_refusal(storage) -> str | None:
    """One line when browsers on the site's hosts could not send direct uploads to this bucket (CORS)."""
    origins = cors.site_origins()
    if not s3.is_s3(storage) or not origins:
        return None
    try:
        refused = cors.refused_origins(cors.current_rules(s3.client(storage), storage.bucket_name), origins)
    except (ClientError, BotoCoreError) as error:
        return f"could not read the bucket's CORS rules ({s3.masked_reason(error, s3.secrets(storage))})"
    if refused:
        return f"a browser's preflight from {', '.join(refused)} would be refused: run manage.py upload_cors --apply"
    return None
