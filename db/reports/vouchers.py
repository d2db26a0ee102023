"""Reports on rewards (issue 15): vouchers claimed, redeemed, lapsed and open by source, the
points they hold, full stamp cards, the rewards redeemed most, and purchases under a
promotion and in its hours. One statement a figure group, counted in SQL.

A voucher is open at an instant when it was claimed before it and neither redeemed nor
closed (lapsed, cancelled) before it: its points are reserved then, still owed to the member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, func, or_, select, values
from sqlalchemy.sql import column

from db.base import UtcDateTime
from db.models import (
    Membership,
    Promotion,
    Purchase,
    Reward,
    StampEntry,
    StampReason,
    Voucher,
    VoucherStatus,
)
from db.reports.base import ReportQueries, as_int, counted, net_revenue, sold, tally, within

TOP_REWARDS = 5
WINDOWS_A_QUERY = 5_000


def open_at(at: datetime) -> ColumnElement[bool]:
    """The voucher was open at `at` (its points reserved)."""
    return and_(
        Voucher.claimed_at < at,
        or_(Voucher.redeemed_at.is_(None), Voucher.redeemed_at >= at),
        or_(Voucher.closed_at.is_(None), Voucher.closed_at >= at),
    )


class VoucherReports(ReportQueries):
    async def vouchers(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int, int, int, int, int, int, int]]:
        """Per source: (source, claimed, redeemed, lapsed in the period, open at its end,
        points of those redeemed, points reserved at its end, cancelled in the period)."""
        v = Voucher
        redeemed = and_(v.status == VoucherStatus.REDEEMED, within(v.redeemed_at, start, end))
        query = (
            select(
                v.source,
                tally(within(v.claimed_at, start, end)),
                tally(redeemed),
                tally(and_(v.status == VoucherStatus.LAPSED, within(v.closed_at, start, end))),
                tally(open_at(end)),
                func.sum(v.points).filter(redeemed),
                func.sum(v.points).filter(open_at(end)),
                tally(and_(v.status == VoucherStatus.CANCELLED, within(v.closed_at, start, end))),
            )
            .where(v.merchant_id == merchant_id, v.claimed_at < end)
            .group_by(v.source)
        )
        rows = await self.s.execute(query)
        return [
            (str(source), *(as_int(n) for n in figures))  # type: ignore[misc]
            for source, *figures in rows.all()
        ]

    async def reserved_at(self, merchant_id: int, ends: Sequence[datetime]) -> list[int]:
        """Points reserved in open vouchers at each instant."""
        if not ends:
            return []
        sums = [func.sum(Voucher.points).filter(open_at(end)) for end in ends]
        return list(
            await self._one(
                select(*sums).where(Voucher.merchant_id == merchant_id, Voucher.points > 0)
            )
        )

    async def spent_in(
        self, merchant_id: int, ranges: Sequence[tuple[datetime, datetime]]
    ) -> list[int]:
        """Points of the vouchers redeemed in each range [start, end): spent on rewards."""
        if not ranges:
            return []
        redeemed = Voucher.status == VoucherStatus.REDEEMED
        sums = [
            func.sum(Voucher.points).filter(redeemed, within(Voucher.redeemed_at, start, end))
            for start, end in ranges
        ]
        found = await self._one(
            select(*sums).where(Voucher.merchant_id == merchant_id, Voucher.points > 0)
        )
        return [as_int(n) for n in found]

    async def cards_completed(self, merchant_id: int, start: datetime, end: datetime) -> int:
        """Stamp cards filled in the period (each full card's `card_full` entry)."""
        members = select(Membership.id).where(Membership.merchant_id == merchant_id)
        return as_int(
            await self.s.scalar(
                select(func.count()).where(
                    StampEntry.membership_id.in_(members),
                    StampEntry.reason == StampReason.CARD_FULL,
                    within(StampEntry.created_at, start, end),
                )
            )
        )

    async def top_rewards(
        self, merchant_id: int, start: datetime, end: datetime, limit: int = TOP_REWARDS
    ) -> list[tuple[str, int]]:
        """The rewards redeemed most in the period: (name, redemptions), most first."""
        redemptions = func.count().label("n")
        rows = await self.s.execute(
            select(Reward.name, redemptions)
            .select_from(Voucher)
            .join(Reward, Reward.id == Voucher.reward_id)
            .where(
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.REDEEMED,
                within(Voucher.redeemed_at, start, end),
            )
            .group_by(Reward.id, Reward.name)
            .order_by(redemptions.desc(), Reward.name)
            .limit(limit)
        )
        return [(str(name), int(n)) for name, n in rows.all()]

    async def promotions_between(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[Promotion]:
        """The promotions that existed at some time in [start, end), oldest first."""
        rows = await self.s.scalars(
            select(Promotion)
            .where(
                Promotion.merchant_id == merchant_id,
                Promotion.created_at < end,
                or_(Promotion.ended_at.is_(None), Promotion.ended_at > start),
            )
            .order_by(Promotion.id)
        )
        return list(rows.all())

    async def promotion_sales(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> dict[int, tuple[int, int]]:
        """Promotion id -> (purchases that earned under it in the period, their revenue)."""
        rows = await self.s.execute(
            select(Purchase.promotion_id, func.count(), func.sum(net_revenue()))
            .where(*sold(merchant_id, start, end), Purchase.promotion_id.is_not(None))
            .group_by(Purchase.promotion_id)
        )
        return {as_int(p): (as_int(n), as_int(revenue)) for p, n, revenue in rows.all()}

    async def sales_in(
        self, merchant_id: int, windows: Sequence[tuple[int, datetime, datetime]]
    ) -> dict[int, int]:
        """Group -> purchases that count confirmed in its windows, from (group, start, end)
        of each window; a group's windows do not overlap. One statement for each
        WINDOWS_A_QUERY windows (three years of daily hours of a dozen promotions would pass
        the databases' limit of 32,766 parameters)."""
        counts: dict[int, int] = {}
        for first in range(0, len(windows), WINDOWS_A_QUERY):
            for group, n in await self._sales_in(
                merchant_id, windows[first : first + WINDOWS_A_QUERY]
            ):
                counts[group] = counts.get(group, 0) + n
        return counts

    async def _sales_in(
        self, merchant_id: int, windows: Sequence[tuple[int, datetime, datetime]]
    ) -> list[tuple[int, int]]:
        table = (
            values(
                column("grp", Integer),
                column("opens", UtcDateTime()),
                column("closes", UtcDateTime()),
                name="windows",
            )
            .data(list(windows))
            .cte("windows")  # WITH windows (grp, ...) AS (VALUES ...): SQLite and PostgreSQL
        )
        w: Any = table.c
        rows = await self.s.execute(
            select(w.grp, func.count(Purchase.id))
            .select_from(table)
            .join(
                Purchase,
                and_(
                    Purchase.merchant_id == merchant_id,
                    Purchase.confirmed_at >= w.opens,
                    Purchase.confirmed_at < w.closes,
                    counted(),
                ),
            )
            .group_by(w.grp)
        )
        return [(int(group), int(n)) for group, n in rows.all()]

    async def first_sale(self, merchant_id: int) -> datetime | None:
        """When the merchant's first purchase that counts was confirmed."""
        return await self.s.scalar(
            select(func.min(Purchase.confirmed_at)).where(
                Purchase.merchant_id == merchant_id, counted()
            )
        )
