"""StagingError, and how the failure of one file is described (never with a credential in it)."""

from collections.abc import Iterable, Mapping
from pathlib import Path

from .names import shown

SHOWN = 10  # failures listed in the message; all of them are in the attributes


class StagingError(Exception):
    """Nothing was published (or what was written is removed again); the local files are kept.

    Attributes: ``failures`` (name -> why), ``kept_in`` (the local folder with the files to publish,
    or None), ``conflicts`` (names another writer took meanwhile) and ``left_behind`` (names this
    publish wrote, or may have written, but could not remove -> why).
    """

    def __init__(
        self,
        summary: str,
        failures: Mapping[str, str] | None = None,
        *,
        kept_in: Path | None = None,
        kept: str | None = None,
        left_behind: Mapping[str, str] | None = None,
        conflicts: Iterable[str] = (),
    ):
        self.summary = summary
        self.failures = dict(failures or {})
        self.kept_in = kept_in
        self.left_behind = dict(left_behind or {})
        self.conflicts = set(conflicts)
        lines = [summary, *_listed(self.failures)]
        if self.left_behind:
            lines.append(
                f"{len(self.left_behind)} files this publish wrote (or may have written) could not be removed or "
                "put back; check them in the storage (delete them, or publish again with overwrite=True):"
            )
            lines += _listed(self.left_behind)
        if kept is not None:
            lines.append(kept)
        elif kept_in is not None:
            lines.append(f"The local files are kept in {kept_in}: fix the cause, then publish them again.")
        super().__init__("\n".join(lines))


def _listed(reasons: Mapping[str, str]) -> list[str]:
    names = sorted(reasons)
    lines = [f"  {shown(name)}: {reasons[name]}" for name in names[:SHOWN]]
    if len(names) > SHOWN:
        lines.append(f"  ... and {len(names) - SHOWN} more (all are in the exception's attributes)")
    return lines


class BackupFailed(Exception):
    """Copies of the files overwrite=True would replace could not be made (by name: why)."""

    def __init__(self, failures: Mapping[str, BaseException]):
        super().__init__(f"{len(failures)} backups failed")
        self.failures = dict(failures)
