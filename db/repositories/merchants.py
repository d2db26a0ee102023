"""Merchants and their levels, and the merchant each owner or staff member works in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from db.models import AuditLog, Level, Merchant, Promotion, Staff, Workplace
from db.repositories.base import Repo


class MerchantRepo(Repo):
    async def get(self, merchant_id: int, *, fresh: bool = False) -> Merchant | None:
        """The merchant's row; `fresh` reads it again even if this session holds it."""
        return await self.s.get(Merchant, merchant_id, populate_existing=fresh)

    async def program_version(self, merchant_id: int) -> int | None:
        return await self.s.scalar(
            select(Merchant.program_version).where(Merchant.id == merchant_id)
        )

    async def by_slug(self, slug: str) -> Merchant | None:
        return await self.s.scalar(select(Merchant).where(Merchant.slug == slug))

    async def first(self) -> Merchant | None:
        return await self.s.scalar(select(Merchant).order_by(Merchant.id).limit(1))

    async def count(self) -> int:
        return await self._int(select(func.count()).select_from(Merchant))

    def add(self, merchant: Merchant) -> None:
        self.s.add(merchant)

    async def insert(self, merchant: Merchant) -> None:
        """Add a new merchant and flush, so its id is known."""
        self.s.add(merchant)
        await self.s.flush()

    async def levels(self, merchant_id: int) -> Sequence[Level]:
        return await self._all(
            select(Level).where(Level.merchant_id == merchant_id).order_by(Level.rank)
        )

    async def promotions(self, merchant_id: int) -> Sequence[Promotion]:
        """The merchant's promotions not ended early, oldest first (ended by date or not)."""
        return await self._all(
            select(Promotion)
            .where(Promotion.merchant_id == merchant_id, Promotion.ended_at.is_(None))
            .order_by(Promotion.id)
        )

    async def bump_program(self, merchant_id: int) -> None:
        """Raise the program's version: a change the triggers do not see (promotions, rewards
        the program names) reaches every process's copy (services/program.py)."""
        await self.s.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(program_version=Merchant.program_version + 1)
        )

    async def replace_levels(self, merchant_id: int, levels: Sequence[Level]) -> None:
        await self.s.execute(delete(Level).where(Level.merchant_id == merchant_id))
        self.s.add_all(levels)

    async def every(self) -> Sequence[Merchant]:
        return await self._all(select(Merchant).order_by(Merchant.id))

    async def worked_in(self, telegram_id: int) -> Sequence[Merchant]:
        """The merchants where this person is active staff, in the order they were hired."""
        return await self._all(
            select(Merchant)
            .join(Staff, Staff.merchant_id == Merchant.id)
            .where(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
            .order_by(Staff.id)
        )

    async def created_by(self, merchant_id: int, actor: int) -> bool:
        """Whether `actor` created this merchant from the chat (its merchant_create audit)."""
        found = await self.s.scalar(
            select(AuditLog.id).where(
                AuditLog.merchant_id == merchant_id,
                AuditLog.action == "merchant_create",
                AuditLog.actor_telegram_id == actor,
            )
        )
        return found is not None

    async def choose(self, telegram_id: int, merchant_id: int, now: datetime) -> None:
        """Remember the merchant this person works in; a race on the first choice meets at the
        primary key (the caller retries)."""
        changed = await self._changed(
            update(Workplace)
            .where(Workplace.telegram_id == telegram_id)
            .values(merchant_id=merchant_id, chosen_at=now)
        )
        if not changed:
            self.s.add(Workplace(telegram_id=telegram_id, merchant_id=merchant_id, chosen_at=now))
            await self.s.flush()
