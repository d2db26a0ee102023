"""The simulated period in the merchant's local days, and the queue of events in it.

Simulated time is whole seconds of local wall clock since the first midnight of the period.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.jobs import months_before

DAY = 86_400
HOUR = 3_600
WEEKDAY_WEIGHT = (0.85, 0.9, 0.95, 1.0, 1.3, 1.4, 0.9)  # Monday first: Fri and Sat are busy
MONTH_WEIGHT = (0.9, 0.9, 1.0, 1.0, 1.05, 0.95, 0.8, 0.75, 1.0, 1.05, 1.1, 1.3)  # a summer dip

# Event kinds, in the order two events at the same second run.
WELCOME, ERASE, REFUND, PURCHASE, EXTRA, BIRTHDAY, LAPSE, NPS, CART, CAMPAIGN = range(10)

Event = tuple[int, int, int, int, Any]  # (time, kind, sequence, member index, data)


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    """One of the values, drawn by the weights beside them (they add up to 1)."""
    r = rng.random()
    for value, weight in pairs:
        r -= weight
        if r < 0:
            return value
    return pairs[-1][0]


def cafe_time(rng: random.Random) -> int:
    """Seconds after local midnight: a morning, a lunch and an afternoon peak (triangular
    bumps: two uniform draws are cheaper than a Gaussian, and this runs a million times)."""
    r = rng.random()
    if r < 0.35:
        center, width = 8.75, 1.75
    elif r < 0.7:
        center, width = 13.0, 1.75
    else:
        center, width = 16.5, 2.5
    hours = center + (rng.random() + rng.random() - 1.0) * width
    return int(min(max(hours, 7.0), 20.9) * HOUR)


class Timeline:
    """Whole local days, from the day after `now - months` to the last midnight before `now`,
    and the events scheduled in them."""

    def __init__(self, tz: ZoneInfo, now: datetime, months: int) -> None:
        local_now = now.astimezone(tz)
        self.first_day: date = months_before(local_now, months).date() + timedelta(days=1)
        self.days = (local_now.date() - self.first_day).days
        if self.days < 7:
            raise ValueError("the period is too short for demo data")
        self.end = self.days * DAY  # nothing happens at or after it
        # UTC of each local midnight (the offset at noon: events are in the day, away from DST
        # changes); a few days past the end for messages sent just after it.
        self.midnights: list[datetime] = []
        for d in range(self.days + 30):
            day = self.first_day + timedelta(days=d)
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
            offset = noon.utcoffset() or timedelta(0)
            self.midnights.append(datetime(day.year, day.month, day.day, tzinfo=UTC) - offset)
        self.day_weight: list[float] = []
        for d in range(self.days):
            day = self.first_day + timedelta(days=d)
            self.day_weight.append(WEEKDAY_WEIGHT[day.weekday()] * MONTH_WEIGHT[day.month - 1])
        self.max_weight = max(self.day_weight)
        # Events wait in a list per day; the day being simulated is a heap. A heap of every
        # member's next visit (100,000 entries) costs several times more per event.
        self.queue: list[list[Event]] = [[] for _ in range(self.days)]
        self.today = -1
        self.today_heap: list[Event] = []
        self.seq = 0

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def at(self, t: int) -> datetime:
        """Simulated seconds as aware UTC."""
        d = t // DAY
        return self.midnights[d] + timedelta(seconds=t - d * DAY)

    def push(self, t: int, kind: int, i: int, data: Any = None) -> None:
        """Schedule an event; the simulation ends at `end`, so later ones are dropped."""
        if t >= self.end:
            return
        self.seq += 1
        d = t // DAY
        if d == self.today:
            heapq.heappush(self.today_heap, (t, kind, self.seq, i, data))
        else:
            self.queue[d].append((t, kind, self.seq, i, data))

    def open_day(self, day: int) -> list[Event]:
        """The day's events as a heap, which events pushed for the same day now join."""
        heap = self.queue[day]
        self.queue[day] = []
        heapq.heapify(heap)
        self.today, self.today_heap = day, heap
        return heap
