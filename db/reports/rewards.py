"""Reports on points: what moved them by reason, the balance owed, and the purchases that
followed a reward."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from db.models import LedgerEntry, LedgerReason, Membership, Merchant, Outbox, Purchase
from db.reports.base import (
    as_int,
    counted,
    delivered,
    net_revenue,
    of_merchant,
    within,
)
from db.reports.flows import FlowReports, points_of
from db.sql import epoch


class RewardReports(FlowReports):
    async def point_flows(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Ledger reason -> sum of its changes in the period."""
        return points_of((await self.flows(merchant_id, [(start, end)]))[0])

    async def balances(self, merchant_id: int) -> int:
        """Sum of all balances now."""
        return as_int(
            await self.s.scalar(
                select(func.sum(Membership.balance_minor)).where(
                    Membership.merchant_id == merchant_id
                )
            )
        )

    async def liability(self, merchant_id: int, at: datetime) -> int:
        """Sum of all balances at an instant: today's balances less what changed since."""
        since = points_of((await self.flows(merchant_id, [(at, None)]))[0])
        return await self.balances(merchant_id) - sum(since.values())

    async def point_value(self, merchant_id: int) -> int:
        """Minor units one point of the merchant is worth: the money value of a balance."""
        value = await self.s.scalar(
            select(Merchant.point_value_minor).where(Merchant.id == merchant_id)
        )
        return int(value or 1)

    async def uplift(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """Birthday gifts and delivered pushes in the period: (rewards, revenue of the member
        in the `window` seconds before each, revenue in the `window` seconds after)."""
        gifts = select(
            LedgerEntry.membership_id.label("member"), LedgerEntry.created_at.label("at")
        ).where(
            of_merchant(merchant_id),
            LedgerEntry.reason == LedgerReason.BIRTHDAY,
            within(LedgerEntry.created_at, start, end),
        )
        pushes = delivered(
            select(Membership.id.label("member"), Outbox.sent_at.label("at")), merchant_id
        ).where(Outbox.kind == "push", within(Outbox.sent_at, start, end))
        events = gifts.union_all(pushes).subquery()

        def revenue(after: bool) -> Any:
            gap = epoch(Purchase.confirmed_at) - epoch(events.c.at)
            window_ok = and_(gap >= 0, gap < window) if after else and_(gap < 0, gap >= -window)
            return (
                select(func.coalesce(func.sum(net_revenue()), 0))
                .where(Purchase.membership_id == events.c.member, counted(), window_ok)
                .correlate(events)
                .scalar_subquery()
            )

        return await self._one(
            select(func.count(), func.sum(revenue(False)), func.sum(revenue(True))).select_from(
                events
            )
        )
