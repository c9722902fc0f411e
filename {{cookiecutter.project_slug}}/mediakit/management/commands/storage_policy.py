"""manage.py storage_policy: the bucket policy that makes public media readable, and nothing private."""

import json

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from ...storage import s3
from ...storage.operations.probe import PUBLIC_PREFIXES, SERVICES_BY_POLICY, explain_client_error


def public_read_policy(storage) -> dict:
    """Anonymous GetObject under the public prefixes of the storage's location only, never the whole bucket."""
    location = f"{storage.location.strip('/')}/" if storage.location else ""
    resources = [f"arn:aws:s3:::{storage.bucket_name}/{location}{prefix}*" for prefix in PUBLIC_PREFIXES]
    statement = {"Sid": "PublicMedia", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    return {"Version": "2012-10-17", "Statement": [{**statement, "Resource": resources}]}


class Command(BaseCommand):
    help = (
        "Print the bucket policy that lets anyone read public media (and nothing else), for services that grant "
        f"by bucket policy instead of ACLs ({SERVICES_BY_POLICY}); --apply puts it on the media bucket."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="put the policy on the bucket (replaces its policy)")

    def handle(self, *args, apply, **options):
        storage = storages["default"]
        if not s3.is_s3(storage):
            raise CommandError("DEFAULT_STORAGE_DSN is not an S3 bucket: there is no bucket policy to give")
        policy = public_read_policy(storage)
        self.stdout.write(json.dumps(policy, indent=2))
        if not apply:
            return
        client = s3.client(storage)
        try:
            client.put_bucket_policy(Bucket=storage.bucket_name, Policy=json.dumps(policy))
        except ClientError as error:
            reason = explain_client_error(error, storage, "DEFAULT_STORAGE_DSN")
            raise CommandError(f"cannot put the policy: {reason}") from None
        except BotoCoreError as error:
            reason = s3.mask_credentials(str(error), s3.secrets(storage))
            raise CommandError(f"cannot put the policy: {reason}") from None
        self.stdout.write(f"Applied to bucket {storage.bucket_name}.")
