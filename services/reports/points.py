"""Points issued, redeemed and expired month by month, what the outstanding points are worth,
and the revenue of members around their birthday gifts and pushes (uplift).

Redeemed points are those taken off a purchase at the till and those spent on rewards: the
points of the vouchers redeemed in the month (or the period), when their reservation became
a spend. So the redemption rate (redeemed / issued) counts rewards too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from db.engine import reading
from db.models import LedgerReason
from db.reports import DAY, points_of
from services import policy
from services.dto import MerchantView
from services.reports.periods import DEFAULT_DAYS, add_months, local_today, month_starts
from services.reports.stats import ISSUED, Snapshot, StatsReports

UPLIFT_WINDOW = 30 * DAY


@dataclass(frozen=True, slots=True)
class PointsMonth:
    month: date
    issued: int
    redeemed: int
    expired: int
    outstanding: int  # their money value at the month's end (or now, for the current month)


@dataclass(frozen=True, slots=True)
class Uplift:
    """Birthday gifts and delivered pushes of a period, and the revenue of their members in
    the 30 days before each and the 30 days after."""

    rewards: int
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class PointsReport:
    merchant: MerchantView
    snapshot: Snapshot
    months: tuple[PointsMonth, ...]
    uplift: Uplift


class PointsReports(StatsReports):
    async def points(
        self,
        merchant_id: int,
        actor: int,
        months: int = 12,
        days: int = DEFAULT_DAYS,
        first_day: date | None = None,
        last_day: date | None = None,
    ) -> PointsReport:
        """Points issued, redeemed and expired per month (the last `months`, this one so far),
        outstanding at each month end, and the totals of the last `days` days (or
        first_day..last_day)."""
        merchant, period = await self._scope(merchant_id, actor, days, first_day, last_day)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(today, -(months - 1))
        bounds = month_starts(first, months, merchant.timezone)
        async with reading(self.session):
            snapshot = await self.snapshot(merchant_id, period)
            months_flows = await self.repo.flows(merchant_id, list(pairwise(bounds)))
            # Points spent on rewards redeemed in each month (the period's are in the snapshot).
            spent = await self.repo.spent_in(merchant_id, list(pairwise(bounds)))
            flows = [points_of(month) for month in months_flows]
            outstanding_now = await self.repo.liability(merchant_id, self.clock())
            # With the points reserved in open vouchers at each month's end (stats.py).
            reserved = await self.repo.reserved_at(merchant_id, [*bounds[1:-1], self.clock()])
            value = await self.repo.point_value(merchant_id)
            uplift = Uplift(
                *await self.repo.uplift(merchant_id, period.start, period.end, UPLIFT_WINDOW)
            )
        rows = []
        later = 0  # ledger changes after the month being looked at
        for index in reversed(range(months)):
            month = flows[index]
            rows.append(
                PointsMonth(
                    month=add_months(first, index),
                    issued=sum(month.get(reason, 0) for reason in ISSUED),
                    redeemed=-month.get(LedgerReason.REDEEM, 0) + spent[index],
                    expired=-month.get(LedgerReason.EXPIRY, 0),
                    outstanding=policy.points_worth(
                        outstanding_now - later + reserved[index], value
                    ),
                )
            )
            later += sum(month.values())
        return PointsReport(merchant, snapshot, tuple(reversed(rows)), uplift)
