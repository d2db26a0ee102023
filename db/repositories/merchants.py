"""Merchants and their levels."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select

from db.models import Level, Merchant
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

    async def levels(self, merchant_id: int) -> Sequence[Level]:
        return await self._all(
            select(Level).where(Level.merchant_id == merchant_id).order_by(Level.rank)
        )

    async def replace_levels(self, merchant_id: int, levels: Sequence[Level]) -> None:
        await self.s.execute(delete(Level).where(Level.merchant_id == merchant_id))
        self.s.add_all(levels)
