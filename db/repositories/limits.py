"""Queries for the limits at the till: wrong codes from the audit log, a day's sales."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from db.models import AuditLog, Merchant, Purchase, PurchaseStatus
from db.repositories.base import Repo


class LimitRepo(Repo):
    async def lock_merchant(self, merchant_id: int) -> Merchant | None:
        """The merchant's row, locked: code lookups at one merchant take turns on PostgreSQL
        (SQLite's write lock already makes every transaction take turns)."""
        return (await self._locked(select(Merchant).where(Merchant.id == merchant_id))).first()

    async def count_actions(
        self, merchant_id: int, action: str, since: datetime, actor: int | None = None
    ) -> int:
        query = select(func.count()).where(
            AuditLog.merchant_id == merchant_id,
            AuditLog.action == action,
            AuditLog.created_at >= since,
        )
        if actor is not None:
            query = query.where(AuditLog.actor_telegram_id == actor)
        return await self._int(query)

    async def last_action(self, merchant_id: int, actor: int, action: str) -> datetime | None:
        return await self.s.scalar(
            select(func.max(AuditLog.created_at)).where(
                AuditLog.actor_telegram_id == actor,
                AuditLog.action == action,
                AuditLog.merchant_id == merchant_id,
            )
        )

    async def nth_action_since(
        self, merchant_id: int, action: str, since: datetime, n: int
    ) -> datetime | None:
        """When the n-th (1-based, oldest first) such act since `since` happened."""
        return await self.s.scalar(
            select(AuditLog.created_at)
            .where(
                AuditLog.merchant_id == merchant_id,
                AuditLog.action == action,
                AuditLog.created_at >= since,
            )
            .order_by(AuditLog.created_at, AuditLog.id)
            .offset(max(0, n - 1))
            .limit(1)
        )

    async def day_totals(
        self,
        merchant_id: int,
        since: datetime,
        membership_id: int | None = None,
        staff_telegram_id: int | None = None,
    ) -> tuple[int, int]:
        """Confirmed purchases since `since` and their amount net of refunds, for one customer
        or one seller."""
        query = select(
            func.count(),
            func.coalesce(func.sum(Purchase.amount_minor - Purchase.refunded_minor), 0),
        ).where(
            Purchase.merchant_id == merchant_id,
            Purchase.status == PurchaseStatus.CONFIRMED,
            Purchase.confirmed_at >= since,
        )
        if membership_id is not None:
            query = query.where(Purchase.membership_id == membership_id)
        if staff_telegram_id is not None:
            query = query.where(Purchase.staff_telegram_id == staff_telegram_id)
        row = (await self.s.execute(query)).one()
        return int(row[0]), int(row[1])
