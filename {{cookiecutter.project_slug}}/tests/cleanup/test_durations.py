"""The grace period's text: the forms taken, and a refusal in one line for the rest."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediakit.cleanup.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("48h", timedelta(hours=48)),
        ("30m", timedelta(minutes=30)),
        ("0", timedelta(0)),
        ("2d", timedelta(days=2)),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1D12H ", timedelta(days=1, hours=12)),
    ],
)
def test_durations_taken(text, duration):
    assert parse_duration(text) == duration


@pytest.mark.parametrize("text", ["", "48", "1.5h", "-1h", "h", "30m1h", "1w", "2 days", "0h0", "48h ago"])
def test_anything_else_is_refused_in_one_line_naming_it(text):
    with pytest.raises(ValueError) as refused:
        parse_duration(text)
    message = str(refused.value)
    assert message.startswith(f"{text!r} is not a duration: write ")
    assert "48h, 30m" in message and "\n" not in message


def test_a_duration_longer_than_any_date_is_refused():
    with pytest.raises(ValueError, match="longer than any date"):
        parse_duration("999999999999d")


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10**6)))
def test_format_and_parse_agree_on_whole_seconds(duration):
    whole = timedelta(seconds=int(duration.total_seconds()))
    assert parse_duration(format_duration(duration)) == whole
