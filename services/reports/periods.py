"""Report periods: local days as a UTC range in the merchant's timezone, month bounds, and the
dates an admin types (/stats 01.10.2026 31.10.2026).

"Last N days" ends at the end of today in the merchant's timezone, so today is included; the
comparison is the N days before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.errors import ReportRefused
from services.numbers import InvalidNumber, parse_int

PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    """Local days first_day..last_day, as the UTC range [start, end)."""

    first_day: date
    last_day: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.timezone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.timezone)

    def previous(self) -> Period:
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.timezone)


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def last_days(today: date, days: int, timezone: str) -> Period:
    return Period(today - timedelta(days=days - 1), today, timezone)


def month_starts(first: date, count: int, timezone: str) -> list[datetime]:
    """UTC instants of `count` local month starts from `first`'s month, and the one after."""
    year, month = first.year, first.month
    bounds = []
    for _ in range(count + 1):
        bounds.append(local_midnight(date(year, month, 1), timezone))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_range(text: str, today: date) -> tuple[date, date]:
    """Two dates, `01.10.2026 31.10.2026` (the year may be left out; a dash may join them).
    Raises ReportRefused("range") unless first <= last <= today within three years."""
    parts = text.replace("–", " ").replace(" - ", " ").split()
    if len(parts) != 2:
        raise ReportRefused("range")
    days = [_parse_day(part, today) for part in parts]
    first, last = days
    if first > last or last > today or (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ReportRefused("range")
    return first, last


def _parse_day(text: str, today: date) -> date:
    pieces = text.strip().replace("/", ".").split(".")
    try:
        if len(pieces) not in (2, 3):
            raise ValueError
        numbers = [parse_int(p, 0, 9999) for p in pieces]  # date() overflows on a huge year
        day, month = numbers[0], numbers[1]
        if len(numbers) == 2:  # no year: the latest such day not after today
            guess = date(today.year, month, day)
            return guess if guess <= today else date(today.year - 1, month, day)
        year = numbers[2] + 2000 if numbers[2] < 100 else numbers[2]
        return date(year, month, day)
    except (ValueError, InvalidNumber):
        raise ReportRefused("range") from None
