"""easy-thumbnails' thumbnail_cleanup, replaced: on a storage with a prefix it wiped the thumbnail index.

It joins the storage's location onto names that already carry it (easy-thumbnails #516): every source then
looks missing, and every Source and Thumbnail row is deleted while the files stay in the bucket. This
project's app comes before easy_thumbnails in INSTALLED_APPS, so that this command is the one manage.py runs.
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Replaced in this project by media_cleanup (easy-thumbnails' own wipes the index on prefixed storages)."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--last-n-days", type=int)
        parser.add_argument("--path")

    def handle(self, *args, **options):
        raise CommandError(
            "thumbnail_cleanup is replaced here by media_cleanup, which drops easy-thumbnails' rows of files that "
            "are gone and keeps the rest: run manage.py media_cleanup (it reports; --delete deletes)."
        )
