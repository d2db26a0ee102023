"""The uplift of a promotion's hours, in plain values (KPI.md, "Promotions"): the hours a
promotion ran in a period and the same weekday-hours of the four weeks before it began, as
UTC ranges, and how the purchases per hour of the two compare.

A promotion's hours are cut in its merchant's local time, day by day: the weekdays it runs,
its start and end minute (hours past midnight belong to the day they began on, as at the
till: services/policy/promotions.py), its date range. Their length is measured in UTC, so a
night when the clocks change counts the hour it really had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from services.policy.promotions import PromotionRule
from services.reports.figures import Ratio

BASELINE_DAYS = 28  # the four weeks before a promotion began
Window = tuple[datetime, datetime]  # [start, end) in UTC


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local.replace(tzinfo=zone).astimezone(UTC)


def windows(
    rule: PromotionRule, first: date, last: date, timezone: str, until: datetime | None = None
) -> list[Window]:
    """The promotion's hours that began on the local days first..last (and within its own
    date range), as UTC ranges, cut at `until` (what has not happened yet has no purchases);
    hours that go on from one day into the next are one range."""
    zone = ZoneInfo(timezone)
    if rule.starts_on is not None:
        first = max(first, rule.starts_on)
    if rule.ends_on is not None:
        last = min(last, rule.ends_on)
    start = 0 if rule.start_minute is None else rule.start_minute
    end = 24 * 60 if rule.end_minute is None else rule.end_minute
    if rule.start_minute is not None and end <= start:
        end += 24 * 60  # past midnight: into the next day
    found: list[Window] = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        day = date.fromordinal(ordinal)
        if not rule.weekdays & (1 << day.weekday()):
            continue
        opens, closes = _at(day, start, zone), _at(day, end, zone)
        if until is not None:
            closes = min(closes, until)
        if opens >= closes:
            continue
        if found and found[-1][1] == opens:  # all day, day after day: one window
            found[-1] = (found[-1][0], closes)
        else:
            found.append((opens, closes))
    return found


def minutes(found: list[Window]) -> int:
    """How long the windows last together, in whole minutes."""
    return sum(int((b - a).total_seconds()) // 60 for a, b in found)


def first_day(rule: PromotionRule, created: date) -> date:
    """The day a promotion began: its first date, or the day it was made if that is later
    (it earned nothing before it existed)."""
    return created if rule.starts_on is None else max(rule.starts_on, created)


def baseline(rule: PromotionRule, began: date, timezone: str) -> list[Window]:
    """The same weekday-hours in the four weeks before the promotion began."""
    before = PromotionRule(
        rule.id, rule.name, weekdays=rule.weekdays, start_minute=rule.start_minute,
        end_minute=rule.end_minute,
    )  # fmt: skip
    return windows(
        before, began - timedelta(days=BASELINE_DAYS), began - timedelta(days=1), timezone
    )


@dataclass(frozen=True, slots=True)
class HoursUplift:
    """Purchases in a promotion's hours and in the same hours before it; `ratio` is the
    purchases per hour in its hours over those before (1.25: a quarter more), None when there
    is not enough data to say."""

    purchases: int
    minutes: int
    baseline_purchases: int
    baseline_minutes: int
    history: bool  # the program sold before the four weeks began: they are a fair comparison

    @property
    def ratio(self) -> Ratio | None:
        if not (self.history and self.minutes and self.baseline_purchases):
            return None
        return Ratio(
            self.purchases * self.baseline_minutes, self.minutes * self.baseline_purchases
        )

    @property
    def percent(self) -> int | None:
        """The uplift in whole percent (+25, -10), half away from zero; None: not enough
        data."""
        rate = self.ratio
        if rate is None:
            return None
        change = Decimal(100 * (rate.num - rate.den)) / rate.den
        return int(change.quantize(Decimal(1), rounding=ROUND_HALF_UP))
