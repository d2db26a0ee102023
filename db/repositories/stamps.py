"""Stamp cards: the stamp entries of a set of members in one statement (a purchase, a refund),
and the terms of the rewards a purchase hands out (a full card's, an invited friend's), read
only when one is due."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select

from db.models import Reward, StampEntry
from db.repositories.base import Repo
from db.repositories.bulk import insert_rows


class StampRepo(Repo):
    async def append(self, rows: Sequence[dict[str, Any]]) -> None:
        """Stamp entries (dicts with StampEntry's columns, the same keys) in one statement;
        the caller moved membership.stamps and computed each entry's stamps after."""
        await insert_rows(self.s, StampEntry, rows)

    async def reward_terms(
        self, merchant_id: int, reward_ids: Collection[int]
    ) -> dict[int, tuple[str, int]]:
        """Name and days of validity of these rewards of the merchant, by id (others left
        out: a setting naming another merchant's reward gives nothing)."""
        rows = await self.s.execute(
            select(Reward.id, Reward.name, Reward.valid_days).where(
                Reward.merchant_id == merchant_id, Reward.id.in_(list(reward_ids))
            )
        )
        return {int(i): (name, int(days)) for i, name, days in rows}
