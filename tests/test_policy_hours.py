"""Opening hours as owners type them, stored, and asked about (services/policy/hours.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.policy.hours import (
    CLOSED_WEEK,
    Interval,
    InvalidHours,
    decode,
    encode,
    is_open,
    next_opening,
    parse_day,
    with_day,
)

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8-20", (Interval(480, 1200),)),
        ("08:00-20:00", (Interval(480, 1200),)),
        ("8.30 – 20", (Interval(510, 1200),)),
        ("14:00-18:00, 9:00-13:00", (Interval(540, 780), Interval(840, 1080))),
        ("22:00-02:00", (Interval(1320, 1560),)),
        ("0-24", (Interval(0, 1440),)),
        ("closed", ()),
        ("Выходной", ()),
        ("-", ()),
    ],
)
def test_a_day_as_typed(text: str, expected: tuple[Interval, ...]) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "format"),
        ("8", "format"),
        ("25-26", "format"),
        ("8:61-9", "format"),
        ("9-12, 11-14", "overlap"),
        ("10-10", "order"),
    ],
)
def test_a_day_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidHours) as raised:
        parse_day(text)
    assert raised.value.reason == reason


def test_a_week_stored_and_read_back() -> None:
    week = with_day(CLOSED_WEEK, 0, parse_day("8-20"))
    week = with_day(week, 5, parse_day("22-2"))
    stored = encode(week)
    assert stored == "08:00-20:00|||||22:00-02:00|"
    assert decode(stored) == week
    assert decode(None) is None and decode("") is None


def test_open_and_next_opening_in_the_merchants_zone() -> None:
    # Monday to Friday 8-20, Saturday 22-2 (into Sunday), Sunday closed.
    week = decode("08:00-20:00|08:00-20:00|08:00-20:00|08:00-20:00|08:00-20:00|22:00-02:00|")
    assert week is not None
    monday_noon = datetime(2026, 11, 30, 12, 0, tzinfo=WARSAW)
    assert is_open(week, monday_noon)
    assert next_opening(week, monday_noon) == monday_noon
    friday_night = datetime(2026, 12, 4, 21, 0, tzinfo=WARSAW)
    assert not is_open(week, friday_night)
    assert next_opening(week, friday_night) == datetime(2026, 12, 5, 22, 0, tzinfo=WARSAW)
    sunday_one = datetime(2026, 12, 6, 1, 0, tzinfo=WARSAW)
    assert is_open(week, sunday_one)  # Saturday's night runs into Sunday
    sunday_noon = datetime(2026, 12, 6, 12, 0, tzinfo=WARSAW)
    assert next_opening(week, sunday_noon) == datetime(2026, 12, 7, 8, 0, tzinfo=WARSAW)
    assert next_opening(CLOSED_WEEK, sunday_noon) is None
