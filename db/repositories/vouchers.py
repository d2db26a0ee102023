"""Vouchers: issued in one statement for a set of members (a catalogue claim, full stamp
cards, welcome and friend gifts), read by their code. Claiming, redeeming and lapsing add their
own conditional updates here (issue 15)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from db.models import Reward, Voucher
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
