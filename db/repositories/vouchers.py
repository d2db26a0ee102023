"""Vouchers: issued in one statement for a set of members (a catalogue claim, full stamp
cards, welcome and friend gifts), read by their code. Claiming, redeeming and lapsing add their
own conditional updates here (issue 15)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from db.models import (
    Customer,
    Membership,
    Purchase,
    PurchaseStatus,
    Reward,
    Voucher,
    VoucherStatus,
)
from db.repositories.base import Repo


class VoucherRepo(Repo):
    async def issue(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert vouchers (dicts of Voucher's columns) in one statement; their ids, in order."""
        if not rows:
            return []
        statement = insert(Voucher).returning(Voucher.id, sort_by_parameter_order=True)
        result = await self.s.execute(statement, list(rows))
        return [int(row[0]) for row in result]

    async def codes_taken(self, merchant_id: int, codes: Sequence[str]) -> set[str]:
        """Which of `codes` a voucher of this merchant already holds."""
        taken = await self._all(
            select(Voucher.code).where(Voucher.merchant_id == merchant_id, Voucher.code.in_(codes))
        )
        return set(taken)

    async def reward(self, reward_id: int) -> Reward | None:
        return await self.s.get(Reward, reward_id)

    # --- redeeming ---

    async def for_till(
        self, merchant_id: int, *, code: str | None = None, voucher_id: int | None = None
    ) -> Any:
        """A voucher of this merchant (by its code or its id) with what the till shows and
        checks: the reward's name, the member's first name and phone, whether their card is
        blocked or erased. None when this merchant has no such voucher."""
        query = (
            select(
                Voucher.id,
                Voucher.membership_id,
                Voucher.status,
                Voucher.source,
                Voucher.points,
                Voucher.expires_at,
                Voucher.redeemed_at,
                Reward.name.label("reward"),
                Customer.telegram_id,
                Customer.first_name,
                Customer.phone,
                Membership.blocked_at,
                Membership.deleted_at,
            )
            .join(Reward, Reward.id == Voucher.reward_id)
            .join(Membership, Membership.id == Voucher.membership_id)
            .outerjoin(Customer, Customer.id == Membership.customer_id)
            .where(Voucher.merchant_id == merchant_id)
        )
        if code is not None:
            query = query.where(Voucher.code == code)
        if voucher_id is not None:
            query = query.where(Voucher.id == voucher_id)
        return (await self.s.execute(query)).first()

    async def held_elsewhere(self, merchant_id: int, code: str) -> bool:
        """Whether another merchant of the deployment has a voucher with this code."""
        found = await self.s.scalar(
            select(Voucher.id)
            .where(Voucher.code == code, Voucher.merchant_id != merchant_id)
            .limit(1)
        )
        return found is not None

    async def redeem(
        self,
        merchant_id: int,
        voucher_id: int,
        staff_id: int,
        now: datetime,
        purchase_id: int | None,
    ) -> bool:
        """Open -> redeemed, once: False when it was not open and valid any more (another
        press, another cashier, or it lapsed meanwhile)."""
        changed = await self._changed(
            update(Voucher)
            .where(
                Voucher.id == voucher_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.OPEN,
                Voucher.expires_at > now,
            )
            .values(
                status=VoucherStatus.REDEEMED,
                redeemed_at=now,
                redeemed_by=staff_id,
                purchase_id=purchase_id,
            )
        )
        return changed == 1

    async def open_for_draft(
        self, merchant_id: int, draft_key: str, staff_id: int, now: datetime, limit: int
    ) -> Sequence[Any]:
        """The open, valid vouchers of the customer of the sale draft `draft_key` that
        `staff_id` made, soonest to lapse first, at most `limit`; each with the draft's
        purchase id and the reward's name."""
        rows = await self.s.execute(
            select(Voucher.id, Reward.name.label("reward"), Purchase.id.label("sale_id"))
            .join(Reward, Reward.id == Voucher.reward_id)
            .join(Purchase, Purchase.membership_id == Voucher.membership_id)
            .where(
                Purchase.idempotency_key == draft_key,
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.DRAFT,
                Purchase.staff_telegram_id == staff_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.OPEN,
                Voucher.expires_at > now,
            )
            .order_by(Voucher.expires_at, Voucher.id)
            .limit(limit)
        )
        return rows.all()

    async def sale_of(self, merchant_id: int, purchase_id: int, membership_id: int) -> bool:
        """Whether `purchase_id` is a sale (a draft or confirmed) of this member here."""
        found = await self.s.scalar(
            select(Purchase.id).where(
                Purchase.id == purchase_id,
                Purchase.merchant_id == merchant_id,
                Purchase.membership_id == membership_id,
                Purchase.status != PurchaseStatus.CANCELLED,
            )
        )
        return found is not None
