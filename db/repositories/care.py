"""Customer care's reads and writes (services/care/): a member found by phone, what their page
shows beside the membership row, a balance claimed before an adjustment, and the block."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from db.models import (
    AuditLog,
    Customer,
    LedgerEntry,
    LedgerReason,
    Membership,
    Preorder,
    Purchase,
    Staff,
)
from db.repositories.base import Repo
from db.repositories.preorders import WAITING

RATINGS_SHOWN = 3


class CareRepo(Repo):
    async def by_phone(self, merchant_id: int, phone: str) -> Membership | None:
        """The merchant's member whose shared phone is `phone` (normalized, +digits)."""
        return await self.s.scalar(
            select(Membership)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id, Customer.phone == phone)
            .order_by(Membership.id)
            .limit(1)
        )

    async def invited(self, membership_id: int) -> int:
        """Everyone who joined through the member's link, whether or not they bought."""
        return await self._int(select(func.count()).where(Membership.referrer_id == membership_id))

    async def ratings(self, membership_id: int) -> list[tuple[Any, ...]]:
        """The member's last rated purchases, newest first: (stars, comment, when)."""
        result = await self.s.execute(
            select(Purchase.rating, Purchase.rating_comment, Purchase.rated_at)
            .where(Purchase.membership_id == membership_id, Purchase.rating.is_not(None))
            .order_by(Purchase.rated_at.desc(), Purchase.id.desc())
            .limit(RATINGS_SHOWN)
        )
        return [tuple(row) for row in result]

    async def open_orders(self, membership_id: int) -> tuple[int, int]:
        """Pre-orders still to be collected: how many, and their total."""
        row = (
            await self.s.execute(
                select(func.count(), func.coalesce(func.sum(Preorder.total_minor), 0)).where(
                    Preorder.membership_id == membership_id, Preorder.status.in_(WAITING)
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def claim_balance(self, membership_id: int, before: int) -> bool:
        """Take the member's row for an adjustment if the balance still is `before`: a second
        press of the same Save, or a sale meanwhile, finds it changed and writes nothing."""
        return (
            await self._changed(
                update(Membership)
                .where(Membership.id == membership_id, Membership.balance_minor == before)
                .values(balance_minor=Membership.balance_minor)
            )
            == 1
        )

    async def set_blocked(self, membership_id: int, at: datetime | None) -> bool:
        """Block (`at`) or unblock (None); False when it already was so."""
        state = Membership.blocked_at.is_(None) if at else Membership.blocked_at.is_not(None)
        return (
            await self._changed(
                update(Membership)
                .where(Membership.id == membership_id, state)
                .values(blocked_at=at)
            )
            == 1
        )

    async def goodwill(self, purchase_id: int) -> LedgerEntry | None:
        """The goodwill points given for a purchase, if any were."""
        return await self.s.scalar(
            select(LedgerEntry).where(
                LedgerEntry.purchase_id == purchase_id,
                LedgerEntry.reason == LedgerReason.GOODWILL,
            )
        )

    async def goodwill_by(self, purchase_id: int) -> str | None:
        """The name of the staff member who gave a purchase's goodwill (None: an owner)."""
        return await self.s.scalar(
            select(Staff.name)
            .select_from(AuditLog)
            .join(
                Staff,
                and_(
                    Staff.merchant_id == AuditLog.merchant_id,
                    Staff.telegram_id == AuditLog.actor_telegram_id,
                ),
            )
            .where(AuditLog.action == "goodwill_points", AuditLog.target == str(purchase_id))
            .limit(1)
        )

    async def forget_reasons(self, merchant_id: int, membership_id: int) -> None:
        """What admins wrote about a member who erased their data: the notes on their ledger
        entries, and the reasons in the audit of their adjustments (the points stay)."""
        await self.s.execute(
            update(LedgerEntry)
            .where(LedgerEntry.membership_id == membership_id, LedgerEntry.note.is_not(None))
            .values(note=None)
        )
        audited = await self.s.scalars(
            select(AuditLog).where(
                AuditLog.merchant_id == merchant_id,
                AuditLog.action == "points_adjust",
                AuditLog.target == str(membership_id),
            )
        )
        for row in audited:  # "+50 Rozlana kawa": the delta stays
            row.details = (row.details or "").split(" ", 1)[0] or None
