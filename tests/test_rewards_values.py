"""The rules of a typed catalogue value (services/rewards/values.parse_value), as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.rewards.issue import expires_at, last_day
from services.rewards.values import RewardField, RewardRefused, parse_value

F = RewardField
TABLE = [
    (F.NAME, "  Free latte ", "Free latte"),
    (F.NAME, "x" * 60, "x" * 60),
    (F.NAME, "x" * 61, "name_long"),
    (F.NAME, "   ", "name_empty"),
    (F.DESCRIPTION, "Oat milk too", "Oat milk too"),
    (F.DESCRIPTION, "y" * 301, "description_long"),
    (F.PRICE, "300", 300),
    (F.PRICE, " 1 ", 1),
    (F.PRICE, "0", "price"),
    (F.PRICE, "12,50", "price"),
    (F.PRICE, "-5", "price"),
    (F.PRICE, "1e9", "price"),
    (F.PRICE, "abc", "price"),
    (F.PRICE, "²", "price"),
    (F.PRICE, "9" * 20, "price"),
    (F.PRICE, "z" * 1001, "price"),
    (F.STOCK, "0", 0),
    (F.STOCK, "1000000", 1_000_000),
    (F.STOCK, "1000001", "stock"),
    (F.STOCK, "unlimited", "stock"),  # the button says so, not the text
    (F.LIMIT, "1", 1),
    (F.LIMIT, "0", "limit"),
    (F.LIMIT, "1001", "limit"),
    (F.DAYS, "1", 1),
    (F.DAYS, "365", 365),
    (F.DAYS, "366", "days"),
    (F.DAYS, "1.5", "days"),
    (F.PHOTO, "a photo", "photo"),  # a photo is sent, not typed
    (F.LEVEL, "Gold", "level"),  # a level is a button
]


@pytest.mark.parametrize(("field", "text", "expected"), TABLE)
def test_a_typed_value(field: RewardField, text: str, expected: object) -> None:
    if isinstance(expected, str) and expected in {
        "name_long",
        "name_empty",
        "description_long",
        "price",
        "stock",
        "limit",
        "days",
        "photo",
        "level",
    }:
        with pytest.raises(RewardRefused) as refused:
            parse_value(field, text)
        assert refused.value.reason == expected
    else:
        assert parse_value(field, text) == expected


@pytest.mark.parametrize(
    ("now", "days", "timezone", "expected"),
    [
        # No timezone: exactly `days` later (issue()'s old behaviour, kept for callers).
        (
            datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
            30,
            None,
            datetime(2026, 4, 9, 12, 0, tzinfo=UTC),
        ),
        # To the end of the last local day; summer time began in between.
        (
            datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
            30,
            "Europe/Warsaw",
            datetime(2026, 4, 9, 22, 0, tzinfo=UTC),
        ),
        # 23:30 UTC is already the next day in Warsaw: the days count from that one.
        (
            datetime(2026, 1, 5, 23, 30, tzinfo=UTC),
            1,
            "Europe/Warsaw",
            datetime(2026, 1, 7, 23, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 6, 1, 3, 0, tzinfo=UTC),
            1,
            "America/New_York",  # still 31 May there
            datetime(2026, 6, 2, 4, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_voucher_expires_at_the_end_of_its_last_local_day(
    now: datetime, days: int, timezone: str | None, expected: datetime
) -> None:
    assert expires_at(now, days, timezone) == expected
    if timezone is not None:  # the day a member reads is the last one it is good for
        shown = last_day(expected, timezone).date()
        assert shown == (now.astimezone(ZoneInfo(timezone)).date() + timedelta(days=days))


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        (RewardField.PRICE, "1 000", 1000),
        (RewardField.PRICE, "1\u00a0500", 1500),
        (RewardField.STOCK, "1 000 000", 1_000_000),  # the prompt's own maximum, as it prints it
        (RewardField.LIMIT, "1 000", 1000),
    ],
)
def test_grouped_digits_are_read(field: RewardField, text: str, value: int) -> None:
    assert parse_value(field, text) == value


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (RewardField.PRICE, "1 00"),
        (RewardField.PRICE, "1,000"),
        (RewardField.STOCK, "1 000 001"),
        (RewardField.STOCK, "10 00"),
    ],
)
def test_bad_grouping_is_refused(field: RewardField, text: str) -> None:
    with pytest.raises(RewardRefused) as refused:
        parse_value(field, text)
    assert refused.value.reason == field.value
