"""Durations as `media_cleanup --grace` takes them: 48h, 30m, 2d, 90s, 1h30m, or 0.

Hand-written (a dozen lines): the parsers on the package index also take "1.5 hours" or "2 weeks, 3
days", and a grace period that deletes files is better refused than guessed.
"""

import re
from datetime import timedelta

UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
FORMS = "a whole number of days, hours, minutes or seconds: 48h, 30m, 2d, 1h30m or 0"


def parse_duration(text: str) -> timedelta:
    """The duration the text says; ValueError naming the text and the forms taken."""
    value = text.strip().lower()
    if value == "0":
        return timedelta(0)
    match = DURATION.fullmatch(value)
    if not value or not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration: write {FORMS}")
    parts = {unit: int(number) for unit, number in zip(UNITS.values(), match.groups(), strict=True) if number}
    try:
        return timedelta(**parts)
    except OverflowError:
        raise ValueError(f"{text!r} is longer than any date: write {FORMS}") from None


def format_duration(duration: timedelta) -> str:
    """The shortest text parse_duration() reads back as this duration (whole seconds)."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0"
    text = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            text += f"{count}{unit}"
    return text
