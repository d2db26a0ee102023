"""Stamp cards: the stamp entries of a set of members in one statement (a purchase, a refund),
and the terms of the rewards a purchase hands out (a full card's, an invited friend's), read
only when one is due."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, case, func, select

from db.models import Reward, StampEntry, StampReason
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

    async def card_share(self, membership_id: int, purchase_id: int) -> tuple[int, int, int]:
        """In one statement, what says where a purchase's stamps went (stamp_book's
        stamps_on_card): the stamps earned up to and including it less those refunds took
        off, the stamps full cards converted, and its own stamps not taken off yet."""
        earn = (StampReason.PURCHASE, StampReason.PROMOTION)
        moved = (*earn, StampReason.REFUND)
        mine = StampEntry.membership_id == membership_id
        last = (
            select(func.max(StampEntry.id))
            .where(mine, StampEntry.purchase_id == purchase_id, StampEntry.reason.in_(earn))
            .scalar_subquery()
        )
        earlier = select(StampEntry.purchase_id).where(
            mine, StampEntry.reason.in_(earn), StampEntry.id <= last
        )
        through = case(
            (
                and_(StampEntry.reason.in_(moved), StampEntry.purchase_id.in_(earlier)),
                StampEntry.delta,
            ),
            else_=0,
        )
        converted = case((StampEntry.reason == StampReason.CARD_FULL, -StampEntry.delta), else_=0)
        own = case(
            (
                and_(StampEntry.reason.in_(moved), StampEntry.purchase_id == purchase_id),
                StampEntry.delta,
            ),
            else_=0,
        )
        row = (
            await self.s.execute(
                select(
                    func.coalesce(func.sum(through), 0),
                    func.coalesce(func.sum(converted), 0),
                    func.coalesce(func.sum(own), 0),
                ).where(mine)
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])
