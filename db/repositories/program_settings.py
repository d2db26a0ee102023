"""A program's settings changed from the chat: conditional writes against the version a
preview was made from, whether points exist, the notice of new rules to every member, and the
rewards a stamp card or a gift may name (one made on the spot from a typed name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, literal, select, update

from db.base import UtcDateTime
from db.models import (
    Customer,
    LedgerEntry,
    Level,
    Membership,
    Merchant,
    Outbox,
    OutboxStatus,
    Reward,
)
from db.repositories.base import Repo


class ProgramSettingsRepo(Repo):
    async def claim(self, merchant_id: int, version: int) -> bool:
        """Move the program past `version`, if it is still there: the one writer of a change
        made from that version. The database's trigger leaves an explicit new version be."""
        return (
            await self._changed(
                update(Merchant)
                .where(Merchant.id == merchant_id, Merchant.program_version == version)
                .values(program_version=version + 1)
            )
            == 1
        )

    async def set_merchant(self, merchant_id: int, column: str, value: Any) -> None:
        await self._changed(
            update(Merchant).where(Merchant.id == merchant_id).values({column: value})
        )

    async def set_level(self, merchant_id: int, rank: int, column: str, value: Any) -> None:
        await self._changed(
            update(Level)
            .where(Level.merchant_id == merchant_id, Level.rank == rank)
            .values({column: value})
        )

    async def add_level(self, merchant_id: int, fields: dict[str, Any]) -> None:
        """A level row of the merchant with these fields (rank, name, thresholds, rates)."""
        self.s.add(Level(merchant_id=merchant_id, **fields))
        await self.s.flush()

    async def remove_level(self, merchant_id: int, rank: int) -> None:
        await self._changed(
            delete(Level).where(Level.merchant_id == merchant_id, Level.rank == rank)
        )

    async def rewards(self, merchant_id: int) -> list[tuple[int, str, bool]]:
        """The merchant's rewards (id, name, archived), the catalogue's and the gifts, oldest
        first: a few dozen at most."""
        rows = await self.s.execute(
            select(Reward.id, Reward.name, Reward.archived_at.is_not(None))
            .where(Reward.merchant_id == merchant_id)
            .order_by(Reward.id)
        )
        return [(int(r[0]), str(r[1]), bool(r[2])) for r in rows]

    async def add_gift_reward(self, merchant_id: int, name: str, now: datetime) -> int:
        """A reward that is only given (a stamp card's, a welcome or a friend's gift): not in
        the catalogue, no price, valid 30 days from its voucher's issue. Its id."""
        reward = Reward(
            merchant_id=merchant_id,
            name=name,
            points_price=0,
            listed=False,
            valid_days=30,
            min_level_rank=0,
            created_at=now,
        )
        self.s.add(reward)
        await self.s.flush()
        return reward.id

    async def points_issued(self, merchant_id: int) -> bool:
        """Whether any member of the merchant ever had a point: balances count points."""
        issued = (
            select(LedgerEntry.id)
            .join(Membership, Membership.id == LedgerEntry.membership_id)
            .where(Membership.merchant_id == merchant_id)
            .limit(1)
        )
        return await self.s.scalar(issued) is not None

    async def accepted_before(self, merchant_id: int, telegram_id: int) -> bool:
        """Whether the person has a membership of the merchant: they accepted some version of
        its rules (maybe not the current one)."""
        found = (
            select(Membership.id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Membership.merchant_id == merchant_id,
                Customer.telegram_id == telegram_id,
                Membership.consent_version >= 1,
            )
            .limit(1)
        )
        return await self.s.scalar(found) is not None

    async def new_rules(self, merchant_id: int) -> int:
        """Raise the rules' version: every member is asked to accept them again."""
        await self._changed(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(rules_version=Merchant.rules_version + 1)
        )
        return await self._int(select(Merchant.rules_version).where(Merchant.id == merchant_id))

    async def queue_to_members(
        self,
        merchant_id: int,
        kind: str,
        payload: str,
        key_prefix: str,
        default_language: str,
        now: datetime,
    ) -> int:
        """One pending outbox row per reachable member, in their language, in one statement."""
        language = func.coalesce(Customer.language, Customer.telegram_language, default_language)
        members = (
            select(Customer.telegram_id.label("chat"), language.label("lang"))
            .join(Membership, Membership.customer_id == Customer.id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.deleted_at.is_(None),  # left the program: nothing more to them
                Customer.bot_blocked.is_(False),
            )
            .subquery()
        )
        row = {
            "merchant_id": literal(merchant_id),
            "chat_id": members.c.chat,
            "kind": literal(kind),
            "priority": literal(0),  # transactional: before promotions
            "dedupe_key": literal(key_prefix) + cast(members.c.chat, String),
            "payload": literal(payload),
            "language": members.c.lang,
            "status": literal(OutboxStatus.PENDING.value),
            "attempts": literal(0),
            "not_before": literal(now, UtcDateTime()),
            "created_at": literal(now, UtcDateTime()),
        }
        statement = insert(Outbox).from_select(list(row), select(*row.values()))
        result = await self.s.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
