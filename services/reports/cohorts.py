"""Monthly cohorts: of the members who joined in a month, the share who bought in each month
after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from db.engine import reading
from services.dto import MerchantView
from services.reports.access import ReportAccess
from services.reports.figures import Ratio
from services.reports.periods import add_months, local_today, month_starts


@dataclass(frozen=True, slots=True)
class Cohorts:
    merchant: MerchantView
    months: tuple[date, ...]  # first day of each cohort's month
    sizes: tuple[int, ...]
    active: tuple[tuple[int, ...], ...]  # active[c][k]: cohort c members buying in month c+k

    def share(self, cohort: int, offset: int) -> Ratio:
        return Ratio(self.active[cohort][offset], self.sizes[cohort])


class CohortReports(ReportAccess):
    async def cohorts(self, merchant_id: int, actor: int, count: int = 12) -> Cohorts:
        """Monthly cohorts of the last `count` months, this month included."""
        merchant = await self.merchant(merchant_id, actor)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(today, -(count - 1))
        bounds = month_starts(first, count, merchant.timezone)
        async with reading(self.session):
            sizes, active = await self.repo.cohorts(merchant_id, bounds)
        return build_cohorts(merchant, [add_months(first, i) for i in range(count)], sizes, active)


def build_cohorts(
    merchant: MerchantView,
    months: list[date],
    sizes: Sequence[tuple[int, int]],
    active: Sequence[tuple[int, int, int]],
) -> Cohorts:
    count = len(months)
    size = dict(sizes)
    grid = [[0] * (count - c) for c in range(count)]
    for cohort, month, members in active:
        if month >= cohort:
            grid[cohort][month - cohort] = members
    return Cohorts(
        merchant=merchant,
        months=tuple(months),
        sizes=tuple(size.get(c, 0) for c in range(count)),
        active=tuple(tuple(row) for row in grid),
    )
