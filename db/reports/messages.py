"""Reports on the messages the bot sent: promo pushes, cart reminders and other kinds, and the
purchases that followed their delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select

from db.models import Campaign, Membership, Outbox, OutboxStatus, Preorder, Purchase
from db.reports.base import ReportQueries, as_int, counted, delivered, net_revenue, tally, within
from db.sql import epoch


class MessageReports(ReportQueries):
    async def campaigns(
        self, merchant_id: int, since: datetime, window: int, limit: int
    ) -> list[tuple[Any, ...]]:
        """Pushes created since: (id, created at, segment, recipients, delivered, blocked,
        failed, purchases within `window` seconds of delivery, their revenue)."""
        sent = tally(Outbox.status == OutboxStatus.SENT)
        blocked = tally(Outbox.status == OutboxStatus.BLOCKED)
        failed = tally(Outbox.status == OutboxStatus.FAILED)
        counts = (
            select(Outbox.campaign_id, sent, blocked, failed)
            .where(
                Outbox.campaign_id.in_(
                    select(Campaign.id).where(
                        Campaign.merchant_id == merchant_id, Campaign.created_at >= since
                    )
                )
            )
            .group_by(Outbox.campaign_id)
        )
        stats = {
            int(r[0]): (as_int(r[1]), as_int(r[2]), as_int(r[3]))
            for r in await self.s.execute(counts)
        }
        brought = await self._brought(
            merchant_id, window, Outbox.campaign_id, Outbox.campaign_id.in_(list(stats) or [-1])
        )
        rows = await self.s.execute(
            select(Campaign.id, Campaign.created_at, Campaign.segment, Campaign.recipients)
            .where(Campaign.merchant_id == merchant_id, Campaign.created_at >= since)
            .order_by(Campaign.created_at.desc())
            .limit(limit)
        )
        return [
            (
                int(i),
                at,
                segment,
                int(n),
                *stats.get(int(i), (0, 0, 0)),
                *brought.get(int(i), (0, 0)),
            )
            for i, at, segment, n in rows.all()
        ]

    async def _brought(
        self, merchant_id: int, window: int, key: Any, where: ColumnElement[bool]
    ) -> dict[Any, tuple[int, int]]:
        """Key -> (purchases, revenue) by recipients within `window` seconds after delivery."""
        gap = epoch(Purchase.confirmed_at) - epoch(Outbox.sent_at)
        # A purchase after two messages of one key (the 2 h and the 24 h cart reminder)
        # counts once for it.
        purchases = select(
            key.label("key"), Purchase.id.label("purchase"), net_revenue().label("revenue")
        )
        brought = (
            delivered(purchases.distinct().select_from(Outbox), merchant_id)
            .join(
                Purchase,
                and_(Purchase.merchant_id == merchant_id, Purchase.membership_id == Membership.id),
            )
            .where(where, counted(), gap >= 0, gap < window)
            .subquery()
        )
        rows = await self.s.execute(
            select(brought.c.key, func.count(), func.sum(brought.c.revenue)).group_by(
                brought.c.key
            )
        )
        return {k: (int(n), as_int(r)) for k, n, r in rows.all()}

    async def kind_deliveries(
        self, merchant_id: int, kind: str, start: datetime, end: datetime, window: int
    ) -> tuple[int, int, int, int]:
        """Messages of one kind queued in the period: (queued, delivered, blocked, purchases
        within `window` seconds after delivery)."""
        counts = await self._one(
            select(
                func.count(),
                tally(Outbox.status == OutboxStatus.SENT),
                tally(Outbox.status == OutboxStatus.BLOCKED),
            ).where(
                Outbox.merchant_id == merchant_id,
                Outbox.kind == kind,
                within(Outbox.created_at, start, end),
            )
        )
        # Delivered in the period: a range on the (merchant, kind, sent_at) index, from which
        # the database starts (by the time it was queued it would start from the purchases).
        brought = await self._brought(
            merchant_id,
            window,
            Outbox.kind,
            and_(Outbox.kind == kind, within(Outbox.sent_at, start, end)),
        )
        return counts[0], counts[1], counts[2], brought.get(kind, (0, 0))[0]

    async def cart_recovery(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """(cart reminders delivered in the period, carts checked out within `window` seconds
        after their reminder)."""
        reminders = select(Outbox.id, Outbox.sent_at, Membership.id.label("member"))
        sent = (
            delivered(reminders, merchant_id)
            .where(Outbox.kind == "cart_reminder", within(Outbox.sent_at, start, end))
            .subquery()
        )
        recovered = exists().where(
            Preorder.membership_id == sent.c.member,
            Preorder.created_at >= sent.c.sent_at,
            epoch(Preorder.created_at) - epoch(sent.c.sent_at) < window,
        )
        return await self._one(select(func.count(), tally(recovered)).select_from(sent))
