"""Revenue and purchases over time: per day (or month, for long periods), by weekday and by
calendar month (seasonality), with the days between a member's purchases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.engine import reading
from db.reports import DAY
from services.dto import MerchantView
from services.reports.access import ReportAccess
from services.reports.figures import Ratio, ratio
from services.reports.periods import DEFAULT_DAYS, Period, add_months, local_today

BUCKET = 900  # seconds: a quarter hour fits every timezone offset in use (+05:45 too)


@dataclass(frozen=True, slots=True)
class Series:
    """Purchases and revenue over a period: per day (or month, for long periods), weekday
    (0 = Monday) and calendar month (1-12)."""

    merchant: MerchantView
    period: Period
    monthly: bool
    points: tuple[tuple[date, int, int], ...]  # (day or first of month, purchases, revenue)
    weekdays: tuple[tuple[int, int], ...]  # 7 x (purchases, revenue)
    months: tuple[tuple[int, int], ...]  # 12 x (purchases, revenue)
    mean_gap_days: Ratio  # between consecutive purchases of a member, the later in the period
    partial: bool = False  # the last point holds today: a day (or month) not over yet


class RevenueReports(ReportAccess):
    async def series(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> Series:
        """Revenue and purchases over time, by weekday and by month (seasonality)."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            buckets = await self.repo.buckets(merchant_id, period.start, period.end, BUCKET)
            seconds, pairs = await self.repo.gaps(merchant_id, period.start, period.end)
        series = build_series(merchant, period, buckets, ratio(seconds, pairs * DAY))
        today = local_today(self.clock(), merchant.timezone)
        return replace(series, partial=period.last_day >= today)


def build_series(
    merchant: MerchantView,
    period: Period,
    buckets: Sequence[tuple[int, int, int]],
    mean_gap_days: Ratio,
) -> Series:
    """Quarter-hour buckets to local days (or months), weekdays and months."""
    tz = ZoneInfo(period.timezone)
    monthly = period.days > 92
    by_point: dict[date, list[int]] = {}
    weekdays = [[0, 0] for _ in range(7)]
    months = [[0, 0] for _ in range(12)]
    for start, purchases, revenue in buckets:
        local = datetime.fromtimestamp(start, tz).date()
        point = local.replace(day=1) if monthly else local
        cell = by_point.setdefault(point, [0, 0])
        for target in (cell, weekdays[local.weekday()], months[local.month - 1]):
            target[0] += purchases
            target[1] += revenue
    points = []
    day = period.first_day.replace(day=1) if monthly else period.first_day
    while day <= period.last_day:
        purchases, revenue = by_point.get(day, (0, 0))
        points.append((day, purchases, revenue))
        day = add_months(day, 1) if monthly else day + timedelta(days=1)
    return Series(
        merchant=merchant,
        period=period,
        monthly=monthly,
        points=tuple(points),
        weekdays=tuple((p, r) for p, r in weekdays),
        months=tuple((p, r) for p, r in months),
        mean_gap_days=mean_gap_days,
    )
