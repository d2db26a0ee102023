"""Promotions as owners manage them from the chat (/promos): the list, one promotion, a new
one, and ending one early with a conditional update. The purchase path reads the live ones
through the program's copy (MerchantRepo.promotions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from db.models import Promotion
from db.repositories.base import Repo


class PromotionRepo(Repo):
    async def listing(self, merchant_id: int, since: date, limit: int) -> Sequence[Promotion]:
        """Every promotion not ended early whose last day is `since` or later (running or
        upcoming: a merchant has few), then the newest of the others, `limit` at most; newest
        first."""
        live = await self.live(merchant_id, since)
        ended = await self._all(
            select(Promotion)
            .where(Promotion.merchant_id == merchant_id, ~_live(since))
            .order_by(Promotion.id.desc())
            .limit(limit)
        )
        return sorted([*live, *ended], key=lambda p: -p.id)

    async def live(self, merchant_id: int, since: date) -> Sequence[Promotion]:
        """Promotions not ended early whose last day is `since` or later, newest first."""
        return await self._all(
            select(Promotion)
            .where(Promotion.merchant_id == merchant_id, _live(since))
            .order_by(Promotion.id.desc())
        )

    async def get(self, merchant_id: int, promotion_id: int) -> Promotion | None:
        """One of this merchant's promotions; None for another merchant's or none at all."""
        return await self.s.scalar(
            select(Promotion).where(
                Promotion.id == promotion_id, Promotion.merchant_id == merchant_id
            )
        )

    async def live_count(self, merchant_id: int, today: date) -> int:
        """Promotions not ended early whose last day has not passed (running or upcoming)."""
        return await self._int(
            select(func.count())
            .select_from(Promotion)
            .where(
                Promotion.merchant_id == merchant_id,
                _live(today),
            )
        )

    async def add(self, promotion: Promotion) -> int:
        self.s.add(promotion)
        await self.s.flush()
        return promotion.id

    async def end(self, merchant_id: int, promotion_id: int, now: datetime) -> bool:
        """End it now; False when it was ended already (a double press) or is not theirs."""
        changed = await self._changed(
            update(Promotion)
            .where(
                Promotion.id == promotion_id,
                Promotion.merchant_id == merchant_id,
                Promotion.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        return changed == 1


def _live(since: date) -> ColumnElement[bool]:
    """Not ended early, and its last day (if any) is `since` or later."""
    return and_(
        Promotion.ended_at.is_(None),
        or_(Promotion.ends_on.is_(None), Promotion.ends_on >= since),
    )
