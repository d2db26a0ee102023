"""/ratings: the stars and NPS answers of a period, its low ratings, and the monthly trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from db.engine import reading
from services.dto import MerchantView
from services.reports.access import ReportAccess
from services.reports.figures import Nps, Ratio, csat_of, nps_of
from services.reports.periods import DEFAULT_DAYS, Period, add_months, local_today, month_starts


@dataclass(frozen=True, slots=True)
class LowRating:
    purchase_id: int
    rated_at: datetime | None
    stars: int
    comment: str | None
    staff_name: str | None
    amount: int


@dataclass(frozen=True, slots=True)
class Feedback:
    merchant: MerchantView
    period: Period
    stars: dict[int, int]
    csat: Ratio
    csat_good: Ratio
    nps: Nps
    low: tuple[LowRating, ...]
    trend: tuple[tuple[date, Ratio, Nps], ...]  # per month: average stars, NPS
    partial: bool = False  # the last month of the trend is the current one, not over yet


class RatingReports(ReportAccess):
    async def feedback(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        months: int = 6,
        first_day: date | None = None,
        last_day: date | None = None,
    ) -> Feedback:
        """/ratings: ratings of the period with the low ones, and the monthly trend."""
        merchant, period = await self._scope(merchant_id, actor, days, first_day, last_day)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(period.last_day, -(months - 1))
        bounds = month_starts(first, months, merchant.timezone)
        r = self.repo
        async with reading(self.session):
            stars = await r.ratings(merchant_id, period.start, period.end)
            scores = await r.nps(merchant_id, period.start, period.end)
            low = await r.low_ratings(merchant_id, period.start, period.end, 10)
            monthly_stars, monthly_scores = await r.monthly_feedback(merchant_id, bounds)
        csat, good = csat_of(stars)
        trend = []
        for index in range(months):
            month_stars = {s: n for m, s, n in monthly_stars if m == index}
            month_scores = {s: n for m, s, n in monthly_scores if m == index}
            trend.append((add_months(first, index), csat_of(month_stars)[0], nps_of(month_scores)))
        return Feedback(
            merchant=merchant,
            period=period,
            stars=stars,
            csat=csat,
            csat_good=good,
            nps=nps_of(scores),
            low=tuple(LowRating(*row) for row in low),
            trend=tuple(trend),
            partial=(period.last_day.year, period.last_day.month) == (today.year, today.month),
        )
