"""Reports on purchases read from the purchases themselves: their spread over time, the gaps
between a member's purchases, and cohorts. Totals, retention and churn come from the summaries
(db/reports/flows.py, history.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, select

from db.models import Membership, Purchase
from db.reports.base import (
    ReportQueries,
    as_int,
    index_of,
    member_before,
    net_revenue,
    sold,
    within,
)
from db.sql import epoch


class PurchaseReports(ReportQueries):
    async def gaps(self, merchant_id: int, start: datetime, end: datetime) -> tuple[int, ...]:
        """(seconds, pairs) over consecutive purchases of a member whose later one is in the
        period. Per member the gaps add up to last-in-period minus the purchase before the
        first in the period (or the first itself), so no window function is needed."""
        before = member_before(
            merchant_id, Purchase.membership_id, start, lambda p: func.max(p.confirmed_at)
        )
        per_member = (
            select(
                func.max(Purchase.confirmed_at).label("last"),
                func.min(Purchase.confirmed_at).label("first"),
                func.count().label("n"),
                before.label("before"),
            )
            .where(
                *sold(merchant_id, start, end),
            )
            .group_by(Purchase.membership_id)
            .subquery()
        )
        return await self._one(
            select(
                func.sum(
                    epoch(per_member.c.last)
                    - epoch(func.coalesce(per_member.c.before, per_member.c.first))
                ),
                func.sum(per_member.c.n - case((per_member.c.before.is_(None), 1), else_=0)),
            )
        )

    async def buckets(
        self, merchant_id: int, start: datetime, end: datetime, seconds: int
    ) -> list[tuple[int, int, int]]:
        """(bucket start in epoch seconds, purchases, revenue) per non-empty bucket."""
        bucket = epoch(Purchase.confirmed_at) // seconds  # integer division on both
        rows = await self.s.execute(
            select(bucket, func.count(), func.sum(net_revenue()))
            .where(
                *sold(merchant_id, start, end),
            )
            .group_by(bucket)
        )
        return [(int(b) * seconds, int(n), as_int(r)) for b, n, r in rows.all()]

    async def cohorts(
        self, merchant_id: int, months: Sequence[datetime]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
        """Cohorts by month of joining over the local month starts given (the last one is the
        end): (cohort, size) and (cohort, month of the purchase, members who bought)."""
        start, end = months[0], months[-1]
        cohort = index_of(Membership.joined_at, months[:-1])
        sizes = await self.s.execute(
            select(cohort, func.count())
            .where(Membership.merchant_id == merchant_id, within(Membership.joined_at, start, end))
            .group_by(cohort)
        )
        # Each member's cohort is worked out once (a materialized CTE, which SQLite and
        # PostgreSQL both honour), then their purchases are cut into months and counted once
        # per member and month, instead of a DISTINCT over every purchase.
        joined = (
            select(Membership.id.label("member"), cohort.label("cohort"))
            .where(Membership.merchant_id == merchant_id, within(Membership.joined_at, start, end))
            .cte("cohort_member")
            .prefix_with("MATERIALIZED")
        )
        month = index_of(Purchase.confirmed_at, months[:-1]).label("month")
        member_months = (
            select(joined.c.cohort, month)
            .select_from(joined)
            .join(
                Purchase,
                and_(Purchase.membership_id == joined.c.member, *sold(merchant_id, start, end)),
            )
            .group_by(joined.c.member, joined.c.cohort, month)
            .subquery()
        )
        active = await self.s.execute(
            select(member_months.c.cohort, member_months.c.month, func.count()).group_by(
                member_months.c.cohort, member_months.c.month
            )
        )
        return (
            [(int(c), int(n)) for c, n in sizes.all()],
            [(int(c), int(m), int(n)) for c, m, n in active.all()],
        )
