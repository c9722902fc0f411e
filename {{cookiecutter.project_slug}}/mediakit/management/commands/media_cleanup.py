"""manage.py media_cleanup [--delete] [--grace DURATION] [--no-input]: what no row uses, reported or deleted."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...cleanup import locking
from ...cleanup.collector import Collector, Report
from ...cleanup.durations import format_duration, parse_duration
from ...cleanup.places import PAGE_SIZE

DEFAULT_GRACE = "48h"


class Command(BaseCommand):
    help = (
        "List every storage of the project and report the objects no database row names (nor is a thumbnail of a "
        "file a row names) older than the grace period, with incomplete multipart uploads. With --delete, delete "
        "them after checking each again. One run at a time, across instances."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="delete what is reported (default: report only)")
        parser.add_argument(
            "--grace",
            default=DEFAULT_GRACE,
            metavar="DURATION",
            help=f"keep anything younger than this, e.g. 48h, 30m, 2d or 0 (default {DEFAULT_GRACE})",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask before --delete"
        )
        parser.add_argument(
            "--page-size", type=int, default=PAGE_SIZE, help=f"objects checked at a time (default {PAGE_SIZE})"
        )

    def handle(self, *args, delete, grace, interactive, page_size, **options):
        if not 1 <= page_size <= PAGE_SIZE:
            raise CommandError(f"--page-size takes a whole number from 1 to {PAGE_SIZE} (S3's largest page).")
        try:
            older_than = timezone.now() - parse_duration(grace)
        except ValueError as refusal:
            raise CommandError(f"--grace: {refusal}") from None
        if delete and interactive:
            question = (
                f"Delete every object no row names that is older than {format_duration(parse_duration(grace))}, "
                "in every storage of this project? Type 'yes' to continue, or anything else to cancel: "
            )
            try:
                answer = input(question)
            except (EOFError, KeyboardInterrupt):  # no terminal to ask (a cron job), or Ctrl-C
                answer = ""
            if answer != "yes":
                raise CommandError("Cancelled: nothing was deleted (--no-input deletes without asking).")
        try:
            with locking.held():
                report = Collector(
                    older_than=older_than, delete=delete, page_size=page_size, say=self.stdout.write
                ).run()
        except KeyboardInterrupt:
            raise CommandError(
                "Interrupted: what was deleted is gone, the rest is as it was; run it again to go on."
            ) from None
        except locking.AlreadyRunning:
            raise CommandError(
                "Another media_cleanup is running (on this or another instance): nothing done."
            ) from None
        except locking.NoLock as refusal:
            raise CommandError(f"Cannot make sure one media_cleanup runs at a time: {refusal}.") from None
        for line in summary(report, delete):
            self.stdout.write(line)
        if report.failures:
            for key in sorted(report.failures):
                self.stderr.write(f"{key}: {report.failures[key]}")
            raise CommandError(f"{len(report.failures)} could not be deleted (listed above); run again to retry them.")


def summary(report: Report, delete: bool) -> list[str]:
    lines = [f"{report.orphans} unused objects ({report.orphan_bytes} bytes), {report.uploads} incomplete uploads"]
    if delete:
        lines.append(
            f"deleted {report.deleted} objects ({report.deleted_bytes} bytes), aborted {report.aborted} uploads, "
            f"kept {report.changed} named or changed since the listing, dropped {report.stale_rows} thumbnail rows "
            "of files that are gone"
        )
    else:
        lines.append(f"{report.stale_rows} thumbnail rows of files that are gone; run with --delete to delete them")
    for space in report.versioned:
        lines.append(f"{space} keeps versions: a delete there only adds a delete marker (the bytes stay billed)")
    for storage in report.unlisted:
        lines.append(f"not listed: a {storage} storage (only S3 and local storages can be listed)")
    return lines
