"""Queries. Repositories flush when they must read back ids, and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Customer, LedgerEntry, Level, Membership, Merchant, PaymentCode


class MerchantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, merchant_id: int) -> Merchant | None:
        return await self.s.get(Merchant, merchant_id)

    async def by_slug(self, slug: str) -> Merchant | None:
        return await self.s.scalar(select(Merchant).where(Merchant.slug == slug))

    async def first(self) -> Merchant | None:
        return await self.s.scalar(select(Merchant).order_by(Merchant.id).limit(1))

    async def count(self) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(Merchant)) or 0)

    def add(self, merchant: Merchant) -> None:
        self.s.add(merchant)

    async def levels(self, merchant_id: int) -> Sequence[Level]:
        rows = await self.s.scalars(
            select(Level).where(Level.merchant_id == merchant_id).order_by(Level.rank)
        )
        return rows.all()

    async def replace_levels(self, merchant_id: int, levels: Sequence[Level]) -> None:
        await self.s.execute(delete(Level).where(Level.merchant_id == merchant_id))
        self.s.add_all(levels)


class CustomerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def by_telegram_id(self, telegram_id: int) -> Customer | None:
        return await self.s.scalar(select(Customer).where(Customer.telegram_id == telegram_id))

    def add(self, customer: Customer) -> None:
        self.s.add(customer)


class MembershipRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, membership_id: int) -> Membership | None:
        return await self.s.get(Membership, membership_id)

    async def find(self, customer_id: int, merchant_id: int) -> Membership | None:
        return await self.s.scalar(
            select(Membership).where(
                Membership.customer_id == customer_id, Membership.merchant_id == merchant_id
            )
        )

    async def for_telegram_user(
        self, telegram_id: int, merchant_id: int
    ) -> tuple[Customer, Membership] | None:
        row = (
            await self.s.execute(
                select(Customer, Membership)
                .join(Membership, Membership.customer_id == Customer.id)
                .where(Customer.telegram_id == telegram_id, Membership.merchant_id == merchant_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def by_referral_code(self, code: str) -> Membership | None:
        return await self.s.scalar(select(Membership).where(Membership.referral_code == code))

    async def referral_code_taken(self, code: str) -> bool:
        found = await self.s.scalar(
            select(Membership.id).where(Membership.referral_code == code).limit(1)
        )
        return found is not None

    async def ancestors(self, membership_id: int, depth: int) -> list[int]:
        """Referrer ids up the chain, nearest first, at most `depth` of them."""
        chain: list[int] = []
        current: int | None = membership_id
        while current is not None and len(chain) < depth:
            current = await self.s.scalar(
                select(Membership.referrer_id).where(Membership.id == current)
            )
            if current is not None:
                if current in chain or current == membership_id:
                    break  # a corrupt cycle must not loop forever
                chain.append(current)
        return chain

    def add(self, membership: Membership) -> None:
        self.s.add(membership)


class PaymentCodeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def drop_for_membership(self, membership_id: int) -> None:
        await self.s.execute(delete(PaymentCode).where(PaymentCode.membership_id == membership_id))

    async def code_in_use(self, merchant_id: int, code: str, now: datetime) -> bool:
        """Whether an active code (unused, unexpired) of the merchant has this value."""
        found = await self.s.scalar(
            select(PaymentCode.id).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                PaymentCode.used_at.is_(None),
                PaymentCode.expires_at > now,
            )
        )
        return found is not None

    async def purge_stale(self, merchant_id: int, code: str, now: datetime) -> None:
        """Free a code value held only by a used or expired row."""
        await self.s.execute(
            delete(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                or_(PaymentCode.used_at.is_not(None), PaymentCode.expires_at <= now),
            )
        )

    def add(self, code: PaymentCode) -> None:
        self.s.add(code)


class LedgerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def post(
        self,
        membership: Membership,
        delta_minor: int,
        reason: str,
        now: datetime,
        note: str | None = None,
    ) -> LedgerEntry:
        """Append an entry and move the cached balance with it, atomically in SQL.

        The conditional UPDATE keeps the balance from going below zero even when two
        transactions race; the caller gets ValueError and nothing is written.
        """
        result = await self.s.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.balance_minor + delta_minor >= 0)
            .values(balance_minor=Membership.balance_minor + delta_minor)
            .returning(Membership.balance_minor)
        )
        balance_after = result.scalar_one_or_none()
        if balance_after is None:
            raise ValueError("balance would go below zero")
        membership.balance_minor = balance_after
        entry = LedgerEntry(
            membership_id=membership.id,
            delta_minor=delta_minor,
            balance_after_minor=balance_after,
            reason=reason,
            note=note,
            created_at=now,
        )
        self.s.add(entry)
        return entry

    async def page(self, membership_id: int, offset: int, limit: int) -> Sequence[LedgerEntry]:
        rows = await self.s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership_id)
            .order_by(LedgerEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return rows.all()

    async def count(self, membership_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count()).where(LedgerEntry.membership_id == membership_id)
            )
            or 0
        )

    async def total(self, membership_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.delta_minor), 0)).where(
                    LedgerEntry.membership_id == membership_id
                )
            )
            or 0
        )
