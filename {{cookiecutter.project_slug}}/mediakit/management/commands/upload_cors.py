import json

from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError

from ...storage import s3
from ...storage.operations.inventory import configured_storages, location_of
from ...uploads import cors


class Command(BaseCommand):
    help = (
        "Show the CORS rules each media bucket needs for direct uploads from the site's hosts (DOMAIN, "
        "DOMAIN_ALIASES), check them (--check: exit non-zero if a browser would be refused), or apply them (--apply)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--check", action="store_true", help="exit non-zero when a bucket refuses a site origin")
        action.add_argument("--apply", action="store_true", help="add (or replace) the project's rule in each bucket")

    def handle(self, *args, check=False, apply=False, **options):
        origins = cors.site_origins()
        if not origins:
            raise CommandError("No site host to allow: set DOMAIN (and DOMAIN_ALIASES) or ALLOWED_HOSTS.")
        wanted = cors.wanted_rule(origins)
        refusing, seen = [], set()
        for media in configured_storages():
            storage = media.storage
            if not s3.is_s3(storage) or storage.bucket_name in seen:
                continue
            seen.add(storage.bucket_name)
            client = s3.client(storage)
            where = f"{media.name}, {location_of(storage)}"
            try:
                rules = cors.current_rules(client, storage.bucket_name)
                refused = cors.refused_origins(rules, origins)
                if apply and refused:
                    rules = cors.merged(rules, wanted)
                    client.put_bucket_cors(Bucket=storage.bucket_name, CORSConfiguration={"CORSRules": rules})
                    self.stdout.write(self.style.SUCCESS(f"APPLIED {where}: PUT from {', '.join(refused)}"))
                    continue
            except (ClientError, BotoCoreError) as error:
                raise CommandError(f"{where}: {s3.masked_reason(error, s3.secrets(storage))}") from None
            if refused:
                refusing.append(media.name)
                self.stdout.write(self.style.WARNING(f"REFUSED {where}: no rule lets {', '.join(refused)} PUT"))
            else:
                self.stdout.write(self.style.SUCCESS(f"OK      {where}: browsers on {', '.join(origins)} may PUT"))
        if refusing and not apply:
            self.stdout.write("The rule to add (manage.py upload_cors --apply adds it, keeping the bucket's others):")
            self.stdout.write(json.dumps(wanted, indent=2))
            if check:
                raise CommandError(f"{len(refusing)} bucket(s) would refuse direct uploads: {', '.join(refusing)}")
