"""The one parser for numbers people and buttons send: a table of what passes and what not."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from services.campaigns.content import Segment, parse_segment
from services.errors import InvalidAmount, PushRefused
from services.numbers import (
    MAX_BIG_ID,
    MAX_ID,
    MAX_POINTS,
    InvalidNumber,
    parse_days,
    parse_id,
    parse_int,
    parse_survey_key,
)
from services.policy import normalize_phone, parse_points

Refusal = TypeVar("Refusal", bound=Exception)


def passes_or_refuses(
    parse: Callable[[], object], expected: object, refusal: type[Refusal]
) -> Refusal | None:
    """`parse()` returns `expected`; where that is None, it raises `refusal` (returned)."""
    if expected is not None:
        assert parse() == expected
        return None
    with pytest.raises(refusal) as error:
        parse()
    return error.value


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        ("42", 1, 100, 42),
        (" 42 ", 1, 100, 42),
        ("007", 1, 100, 7),
        ("0", 0, 10, 0),
        ("100", 1, 100, 100),
        ("0" * 30 + "5", 1, 10, 5),  # leading zeros do not count towards the length
        ("9223372036854775807", 1, MAX_BIG_ID, MAX_BIG_ID),
    ],
)
def test_parse_int_accepts(text: str, low: int, high: int, expected: int) -> None:
    assert parse_int(text, low, high) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("   ", "format"),
        ("²", "format"),  # str.isdigit() is True for it; int() is not
        ("4²", "format"),
        ("١٢", "format"),  # Arabic-Indic digits: int() would read them
        ("１２", "format"),  # full-width digits
        ("-1", "format"),
        ("+1", "format"),
        ("1e9", "format"),
        ("1_000", "format"),  # int() accepts the underscore
        ("1.0", "format"),
        ("1 2", "format"),
        ("0x10", "format"),
        ("0", "range"),
        ("101", "range"),
        ("99999999999999999999", "range"),
        ("9" * 5000, "range"),  # refused before int(), which would raise on 4301+ digits
    ],
)
def test_parse_int_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as error:
        parse_int(text, 1, 100)
    assert (error.value.reason, error.value.low, error.value.high) == (reason, 1, 100)


@pytest.mark.parametrize(
    ("text", "high", "expected"),
    [
        ("#42", MAX_BIG_ID, 42),
        ("42", MAX_ID, 42),
        (str(MAX_ID), MAX_ID, MAX_ID),
        (str(MAX_ID + 1), MAX_ID, None),
        ("9223372036854775808", MAX_BIG_ID, None),  # one over BigInteger
        ("99999999999999999999", MAX_BIG_ID, None),
        ("##42", MAX_BIG_ID, None),
        ("#", MAX_BIG_ID, None),
        ("0", MAX_BIG_ID, None),
        ("#-1", MAX_BIG_ID, None),
    ],
)
def test_parse_id(text: str, high: int, expected: int | None) -> None:
    passes_or_refuses(lambda: parse_id(text, high), expected, InvalidNumber)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("30", 30),
        ("3650", 3650),
        ("0", None),
        ("3651", None),
        ("1e9", None),
        ("²", None),
    ],
)
def test_parse_days(text: str, expected: int | None) -> None:
    passes_or_refuses(lambda: parse_days(text), expected, InvalidNumber)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("12:20261129", 12),
        ("9223372036854775807:20261129", MAX_BIG_ID),
        ("9223372036854775808:20261129", None),
        ("abc:20261129", None),
        ("12", None),
        ("12:2026", None),
        ("12:²0261129", None),
        (":20261129", None),
        ("12-20261129", None),
    ],
)
def test_parse_survey_key(key: str, expected: int | None) -> None:
    passes_or_refuses(lambda: parse_survey_key(key), expected, InvalidNumber)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("150", 150),
        (str(MAX_POINTS), MAX_POINTS),
        (str(MAX_POINTS + 1), None),
        ("²", None),
        ("-5", None),
        ("1e3", None),
    ],
)
def test_parse_points_goes_through_the_one_parser(text: str, expected: int | None) -> None:
    refused = passes_or_refuses(lambda: parse_points(text), expected, InvalidAmount)
    assert refused is None or refused.reason == "points_format"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("inactive:30", Segment("inactive", "30")),
        ("joined:007", Segment("joined", "7")),
        ("level:2", Segment("level", "2")),
        ("inactive:²", None),
        ("inactive:1e9", None),
        ("inactive:99999999999999999999", None),
        ("inactive:0", None),
        ("joined:3651", None),
        ("level:99999999999999999999", None),
        ("level:-1", None),
    ],
)
def test_segment_numbers(key: str, expected: Segment | None) -> None:
    passes_or_refuses(lambda: parse_segment(key), expected, PushRefused)


def test_a_phone_of_superscript_digits_is_not_a_phone() -> None:
    from services.errors import InvalidPhone

    with pytest.raises(InvalidPhone):
        normalize_phone("+²²²²²²²²")
    assert normalize_phone("+48 600 700 800") == "+48600700800"


@pytest.mark.parametrize("text", ["١٢.٠٣", "²1.03", "12.03.١٩٩٠"])
def test_a_birthday_is_written_in_ascii_digits(text: str) -> None:
    from datetime import date

    from services.errors import InvalidBirthday
    from services.policy import parse_birthday

    with pytest.raises(InvalidBirthday):
        parse_birthday(text, date(2026, 11, 29))
