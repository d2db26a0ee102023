"""Opening hours: a week of intervals per day, as an owner types them and as stored, and
whether a place is open at a local time or when it opens next (the live chat tells a member
when to expect an answer).

Stored as one string, Monday first, days split by `|`, a day's intervals by `,`:
`08:00-20:00|08:00-20:00|08:00-20:00|08:00-20:00|08:00-22:00|10:00-18:00|` (Sunday closed).
An interval whose end is not after its start runs past midnight (`22:00-02:00`); `00:00-24:00`
is the whole day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

DAYS = 7
MINUTES_A_DAY = 24 * 60
_TIME = r"([01]?\d|2[0-4])(?:[:.]([0-5]\d))?"
_INTERVAL_RE = re.compile(rf"^\s*{_TIME}\s*[-–—]\s*{_TIME}\s*$")
_CLOSED = {"", "-", "—", "0", "x", "closed", "off", "выходной", "закрыто", "zamknięte", "zárva"}


class InvalidHours(ValueError):
    """A day's hours that cannot be read; `reason` is format, order or overlap."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Interval:
    start: int  # minutes after local midnight
    end: int  # minutes after midnight; past MINUTES_A_DAY when it runs into the next day

    def label(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end % MINUTES_A_DAY or self.end)}"


Day = tuple[Interval, ...]
Week = tuple[Day, Day, Day, Day, Day, Day, Day]
CLOSED_WEEK: Week = ((), (), (), (), (), (), ())


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(hours: str, minutes: str | None) -> int:
    return int(hours) * 60 + int(minutes or 0)


def parse_day(text: str) -> Day:
    """`8-20`, `08:00-20:00`, `9:00-13:00, 14:00-18:00`, `22:00-02:00`, or closed (`-`,
    `closed` and its translations) -> the day's intervals, in order."""
    if text.strip().lower() in _CLOSED:
        return ()
    intervals: list[Interval] = []
    for part in text.split(","):
        match = _INTERVAL_RE.match(part)
        if not match:
            raise InvalidHours("format")
        start = _minutes(match.group(1), match.group(2))
        end = _minutes(match.group(3), match.group(4))
        if start >= MINUTES_A_DAY or end > MINUTES_A_DAY:
            raise InvalidHours("format")
        if end <= start:
            end += MINUTES_A_DAY  # past midnight
        if start == end % MINUTES_A_DAY and end != MINUTES_A_DAY and start != 0:
            raise InvalidHours("order")
        intervals.append(Interval(start, end))
    intervals.sort(key=lambda i: i.start)
    for before, after in pairwise(intervals):
        if after.start < before.end:
            raise InvalidHours("overlap")
    return tuple(intervals)


def encode(week: Week) -> str:
    return "|".join(",".join(i.label() for i in day) for day in week)


def decode(stored: str | None) -> Week | None:
    """The stored string back as a week; None when nothing was stored."""
    if not stored:
        return None
    days = (stored.split("|") + [""] * DAYS)[:DAYS]
    parsed = tuple(parse_day(day) for day in days)
    return (parsed[0], parsed[1], parsed[2], parsed[3], parsed[4], parsed[5], parsed[6])


def with_day(week: Week, weekday: int, day: Day) -> Week:
    """The week with one day (0 = Monday) replaced."""
    days = list(week)
    days[weekday] = day
    return (days[0], days[1], days[2], days[3], days[4], days[5], days[6])


def _spans(week: Week, local: datetime) -> list[tuple[datetime, datetime]]:
    """Open spans (local, naive of the zone's rules: the caller's tz-aware datetime) from the day
    before `local` to a week after it."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    spans = []
    for offset in range(-1, DAYS + 1):
        day_start = midnight + timedelta(days=offset)
        for interval in week[day_start.weekday()]:
            spans.append(
                (
                    day_start + timedelta(minutes=interval.start),
                    day_start + timedelta(minutes=interval.end),
                )
            )
    return spans


def is_open(week: Week, local: datetime) -> bool:
    """Whether the place is open at `local` (a datetime in the merchant's time zone)."""
    return any(start <= local < end for start, end in _spans(week, local))


def next_opening(week: Week, local: datetime) -> datetime | None:
    """When the place opens next after `local` (in the same zone); `local` itself when open
    now; None when it has no hours at all."""
    if is_open(week, local):
        return local
    later = [start for start, _end in _spans(week, local) if start > local]
    return min(later) if later else None
