"""What an owner types into the promotion form, checked: the name, how much more a purchase
earns (`2`, `×1.5`, `2x`, `150%`, `+50%`), the hours (`12-15`, `12:00–15:30`, `22-02` past
midnight) and the dates (`1.12–31.12`, `2026-12-01 – 2026-12-31`, `2026. 12. 01.`; a date
without its year first is read day-first or month-first as the reader's locale writes dates).
Pure functions; bad input raises PromoInput with a reason the handlers word
(services/policy/promotions.py applies what these return)."""

from __future__ import annotations

import re
from datetime import date

from services.errors import Refused

MAX_NAME = 60
MIN_MULTIPLIER_PCT = 100  # ×1: no more points (a promotion of extra stamps only)
MAX_MULTIPLIER_PCT = 1000  # ×10
MAX_EXTRA_STAMPS = 5
MINUTES_A_DAY = 24 * 60

_D = "[0-9]"  # not \d: that matches every script's digits too
_TIMES = "x×хX"  # Latin and Cyrillic x, the sign
_NUMBER = rf"({_D}{{1,2}})(?:[.,]({_D}{{1,2}}))?"
_MULTIPLIER_RE = re.compile(rf"^\s*(?:[{_TIMES}*]\s*{_NUMBER}|{_NUMBER}\s*[{_TIMES}]?)\s*$", re.I)
_PERCENT_RE = re.compile(rf"^\s*(\+?)\s*({_D}{{1,4}})\s*%\s*$")
_TIME = rf"({_D}{{1,2}})(?:[:.]({_D}{{2}}))?"
_HOURS_RE = re.compile(rf"^\s*{_TIME}\s*[-–—]\s*{_TIME}\s*$")
# 1.12, 01/12/2026, 12. 01. (day or month first, as the reader's locale writes dates)
_SHORT = rf"{_D}{{1,2}} ?[./] ?{_D}{{1,2}}(?: ?[./] ?(?:{_D}{{4}}|{_D}{{2}}))?\.?"
# 2026-12-01 (ISO), 2026. 12. 01. (Hungarian), 2026/12/01: the year first
_YEAR_FIRST = rf"{_D}{{4}}(?:-{_D}{{1,2}}-{_D}{{1,2}}|(?: ?[./] ?{_D}{{1,2}}){{2}}\.?)"
_DATE = rf"(?:{_YEAR_FIRST}|{_SHORT})"
_DATES_RE = re.compile(rf"^\s*({_DATE})\s*(?:(?:[-–—]|\.\.)\s*({_DATE}))?\s*$")


class PromoInput(Refused):
    """Reasons: name_empty, name_long, multiplier, hours, dates, date (no such day: 31.02),
    order (the end before the start), past (the end has passed)."""


def parse_name(text: str) -> str:
    """The promotion's name: 1 to 60 characters, spaces at the ends dropped."""
    name = " ".join(text.split())
    if not name:
        raise PromoInput("name_empty")
    if len(name) > MAX_NAME:
        raise PromoInput("name_long")
    return name


def parse_multiplier(text: str) -> int:
    """`2`, `x2`, `2x`, `×1.5`, `1,5` or `150%` -> the multiplier in percent (200, 150): ×1 to
    ×10, in whole percent. `+50%` is 50 % more: ×1.5 (an owner's "+200%" means ×3)."""
    if match := _PERCENT_RE.match(text):
        pct = int(match.group(2)) + (100 if match.group(1) else 0)
    elif match := _MULTIPLIER_RE.match(text):
        whole, fraction = match.group(1) or match.group(3), match.group(2) or match.group(4) or ""
        pct = int(whole) * 100 + int(fraction.ljust(2, "0") or "0")
    else:
        raise PromoInput("multiplier")
    if not MIN_MULTIPLIER_PCT <= pct <= MAX_MULTIPLIER_PCT:
        raise PromoInput("multiplier")
    return pct


def parse_hours(text: str) -> tuple[int, int] | None:
    """`12-15`, `12:00–15:30`, `22-02` (past midnight) -> (start, end) in minutes after local
    midnight, the end exclusive (24:00 is 1440); None for the whole day (`0-24`)."""
    match = _HOURS_RE.match(text)
    if not match:
        raise PromoInput("hours")
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or end > MINUTES_A_DAY:
        raise PromoInput("hours")
    if start == end % MINUTES_A_DAY:
        if start == 0:
            return None  # 0-24, 0-0: the whole day
        raise PromoInput("hours")
    if end == 0:
        end = MINUTES_A_DAY  # 12-0 is 12-24
    return start, end


def _one_date(text: str, default_year: int, month_first: bool) -> tuple[date, bool]:
    """A day as typed, and whether its year was given."""
    digits = re.split(r" ?[-./] ?", text.rstrip("."))
    parts = [int(p) for p in digits]
    if len(digits[0]) == 4:  # the year first: ISO or Hungarian
        year, month, day = parts
        given = True
    else:
        day, month = (parts[1], parts[0]) if month_first else (parts[0], parts[1])
        given = len(parts) == 3
        year = parts[2] if given else default_year
        year += 2000 if year < 100 else 0
    try:
        return date(year, month, day), given
    except ValueError:
        raise PromoInput("date") from None


def parse_dates(text: str, today: date, month_first: bool = False) -> tuple[date, date]:
    """`1.12–31.12`, `24.12`, `1.12.2026 - 6.1.2027`, `2026-12-01 – 2026-12-31` or
    `2026. 12. 01. – 2026. 12. 31.` -> the first and the last day, both inclusive. The year
    first is always read so; otherwise `month_first` (12.1, 12/31/26: the reader's locale writes
    dates month-first) or day first. Without a year, the next such days
    from today on (`20.12–6.1` runs over the new year). Refused: no such day, an end before
    the start, an end already past."""
    match = _DATES_RE.match(text)
    if not match:
        raise PromoInput("dates")
    first, first_given = _one_date(match.group(1), today.year, month_first)
    last, last_given = _one_date(match.group(2) or match.group(1), first.year, month_first)
    if not last_given and last < first:
        last = _next_year(last)  # 20.12–6.1: into the new year
    if not first_given and not last_given and last < today:
        first, last = _next_year(first), _next_year(last)  # 1.3–5.3 typed in June
    if last < first:
        raise PromoInput("order")
    if last < today:
        raise PromoInput("past")
    return first, last


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        raise PromoInput("date") from None
