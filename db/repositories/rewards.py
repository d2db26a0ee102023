"""The reward catalogue: a merchant's rewards read, added, edited and archived, and the one
conditional update that takes a unit of stock (issue 15). Vouchers: vouchers.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from db.models import Reward
from db.repositories.base import Repo


class RewardRepo(Repo):
    async def active(self, merchant_id: int, *, listed_only: bool = False) -> Sequence[Reward]:
        """The merchant's rewards not archived, cheapest first (listed ones only, if asked)."""
        query = select(Reward).where(
            Reward.merchant_id == merchant_id, Reward.archived_at.is_(None)
        )
        if listed_only:
            query = query.where(Reward.listed.is_(True))
        return await self._all(query.order_by(Reward.points_price, Reward.id))

    async def of(self, merchant_id: int, reward_id: int) -> Reward | None:
        """A reward of this merchant not archived; None for another merchant's (a forged
        button) or an archived one (a stale button)."""
        reward = await self.s.get(Reward, reward_id, populate_existing=True)
        if reward is None or reward.merchant_id != merchant_id or reward.archived_at is not None:
            return None
        return reward

    async def name_taken(self, merchant_id: int, name: str, but: int = 0) -> bool:
        """Whether another active reward of the merchant has this name (any case)."""
        found = await self.s.scalar(
            select(Reward.id).where(
                Reward.merchant_id == merchant_id,
                Reward.archived_at.is_(None),
                Reward.id != but,
                Reward.name.ilike(name.replace("\\", "\\\\").replace("%", "\\%"), escape="\\"),
            )
        )
        return found is not None

    def add(self, reward: Reward) -> None:
        self.s.add(reward)

    async def change(self, reward_id: int, values: dict[str, Any]) -> int:
        """Set columns of an active reward; 0 when it was archived meanwhile."""
        return await self._changed(
            update(Reward)
            .where(Reward.id == reward_id, Reward.archived_at.is_(None))
            .values(values)
        )

    async def archive(self, reward_id: int, now: datetime) -> int:
        """Archive once: 0 when it was archived already (a second press)."""
        return await self.change(reward_id, {"archived_at": now})

    async def take_one(self, reward_id: int) -> bool:
        """A unit of stock taken, or unlimited stock: one conditional update, so two members
        claiming the last unit at once get one voucher between them."""
        changed = await self._changed(
            update(Reward)
            .where(
                Reward.id == reward_id,
                or_(Reward.stock_left.is_(None), Reward.stock_left > 0),
            )
            .values(stock_left=Reward.stock_left - 1)
        )
        return changed == 1
