"""The rules of a typed catalogue value (services/rewards/values.parse_value), as a table."""

from __future__ import annotations

import pytest

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
