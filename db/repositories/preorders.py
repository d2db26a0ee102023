"""Queries about pre-orders waiting for pickup, and their codes. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from db.models import Customer, Membership, PaymentCode, Preorder, PreorderStatus
from db.repositories.base import Repo

WAITING = (PreorderStatus.OPEN, PreorderStatus.READY)  # still to be collected


class PreorderRepo(Repo):
    async def get(self, merchant_id: int, order_id: int) -> Preorder | None:
        order = await self.s.get(Preorder, order_id)
        return order if order is not None and order.merchant_id == merchant_id else None

    async def waiting_of(self, membership_id: int) -> Sequence[Preorder]:
        """A member's orders still to be collected, oldest first."""
        return await self._all(
            select(Preorder)
            .where(Preorder.membership_id == membership_id, Preorder.status.in_(WAITING))
            .order_by(Preorder.id)
        )

    async def count_waiting_of(self, membership_id: int) -> int:
        return await self._int(
            select(func.count()).where(
                Preorder.membership_id == membership_id, Preorder.status.in_(WAITING)
            )
        )

    async def waiting(self, merchant_id: int, limit: int) -> tuple[Sequence[Preorder], int]:
        """The merchant's orders still to be collected, oldest first, and how many in all."""
        where = (Preorder.merchant_id == merchant_id, Preorder.status.in_(WAITING))
        total = await self._int(select(func.count()).where(*where))
        rows = await self.s.scalars(
            select(Preorder).where(*where).order_by(Preorder.id).limit(limit)
        )
        return rows.all(), total

    async def transition(
        self,
        order_id: int,
        old: Sequence[PreorderStatus],
        new: PreorderStatus,
        purchase_id: int | None = None,
    ) -> bool:
        """Move an order on, once: False when another press or person moved it first."""
        values: dict[str, object] = {"status": new}
        if purchase_id is not None:
            values["purchase_id"] = purchase_id
        changed = await self._changed(
            update(Preorder)
            .where(Preorder.id == order_id, Preorder.status.in_(old))
            .values(**values)
        )
        return changed > 0

    async def close_code(self, order_id: int, now: datetime) -> bool:
        """Mark the order's code used: the cashier is told so, and the value is free again.
        False when a sale took it first (or the order never had a code row)."""
        changed = await self._changed(
            update(PaymentCode)
            .where(PaymentCode.preorder_id == order_id, PaymentCode.used_at.is_(None))
            .values(used_at=now)
        )
        return changed > 0

    async def customer_of(self, order: Preorder) -> Customer | None:
        return await self.s.scalar(
            select(Customer)
            .join(Membership, Membership.customer_id == Customer.id)
            .where(Membership.id == order.membership_id)
        )
