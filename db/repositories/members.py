"""Customers (one per Telegram user) and their memberships: lookups, locks, the referral
chain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Update,
    bindparam,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from db.models import Customer, Membership, Merchant, StaffLanguage
from db.reads import read_first, recall
from db.repositories.base import Repo, run_core
from db.repositories.who import card_key, stamp_reward

# A card's columns: first name, balance, level rank, lifetime spend, effective referrals,
# referral code, stamps, the stamp card's reward (its name).
CardRow = Row[str | None, int, int, int, int, str, int, str | None]


def opted_in_and_reachable() -> tuple[ColumnElement[bool], ...]:
    """Members who said yes to news and have not blocked the bot (a query joining Customer
    and Membership)."""
    return Membership.marketing_opt_in.is_(True), Customer.bot_blocked.is_(False)


class CustomerRepo(Repo):
    async def by_telegram_id(self, telegram_id: int) -> Customer | None:
        return await self.s.scalar(select(Customer).where(Customer.telegram_id == telegram_id))

    async def reach(
        self, telegram_ids: list[int]
    ) -> dict[int, tuple[bool, str | None, str | None]]:
        """telegram id -> (blocked the bot, chosen language, Telegram's language); owners and
        staff who are not customers with the language they write to the bot in."""
        if not telegram_ids:
            return {}
        rows = await self.s.execute(
            select(
                Customer.telegram_id,
                Customer.bot_blocked,
                Customer.language,
                Customer.telegram_language,
            ).where(Customer.telegram_id.in_(set(telegram_ids)))
        )
        found = {tg: (blocked, chosen, telegram) for tg, blocked, chosen, telegram in rows.all()}
        missing = set(telegram_ids) - found.keys()
        if missing:
            staff = await self.s.execute(
                select(StaffLanguage.telegram_id, StaffLanguage.language).where(
                    StaffLanguage.telegram_id.in_(missing)
                )
            )
            found.update({tg: (False, None, language) for tg, language in staff.all()})
        return found

    async def remember_staff_language(
        self, telegram_id: int, language: str, now: datetime
    ) -> None:
        row = await self.s.get(StaffLanguage, telegram_id)
        if row is None:
            self.s.add(StaffLanguage(telegram_id=telegram_id, language=language, updated_at=now))
        elif row.language != language:
            row.language, row.updated_at = language, now

    def add(self, customer: Customer) -> None:
        self.s.add(customer)

    async def reachable(self, customer_id: int, telegram_language: str | None) -> None:
        """They wrote to the bot: reachable again, with the language Telegram reports."""
        values: dict[str, object] = {"bot_blocked": False}
        if telegram_language:
            values["telegram_language"] = telegram_language
        await self._changed(update(Customer).where(Customer.id == customer_id).values(values))


COUNTERS = (
    "clawback_due_minor",
    "lifetime_spend_minor",
    "purchases_count",
    "effective_referrals",
    "level_rank",
    "stamps",
)


@lru_cache(maxsize=32)
def _settle(count: int) -> Update:
    """MembershipRepo.settle's statement for `count` members: CASE by id, bound as id_<i>,
    move_<i> and <counter>_<i>."""
    ids = [bindparam(f"id_{i}", type_=Membership.id.type) for i in range(count)]

    def by_id(name: str, column: Any) -> Any:
        whens = [
            (Membership.id == ids[i], bindparam(f"{name}_{i}", type_=column.type))
            for i in range(count)
        ]
        return case(*whens, else_=column)

    values: dict[str, Any] = {
        "balance_minor": Membership.balance_minor + by_id("move", literal(0, BigInteger)),
    }
    values.update((name, by_id(name, getattr(Membership, name))) for name in COUNTERS)
    return (
        update(Membership)
        .where(Membership.id.in_(ids))
        .values(values)
        .returning(Membership.id, Membership.balance_minor)
        .execution_options(synchronize_session=False)
    )


class MembershipRepo(Repo):
    async def settle(
        self, moves: dict[int, int], counters: dict[int, dict[str, int]]
    ) -> dict[int, int]:
        """In one statement: move each member's balance by `moves[id]` and set their
        `counters[id]` (every one of COUNTERS), CASE by id; the balances after, by id. The
        caller holds the rows' locks. Loaded objects of these members are kept in step."""
        ids = sorted(moves.keys() | counters.keys())
        params: dict[str, Any] = {}
        for i, member in enumerate(ids):
            params[f"id_{i}"] = member
            params[f"move_{i}"] = moves.get(member, 0)
            params.update((f"{name}_{i}", value) for name, value in counters[member].items())
        result = await run_core(self.s, _settle(len(ids)), params)
        rows: Sequence[Any] = result.all()  # (id, balance after)
        balances = {int(row[0]): int(row[1]) for row in rows}
        identities = self.s.sync_session.identity_map
        for i, balance in balances.items():
            loaded = identities.get(identity_key(Membership, i))
            if loaded is not None:
                set_committed_value(loaded, "balance_minor", balance)
                for name, value in counters.get(i, {}).items():
                    set_committed_value(loaded, name, value)
        return balances

    async def get(self, membership_id: int) -> Membership | None:
        return await self.s.get(Membership, membership_id)

    async def lock_many(self, ids: Sequence[int]) -> dict[int, Membership]:
        """`lock` for several members at once, in id order."""
        rows = await self._locked(
            select(Membership).where(Membership.id.in_(ids)).order_by(Membership.id)
        )
        return {m.id: m for m in rows}

    async def lock(self, membership_id: int) -> Membership | None:
        """Read a membership for update, fresh (see Repo._locked)."""
        return (
            await self._locked(select(Membership).where(Membership.id == membership_id))
        ).first()

    async def find(self, customer_id: int, merchant_id: int) -> Membership | None:
        return await self.s.scalar(
            select(Membership).where(
                Membership.customer_id == customer_id, Membership.merchant_id == merchant_id
            )
        )

    async def for_telegram_user(
        self, telegram_id: int, merchant_id: int
    ) -> tuple[Customer, Membership] | None:
        row = (
            await self.s.execute(
                select(Customer, Membership)
                .join(Membership, Membership.customer_id == Customer.id)
                .where(Customer.telegram_id == telegram_id, Membership.merchant_id == merchant_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def card(self, telegram_id: int, merchant_id: int) -> CardRow | None:
        """What a member's card shows: first name, balance, level rank, lifetime spend,
        effective referrals, referral code, stamps, the stamp reward's name; plain columns,
        no objects to build for a read."""
        params = {"telegram_id": telegram_id, "merchant_id": merchant_id}
        return (await self.s.execute(_CARD, params)).first()

    async def card_read(self, telegram_id: int, merchant_id: int) -> CardRow | None:
        """The same, in a short read-only transaction of its own."""
        params = {"telegram_id": telegram_id, "merchant_id": merchant_id}
        return await read_first(self.s, _CARD, params)  # type: ignore[return-value]

    def card_seen(self, telegram_id: int, merchant_id: int) -> CardRow | None:
        """The same columns as this update's first statement saw them (db/repositories/who.py),
        if the session began no transaction since."""
        seen: CardRow | None = recall(self.s, card_key(telegram_id, merchant_id))
        return seen

    async def by_referral_code(self, code: str) -> Membership | None:
        return await self.s.scalar(select(Membership).where(Membership.referral_code == code))

    async def referral_code_taken(self, code: str) -> bool:
        found = await self.s.scalar(
            select(Membership.id).where(Membership.referral_code == code).limit(1)
        )
        return found is not None

    async def ancestors(self, membership_id: int, depth: int) -> list[int]:
        """Referrer ids up the chain, nearest first, at most `depth` of them."""
        chain: list[int] = []
        current: int | None = membership_id
        while current is not None and len(chain) < depth:
            current = await self.s.scalar(
                select(Membership.referrer_id).where(Membership.id == current)
            )
            if current is not None:
                if current in chain or current == membership_id:
                    break  # a corrupt cycle must not loop forever
                chain.append(current)
        return chain

    async def count_for_customer(self, customer_id: int) -> int:
        return await self._int(select(func.count()).where(Membership.customer_id == customer_id))

    def add(self, membership: Membership) -> None:
        self.s.add(membership)


# Built once: building a statement costs more than running this one.
_CARD = (
    select(
        Customer.first_name,
        Membership.balance_minor,
        Membership.level_rank,
        Membership.lifetime_spend_minor,
        Membership.effective_referrals,
        Membership.referral_code,
        Membership.stamps,
        stamp_reward(Merchant.stamp_reward_id),
    )
    .join(Membership, Membership.customer_id == Customer.id)
    .join(Merchant, Merchant.id == Membership.merchant_id)
    .where(
        Customer.telegram_id == bindparam("telegram_id"),
        Membership.merchant_id == bindparam("merchant_id"),
    )
)
