"""Whole numbers a person types or a button carries, pure and table-tested.

One parser for all of them: ASCII digits only (str.isdigit() is True for '²' and '١', which
int() then refuses or reads as something else), and bounded by what the number counts, so an id
too big for its column never reaches the database and a day count never overflows a date.
"""

from __future__ import annotations

import re

from services.errors import DomainError

MAX_BIG_ID = 2**63 - 1  # BigInteger keys: purchases, memberships, ledger rows
MAX_ID = 2**31 - 1  # Integer keys: merchants, staff, campaigns, catalog items
MAX_DAYS = 3650  # "inactive for N days", "joined in the last N days": ten years at most
MAX_POINTS = 10**12 - 1  # twelve digits, as parse_amount allows for money
MAX_SMALL = 2**15 - 1  # SmallInteger columns: level ranks, ratings, scores
MAX_PAGE = 10**6  # a history page; a page past the end shows the last one anyway

_DIGITS = re.compile(r"[0-9]+")  # not \d: that matches every script's digits too


class InvalidNumber(DomainError):
    """Reasons: format (not ASCII digits 0-9), range (outside low..high)."""

    def __init__(self, reason: str, low: int, high: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.low = low
        self.high = high


def parse_int(text: str, low: int, high: int) -> int:
    """`42` -> 42 when low <= 42 <= high; surrounding spaces are fine, nothing else is."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        raise InvalidNumber("format", low, high)
    # Compare lengths before int(): a 5000-digit number is refused, not converted.
    if len(text.lstrip("0")) > len(str(high)):
        raise InvalidNumber("range", low, high)
    value = int(text)
    if not low <= value <= high:
        raise InvalidNumber("range", low, high)
    return value


def parse_id(text: str, high: int = MAX_BIG_ID) -> int:
    """A row id as people write it (`42` or `#42`), within its column's range."""
    text = text.strip()
    return parse_int(text[1:] if text.startswith("#") else text, 1, high)


def parse_days(text: str, high: int = MAX_DAYS) -> int:
    """A number of days, 1 to `high`."""
    return parse_int(text, 1, high)


def parse_survey_key(key: str) -> int:
    """The membership id of an NPS survey key `<membership id>:<yyyymmdd>`."""
    membership, sep, day = key.partition(":")
    if not sep or not (len(day) == 8 and _DIGITS.fullmatch(day)):
        raise InvalidNumber("format", 1, MAX_BIG_ID)
    return parse_id(membership)
