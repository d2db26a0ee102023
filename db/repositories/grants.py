"""Queries on one-time reward grants (reward_grant), by a person's pseudonymous marker."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Table, bindparam, func, insert, select, union_all

from db.base import UtcDateTime
from db.models import LedgerEntry, LedgerReason, Purchase, RewardGrant
from db.repositories.base import Repo, run_core


@cache
def _grant() -> Insert:
    """GrantRepo.grant's statement: the grant's row, unless it is there."""
    table = RewardGrant.__table__.c
    values = [
        bindparam(name, type_=table[name].type) for name in ("merchant_id", "marker", "reward")
    ]
    given = select(RewardGrant.id).where(
        RewardGrant.merchant_id == values[0],
        RewardGrant.marker == values[1],
        RewardGrant.reward == values[2],
    )
    row = select(*values, bindparam("now", type_=UtcDateTime())).where(~given.exists())
    grants = cast("Table", RewardGrant.__table__)  # Core: an ORM insert would take the params
    return insert(grants).from_select(["merchant_id", "marker", "reward", "created_at"], row)


@cache
def _grants(count: int) -> Insert:
    """GrantRepo.grant_all's statement for `count` rewards of one person: a row for each
    they lack, with the rewards it recorded."""
    table = RewardGrant.__table__.c
    merchant = bindparam("merchant_id", type_=table["merchant_id"].type)
    marker = bindparam("marker", type_=table["marker"].type)
    now = bindparam("now", type_=UtcDateTime())
    rows = []
    for i in range(count):
        reward = bindparam(f"reward_{i}", type_=table["reward"].type)
        given = select(RewardGrant.id).where(
            RewardGrant.merchant_id == merchant,
            RewardGrant.marker == marker,
            RewardGrant.reward == reward,
        )
        rows.append(select(merchant, marker, reward, now).where(~given.exists()))
    grants = cast("Table", RewardGrant.__table__)
    columns = ["merchant_id", "marker", "reward", "created_at"]
    return (
        insert(grants)
        .from_select(columns, rows[0] if count == 1 else union_all(*rows))
        .returning(grants.c.reward)
    )


class GrantRepo(Repo):
    async def has(self, merchant_id: int, marker: str, reward: str) -> bool:
        found = await self.s.scalar(
            select(RewardGrant.id).where(
                RewardGrant.merchant_id == merchant_id,
                RewardGrant.marker == marker,
                RewardGrant.reward == reward,
            )
        )
        return found is not None

    async def markers_with(
        self, merchant_id: int, markers: Collection[str], reward: str
    ) -> set[str]:
        """Which of these markers already have the reward (one query for a batch)."""
        if not markers:
            return set()
        rows = await self.s.scalars(
            select(RewardGrant.marker).where(
                RewardGrant.merchant_id == merchant_id,
                RewardGrant.reward == reward,
                RewardGrant.marker.in_(list(markers)),
            )
        )
        return set(rows.all())

    async def grant(self, merchant_id: int, marker: str, reward: str, now: datetime) -> bool:
        """Record the reward unless the person has it, in one statement; whether it was new.
        Two transactions granting one person's reward at once both pass the check on
        PostgreSQL, and the unique key fails the second: callers hold a lock that keeps
        them apart (a purchase: the buyer's row)."""
        params = {"merchant_id": merchant_id, "marker": marker, "reward": reward, "now": now}
        result = await run_core(self.s, _grant(), params)
        return int(cast("CursorResult[Any]", result).rowcount) > 0

    async def grant_all(
        self, merchant_id: int, marker: str, rewards: Sequence[str], now: datetime
    ) -> set[str]:
        """`grant` for several rewards of one person, in one statement: those that were new."""
        params: dict[str, Any] = {"merchant_id": merchant_id, "marker": marker, "now": now}
        params.update((f"reward_{i}", reward) for i, reward in enumerate(rewards))
        result = await run_core(self.s, _grants(len(rewards)), params)
        return {str(row[0]) for row in result.all()}

    def add(self, merchant_id: int, marker: str, reward: str, now: datetime) -> None:
        self.s.add(
            RewardGrant(merchant_id=merchant_id, marker=marker, reward=reward, created_at=now)
        )

    async def welcomed_at(self, membership_id: int) -> datetime | None:
        """When the membership got its welcome bonus, if it did."""
        return await self.s.scalar(
            select(func.min(LedgerEntry.created_at)).where(
                LedgerEntry.membership_id == membership_id,
                LedgerEntry.reason == LedgerReason.WELCOME,
            )
        )

    async def referral_effective_at(self, membership_id: int) -> datetime | None:
        """When the membership's purchase made its referral effective, if one did."""
        return await self.s.scalar(
            select(func.min(func.coalesce(Purchase.confirmed_at, Purchase.created_at))).where(
                Purchase.membership_id == membership_id,
                Purchase.made_referral_effective.is_(True),
            )
        )
