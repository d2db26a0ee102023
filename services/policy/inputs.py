"""What people type, checked: check amounts, points, birthdays, phone numbers, languages.
Bad input raises the domain error of its kind with a reason the handlers word."""

from __future__ import annotations

import re
from datetime import date

from services.dto import Birthday
from services.errors import InvalidAmount, InvalidBirthday, InvalidPhone
from services.numbers import MAX_POINTS, InvalidNumber, parse_int

LANGUAGES = ("en", "ru", "pl", "hu")  # the catalogs in locales/

# Whole units as typed: plain digits, or grouped by threes with a space (`1 000`, as Polish,
# Hungarian and Russian write them; a no-break or thin space too). Never `1,000`: a comma is a
# decimal separator here.
_GROUPED = r"[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+"
_AMOUNT_RE = re.compile(rf"^\s*([0-9]+|{_GROUPED})(?:[.,]([0-9]+))?\s*$")
_GROUPED_RE = re.compile(rf"\s*{_GROUPED}\s*")
_MAX_WHOLE_DIGITS = 12


def parse_amount(
    text: str, exponent: int, max_minor: int | None = None, *, whole_units: bool = False
) -> int:
    """`12,50`, `12.5`, `12`, `1 000` -> minor units. Reasons: format, decimals, whole, zero,
    too_large.

    Refused: negatives, exponents (1e9), a comma or dot between thousands, more decimals than the
    currency has, any decimals at all in a whole-units currency (currency.whole_units_only),
    zero, more than twelve digits of whole units, and anything over the merchant's cap for one
    sale.
    """
    match = _AMOUNT_RE.match(text)
    if not match:
        raise InvalidAmount("format")
    whole, fraction = re.sub(r"[^0-9]", "", match.group(1)), match.group(2) or ""
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise InvalidAmount("too_large")
    if whole_units and fraction.strip("0"):
        raise InvalidAmount("whole", whole=int(whole))
    if len(fraction) > exponent:
        raise InvalidAmount("decimals")
    minor: int = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise InvalidAmount("zero")
    if max_minor is not None and minor > max_minor:
        raise InvalidAmount("too_large")
    return minor


def ungrouped(text: str) -> str:
    """`1 000` (grouped by threes, as parse_amount reads it) -> `1000`; other text as it is,
    for parse_int to check."""
    return re.sub(r"[^0-9]", "", text) if _GROUPED_RE.fullmatch(text) else text


def parse_points(text: str) -> int:
    """A whole number of points, 0 or more (`1 000` too)."""
    try:
        return parse_int(ungrouped(text), 0, MAX_POINTS)
    except InvalidNumber:
        raise InvalidAmount("points_format") from None


_BIRTHDAY_RE = re.compile(
    r"^\s*([0-9]{1,2})\s*[./\-\s]\s*([0-9]{1,2})(?:\s*[./\-\s]\s*([0-9]{2,4}))?\s*$"
)
# Year first, as Hungarians write a date: `1990.05.24.` or `1990. 05. 24.` (also ISO 1990-05-24).
_BIRTHDAY_YEAR_FIRST_RE = re.compile(
    r"^\s*([0-9]{4})\s*([.\-])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})\s*\.?\s*$"
)
MIN_AGE_YEARS = 6
MAX_AGE_YEARS = 120


def parse_birthday(text: str, today: date) -> Birthday:
    """`DD.MM` or `DD.MM.YYYY` (also with / or -); the year is optional. Or year first:
    `YYYY.MM.DD`, with an optional trailing dot, or `YYYY-MM-DD`."""
    if year_first := _BIRTHDAY_YEAR_FIRST_RE.match(text):
        year_text, month_text, day_text = year_first.group(1, 3, 4)
    elif match := _BIRTHDAY_RE.match(text):
        day_text, month_text, year_text = match.group(1, 2, 3)
    else:
        raise InvalidBirthday("format")
    day, month = int(day_text), int(month_text)
    year = int(year_text) if year_text else None
    if year_text is not None and len(year_text) != 4:
        raise InvalidBirthday("format")
    try:
        # 29 February is a real birthday; check it against a leap year when no year is given.
        date(year if year is not None else 2000, month, day)
    except ValueError:
        raise InvalidBirthday("date") from None
    if year is not None:
        born = date(year, month, day)
        if born > today:
            raise InvalidBirthday("future")
        age = today.year - year - ((today.month, today.day) < (month, day))
        if age > MAX_AGE_YEARS:
            raise InvalidBirthday("too_old")
        if age < MIN_AGE_YEARS:
            raise InvalidBirthday("too_young")
    return Birthday(day, month, year)


def normalize_phone(raw: str) -> str:
    """Digits with a leading +, as Telegram shares them (sometimes without the +)."""
    digits = re.sub(r"[\s()\-.]", "", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 15:
        raise InvalidPhone(raw)
    return "+" + digits


def mask_phone(phone: str) -> str:
    """`+48 *** *** 123`: enough to recognise, not enough to call."""
    return f"{phone[:3]} *** *** {phone[-3:]}" if len(phone) > 6 else "***"
