"""A person's own data: what erasure scrubs beyond the profile, and what a download reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from db.models import (
    CartLine,
    CatalogItem,
    Customer,
    LedgerEntry,
    Membership,
    Merchant,
    NpsAnswer,
    Outbox,
    Preorder,
    Purchase,
    Refund,
    Staff,
)
from db.repositories.base import Repo
from db.repositories.outbox import OutboxRepo


class PrivacyRepo(Repo):
    # Erasure: the free text a member wrote, and alerts about their orders

    async def forget_feedback(self, membership_id: int) -> None:
        """The comments a member wrote go; the stars and scores stay, anonymous, for the
        merchant's CSAT and NPS."""
        await self._changed(
            update(Purchase)
            .where(Purchase.membership_id == membership_id, Purchase.rating_comment.is_not(None))
            .values(rating_comment=None)
        )
        await self._changed(
            update(NpsAnswer)
            .where(NpsAnswer.membership_id == membership_id, NpsAnswer.comment.is_not(None))
            .values(comment=None)
        )

    async def forget_orders(self, merchant_id: int, membership_id: int) -> None:
        """The admins' alerts about a member's pre-orders lose their content (what they
        ordered), and those not yet sent are not sent: the pickup will not happen."""
        orders = await self.s.scalars(
            select(Preorder.id).where(Preorder.membership_id == membership_id)
        )
        await OutboxRepo(self.s).forget_like(merchant_id, [f"order:{oid}:%" for oid in orders])

    # A download: everything held about one person, read in the caller's transaction

    async def customer(self, telegram_id: int) -> Customer | None:
        return await self.s.scalar(select(Customer).where(Customer.telegram_id == telegram_id))

    async def memberships(self, customer_id: int) -> Sequence[tuple[Membership, Merchant]]:
        rows = await self.s.execute(
            select(Membership, Merchant)
            .join(Merchant, Merchant.id == Membership.merchant_id)
            .where(Membership.customer_id == customer_id)
            .order_by(Membership.id)
        )
        return [(m, merchant) for m, merchant in rows.all()]

    async def purchases(self, membership_id: int) -> Sequence[Purchase]:
        return await self._all(
            select(Purchase).where(Purchase.membership_id == membership_id).order_by(Purchase.id)
        )

    async def refunds(self, purchase_ids: Sequence[int]) -> Sequence[Refund]:
        if not purchase_ids:
            return []
        return await self._all(
            select(Refund).where(Refund.purchase_id.in_(purchase_ids)).order_by(Refund.id)
        )

    async def nps_answers(self, membership_id: int) -> Sequence[NpsAnswer]:
        return await self._all(
            select(NpsAnswer)
            .where(NpsAnswer.membership_id == membership_id)
            .order_by(NpsAnswer.id)
        )

    async def ledger(self, membership_id: int) -> Sequence[LedgerEntry]:
        return await self._all(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership_id)
            .order_by(LedgerEntry.id)
        )

    async def orders(self, membership_id: int) -> Sequence[Preorder]:
        return await self._all(
            select(Preorder).where(Preorder.membership_id == membership_id).order_by(Preorder.id)
        )

    async def cart(self, membership_id: int) -> Sequence[tuple[str, int, int]]:
        """(title, quantity, price) of what is in the member's cart."""
        rows = await self.s.execute(
            select(CatalogItem.title, CartLine.qty, CatalogItem.price_minor)
            .join(CatalogItem, CatalogItem.id == CartLine.item_id)
            .where(CartLine.membership_id == membership_id)
            .order_by(CatalogItem.title)
        )
        return [(str(t), int(q), int(p)) for t, q, p in rows.all()]

    async def messages(self, merchant_id: int, chat_id: int) -> Sequence[Outbox]:
        return await self._all(
            select(Outbox)
            .where(Outbox.merchant_id == merchant_id, Outbox.chat_id == chat_id)
            .order_by(Outbox.id)
        )

    async def staff_roles(self, telegram_id: int) -> Sequence[tuple[Staff, Merchant]]:
        rows = await self.s.execute(
            select(Staff, Merchant)
            .join(Merchant, Merchant.id == Staff.merchant_id)
            .where(Staff.telegram_id == telegram_id)
            .order_by(Staff.id)
        )
        return [(s, m) for s, m in rows.all()]
