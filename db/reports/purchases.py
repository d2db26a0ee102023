"""Reports on purchases: totals and their spread over time, the gaps between a member's
purchases, retention, churn and cohorts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import aliased

from db.models import Membership, Purchase
from db.reports.base import (
    ReportQueries,
    as_int,
    index_of,
    member_before,
    net_revenue,
    sold,
    tally,
    within,
)
from db.sql import epoch


class PurchaseReports(ReportQueries):
    async def purchase_totals(
        self, merchant_id: int, start: datetime | None, end: datetime
    ) -> tuple[int, ...]:
        """(purchases, revenue, active customers) in the period (from the start if None)."""
        return await self._one(
            select(
                func.count(),
                func.sum(net_revenue()),
                func.count(distinct(Purchase.membership_id)),
            ).where(
                *sold(merchant_id, start, end),
            )
        )

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

    async def history(
        self, merchant_id: int, ends: Sequence[datetime], churn: int, year: int
    ) -> list[tuple[int, ...]]:
        """Per end: (members with a purchase before it, with two or more, whose last one is
        `churn` seconds or more before the end, revenue to date, revenue in the `year` seconds
        before the end, members who bought in those).

        One pass over each member's purchases (a covering index) gives the latest end; an
        earlier end takes off what came after it, read by time (a short range), and looks up
        the last purchase before it only for members who bought since. A member bought in the
        year before an end when their last purchase before it is in that year.
        """
        latest = max(ends)
        everything = (
            select(
                Purchase.membership_id.label("member"),
                func.count().label("n"),
                func.max(Purchase.confirmed_at).label("last"),
                func.sum(net_revenue()).label("revenue"),
            )
            .where(*sold(merchant_id, None, latest))
            .group_by(Purchase.membership_id)
            .subquery("everything")
        )
        source: Any = everything
        columns: list[Any] = []
        for index, end in enumerate(ends):
            n: Any = everything.c.n
            last: Any = everything.c.last
            revenue: Any = everything.c.revenue
            if end < latest:
                since = (
                    select(
                        Purchase.membership_id.label("member"),
                        func.count().label("n"),
                        func.sum(net_revenue()).label("revenue"),
                    )
                    .where(
                        *sold(merchant_id, end, latest),
                    )
                    .group_by(Purchase.membership_id)
                    .subquery(f"since{index}")
                )
                last_before = member_before(
                    merchant_id, everything.c.member, end, lambda p: func.max(p.confirmed_at)
                )
                source = source.outerjoin(since, since.c.member == everything.c.member)
                n = everything.c.n - func.coalesce(since.c.n, 0)
                revenue = everything.c.revenue - func.coalesce(since.c.revenue, 0)
                last = case((since.c.n.is_(None), everything.c.last), else_=last_before)
            churned = and_(n >= 1, last < end - timedelta(seconds=churn))
            columns += [
                tally(n >= 1),
                tally(n >= 2),
                tally(churned),
                func.sum(case((n >= 1, revenue), else_=0)),
                tally(and_(n >= 1, last >= end - timedelta(seconds=year))),
            ]
        totals = await self._one(select(*columns).select_from(source))
        rows: list[tuple[int, ...]] = []
        for index, end in enumerate(ends):
            buyers, repeaters, churned_n, to_date, year_active = totals[index * 5 : index * 5 + 5]
            older = await self.revenue_before(merchant_id, end - timedelta(seconds=year))
            rows.append((buyers, repeaters, churned_n, to_date, to_date - older, year_active))
        return rows

    async def revenue_before(self, merchant_id: int, cutoff: datetime) -> int:
        return as_int(
            await self.s.scalar(
                select(func.sum(net_revenue())).where(*sold(merchant_id, None, cutoff))
            )
        )

    async def retained(
        self, merchant_id: int, before: datetime, start: datetime, end: datetime
    ) -> tuple[int, ...]:
        """(members active in [before, start), of them also active in [start, end))."""
        later = aliased(Purchase)
        earlier = (
            select(Purchase.membership_id.label("member"))
            .where(
                *sold(merchant_id, before, start),
            )
            .distinct()
            .subquery()
        )
        again = exists().where(
            later.membership_id == earlier.c.member, *sold(merchant_id, start, end, later)
        )
        return await self._one(select(func.count(), tally(again)).select_from(earlier))

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
