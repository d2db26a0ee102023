"""The points ledger: every change of a balance, posted with the balance in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from db.models import LedgerEntry, LedgerReason, Membership
from db.repositories.base import Repo
from db.repositories.bulk import insert_rows
from db.repositories.flows import note_entries, note_flow


class LedgerRepo(Repo):
    async def post(
        self,
        membership: Membership,
        delta_minor: int,
        reason: LedgerReason,
        now: datetime,
        note: str | None = None,
        purchase_id: int | None = None,
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
        note_flow(self.s, membership.id, now, reason, 1, delta_minor)  # the hour summary
        entry = LedgerEntry(
            membership_id=membership.id,
            delta_minor=delta_minor,
            balance_after_minor=balance_after,
            reason=reason,
            note=note,
            purchase_id=purchase_id,
            created_at=now,
        )
        self.s.add(entry)
        return entry

    async def append(self, rows: Sequence[dict[str, Any]]) -> None:
        """Entries in one statement, in order (their ids follow it); the caller moved the
        balances and computed each entry's balance after."""
        await insert_rows(self.s, LedgerEntry, rows)
        note_entries(self.s, rows)  # the hour summary

    async def redeemed_since(self, membership_id: int, since: datetime) -> int:
        """Points spent on purchases since `since`."""
        return await self._int(
            select(func.sum(-LedgerEntry.delta_minor)).where(
                LedgerEntry.membership_id == membership_id,
                LedgerEntry.reason == LedgerReason.REDEEM,
                LedgerEntry.created_at >= since,
            )
        )

    async def by_purchase(self, purchase_id: int) -> Sequence[LedgerEntry]:
        return await self._all(
            select(LedgerEntry)
            .where(LedgerEntry.purchase_id == purchase_id)
            .order_by(LedgerEntry.id)
        )

    async def page(self, membership_id: int, offset: int, limit: int) -> Sequence[LedgerEntry]:
        return await self._all(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership_id)
            .order_by(LedgerEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )

    async def count(self, membership_id: int) -> int:
        return await self._int(
            select(func.count()).where(LedgerEntry.membership_id == membership_id)
        )

    async def total(self, membership_id: int) -> int:
        return await self._int(
            select(func.sum(LedgerEntry.delta_minor)).where(
                LedgerEntry.membership_id == membership_id
            )
        )
