"""manage.py media_copy SOURCE DESTINATION: copy media between storages, buckets and regions."""

import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...copy import CopyRefused, CopyResult, open_side, plan_copy, run_copy
from ...storage.s3 import DEFAULT_WORKERS


class Command(BaseCommand):
    help = (
        "Copy media from SOURCE to DESTINATION, each a storage of this project (default{% if cookiecutter.private_media %}, private{% endif %}), "
        "the name of an environment variable holding a storage DSN, or a DSN (s3://..., file:///...). "
        "Copies only what differs: run it again to resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="SOURCE")
        parser.add_argument("destination", metavar="DESTINATION")
        parser.add_argument("--prefix", default="", help="only the files in this folder (e.g. filer_public)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be copied; copy nothing")
        parser.add_argument("--delete", action="store_true", help="delete what SOURCE does not have (a mirror)")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask before --delete"
        )
        parser.add_argument(
            "--workers", type=int, default=DEFAULT_WORKERS, help=f"concurrent transfers (default {DEFAULT_WORKERS})"
        )

    def handle(self, *args, source, destination, prefix, dry_run, delete, interactive, workers, **options):
        if workers < 1:
            raise CommandError("--workers takes a whole number of at least 1.")
        started = time.monotonic()
        try:
            source, destination = open_side("SOURCE", source), open_side("DESTINATION", destination)
            for side in (source, destination):
                side.size_pool(workers)
            plan = plan_copy(source, destination, prefix, delete=delete)
        except (CopyRefused, ImproperlyConfigured) as refusal:
            raise CommandError(str(refusal)) from None
        if delete and plan.extra and interactive and not dry_run:
            question = (
                f"Delete {files(len(plan.extra))} from DESTINATION ({destination}) that SOURCE does not have? "
                "Type 'yes' to continue, or anything else to cancel: "
            )
            try:
                answer = input(question)
            except EOFError:  # no terminal (cron, a release step): nobody to answer
                raise CommandError(
                    "--delete asks before deleting, and there is no terminal to answer: nothing was copied or "
                    "deleted; add --no-input to delete without asking"
                ) from None
            except KeyboardInterrupt:
                raise CommandError("Cancelled: nothing was copied or deleted.") from None
            if answer != "yes":
                raise CommandError("Cancelled: nothing was copied or deleted.")
        bar = ProgressBar(self.stdout, len(plan.source_entries))
        try:
            result = run_copy(plan, delete=delete, dry_run=dry_run, workers=workers, progress=bar.update)
        except KeyboardInterrupt:
            raise CommandError("Interrupted: what was copied is kept; run the same command again to resume.") from None
        bar.finish()
        self.stdout.write(summary(result, delete, time.monotonic() - started))
        if result.failures:
            for name in sorted(result.failures):  # every one, by name: the list to act on
                self.stderr.write(f"{name}: {result.failures[name]}")
            raise CommandError(f"{files(len(result.failures))} failed (listed above); run again to retry them.")


def summary(result: CopyResult, delete: bool, seconds: float) -> str:
    if result.dry_run:
        verb, skip, remove = "would copy", "would skip", "would delete"
    else:
        verb, skip, remove = "copied", "skipped", "deleted"
    how = "server-side" if result.server_side else "streamed"
    parts = [
        f"{verb} {files(result.copied)} ({megabytes(result.copied_bytes)}, {how})",
        f"{skip} {result.skipped} already there ({megabytes(result.skipped_bytes)})",
    ]
    if delete:
        held = " (held back: copies failed)" if result.delete_held_back else ""
        parts.append(f"{remove} {result.deleted}{held}")
    if result.aborted:
        parts.append(f"{'would abort' if result.dry_run else 'aborted'} {result.aborted} unfinished uploads")
    if result.partial:
        parts.append(f"removed {result.partial} partial files")
    parts.append(f"{len(result.failures)} failed")
    line = f"media_copy: {', '.join(parts)} in {seconds:.1f} s"
    if result.access:
        line += f"\npublic and private by the configuration: {result.access}"
    return line


def files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class ProgressBar:
    """A one-line progress bar on a terminal; elsewhere (logs, cron, a release step) nothing but the summary."""

    WIDTH = 30

    def __init__(self, out, total: int):
        self.out, self.total = out, total
        self.done = self.failed = self.size = 0
        self.on_terminal = out.isatty()
        self.drawn = 0.0

    def update(self, outcome: str, entry) -> None:
        self.done += 1
        self.failed += outcome == "failed"
        self.size += entry.size
        if self.on_terminal and (time.monotonic() - self.drawn > 0.1 or self.done == self.total):
            self.drawn = time.monotonic()
            filled = self.WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            counts = f"{self.done}/{files(self.total)}, {megabytes(self.size)}, {self.failed} failed"
            self.out.write(f"\r[{bar}] {counts}", ending="")
            self.out.flush()

    def finish(self) -> None:
        if self.on_terminal and self.done:
            self.out.write("")  # end the bar's line
