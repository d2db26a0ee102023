"""Vouchers: issued in one statement for a set of members (a catalogue claim, full stamp
cards, welcome and friend gifts), read by their code. Claiming, redeeming and lapsing add their
own conditional updates here (issue 15)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from db.models import (
    Customer,
    Membership,
    Purchase,
    PurchaseStatus,
    Reward,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from db.repositories.base import Repo

# A member's vouchers that count towards a reward's limit: lapsed and cancelled ones gave
# their reward back, so they do not.
HELD = (VoucherStatus.OPEN, VoucherStatus.REDEEMED)
RECENT = 10  # closed vouchers /vouchers shows below the open ones


class VoucherRepo(Repo):
    async def issue(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert vouchers (dicts of Voucher's columns, codes distinct) in one statement; their
        ids, in the order given. Ids come back matched by code: asking the database to return
        them in order would make SQLite run one INSERT per row."""
        if not rows:
            return []
        statement = insert(Voucher).returning(Voucher.id, Voucher.code)
        result = await self.s.execute(statement, list(rows))
        ids = {str(code): int(voucher_id) for voucher_id, code in result}
        return [ids[row["code"]] for row in rows]

    async def codes_taken(self, merchant_id: int, codes: Sequence[str]) -> set[str]:
        """Which of `codes` a voucher of this merchant already holds."""
        taken = await self._all(
            select(Voucher.code).where(Voucher.merchant_id == merchant_id, Voucher.code.in_(codes))
        )
        return set(taken)

    async def reward(self, reward_id: int) -> Reward | None:
        return await self.s.get(Reward, reward_id)

    # --- redeeming ---

    async def for_till(
        self, merchant_id: int, *, code: str | None = None, voucher_id: int | None = None
    ) -> Any:
        """A voucher of this merchant (by its code or its id) with what the till shows and
        checks: the reward's name, the member's first name and phone, whether their card is
        blocked or erased. None when this merchant has no such voucher."""
        query = (
            select(
                Voucher.id,
                Voucher.membership_id,
                Voucher.status,
                Voucher.source,
                Voucher.points,
                Voucher.expires_at,
                Voucher.redeemed_at,
                Reward.name.label("reward"),
                Customer.telegram_id,
                Customer.first_name,
                Customer.phone,
                Membership.blocked_at,
                Membership.deleted_at,
            )
            .join(Reward, Reward.id == Voucher.reward_id)
            .join(Membership, Membership.id == Voucher.membership_id)
            .outerjoin(Customer, Customer.id == Membership.customer_id)
            .where(Voucher.merchant_id == merchant_id)
        )
        if code is not None:
            query = query.where(Voucher.code == code)
        if voucher_id is not None:
            query = query.where(Voucher.id == voucher_id)
        return (await self.s.execute(query)).first()

    async def held_elsewhere(self, merchant_id: int, code: str) -> bool:
        """Whether another merchant of the deployment has a voucher with this code."""
        found = await self.s.scalar(
            select(Voucher.id)
            .where(Voucher.code == code, Voucher.merchant_id != merchant_id)
            .limit(1)
        )
        return found is not None

    async def redeem(
        self,
        merchant_id: int,
        voucher_id: int,
        staff_id: int,
        now: datetime,
        purchase_id: int | None,
    ) -> bool:
        """Open -> redeemed, once: False when it was not open and valid any more (another
        press, another cashier, or it lapsed meanwhile)."""
        changed = await self._changed(
            update(Voucher)
            .where(
                Voucher.id == voucher_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.OPEN,
                Voucher.expires_at > now,
            )
            .values(
                status=VoucherStatus.REDEEMED,
                redeemed_at=now,
                redeemed_by=staff_id,
                purchase_id=purchase_id,
            )
        )
        return changed == 1

    async def open_for_draft(
        self, merchant_id: int, draft_key: str, staff_id: int, now: datetime, limit: int
    ) -> Sequence[Any]:
        """The open, valid vouchers of the customer of the sale draft `draft_key` that
        `staff_id` made, soonest to lapse first, at most `limit`; each with the draft's
        purchase id and the reward's name."""
        rows = await self.s.execute(
            select(Voucher.id, Reward.name.label("reward"), Purchase.id.label("sale_id"))
            .join(Reward, Reward.id == Voucher.reward_id)
            .join(Purchase, Purchase.membership_id == Voucher.membership_id)
            .where(
                Purchase.idempotency_key == draft_key,
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.DRAFT,
                Purchase.staff_telegram_id == staff_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.OPEN,
                Voucher.expires_at > now,
            )
            .order_by(Voucher.expires_at, Voucher.id)
            .limit(limit)
        )
        return rows.all()

    async def sale_of(self, merchant_id: int, purchase_id: int, membership_id: int) -> bool:
        """Whether `purchase_id` is a sale (a draft or confirmed) of this member here."""
        found = await self.s.scalar(
            select(Purchase.id).where(
                Purchase.id == purchase_id,
                Purchase.merchant_id == merchant_id,
                Purchase.membership_id == membership_id,
                Purchase.status != PurchaseStatus.CANCELLED,
            )
        )
        return found is not None

    # --- the catalogue: claims, lists, lapses ---

    async def held(self, membership_id: int, reward_id: int) -> int:
        """How many of this reward the member holds or used (the per-member limit)."""
        return await self._int(
            select(func.count()).where(
                Voucher.membership_id == membership_id,
                Voucher.reward_id == reward_id,
                Voucher.status.in_(HELD),
            )
        )

    async def held_by_reward(self, membership_id: int) -> dict[int, int]:
        """`held` of every reward the member holds or used, in one statement."""
        rows = await self.s.execute(
            select(Voucher.reward_id, func.count())
            .where(Voucher.membership_id == membership_id, Voucher.status.in_(HELD))
            .group_by(Voucher.reward_id)
        )
        return {int(reward_id): int(count) for reward_id, count in rows.all()}

    async def of_member(self, membership_id: int) -> list[tuple[Voucher, str]]:
        """The member's open vouchers (soonest to lapse first), then their latest closed
        ones, each with its reward's name; one statement."""
        is_open = Voucher.status == VoucherStatus.OPEN
        rows = (
            await self.s.execute(
                select(Voucher, Reward.name)
                .join(Reward, Reward.id == Voucher.reward_id)
                .where(Voucher.membership_id == membership_id)
                .order_by(is_open.desc(), Voucher.expires_at, Voucher.id.desc())
            )
        ).all()
        opened = [(v, n) for v, n in rows if v.status == VoucherStatus.OPEN]
        closed = sorted(
            ((v, n) for v, n in rows if v.status != VoucherStatus.OPEN),
            key=lambda pair: pair[0].closed_at or pair[0].redeemed_at or pair[0].claimed_at,
            reverse=True,
        )
        return opened + closed[:RECENT]

    async def reward_names(self, voucher_ids: Sequence[int]) -> dict[int, str]:
        """The reward name of each voucher, by voucher id (history lines)."""
        if not voucher_ids:
            return {}
        rows = await self.s.execute(
            select(Voucher.id, Reward.name)
            .join(Reward, Reward.id == Voucher.reward_id)
            .where(Voucher.id.in_(voucher_ids))
        )
        return {int(i): str(n) for i, n in rows.all()}

    async def lapse_due(self, now: datetime) -> list[Any]:
        """Every open voucher past its time becomes lapsed, in one UPDATE ... RETURNING:
        (id, merchant_id, membership_id, points, reward_id) of each. Run twice, the second
        finds none."""
        result = await self.s.execute(
            update(Voucher)
            .where(Voucher.status == VoucherStatus.OPEN, Voucher.expires_at <= now)
            .values(status=VoucherStatus.LAPSED, closed_at=now)
            .returning(
                Voucher.id,
                Voucher.merchant_id,
                Voucher.membership_id,
                Voucher.points,
                Voucher.reward_id,
            )
            .execution_options(synchronize_session=False)
        )
        return sorted(result.all(), key=lambda row: row[0])

    async def addressees(self, voucher_ids: Sequence[int]) -> dict[int, Any]:
        """Who each voucher's member is, its reward's name and their balance now:
        (telegram_id, reward name, balance) by voucher id; erased members have none."""
        if not voucher_ids:
            return {}
        rows = await self.s.execute(
            select(
                Voucher.id,
                Customer.telegram_id,
                Reward.name,
                Membership.balance_minor,
            )
            .join(Membership, Membership.id == Voucher.membership_id)
            .join(Customer, Customer.id == Membership.customer_id)
            .join(Reward, Reward.id == Voucher.reward_id)
            .where(Voucher.id.in_(voucher_ids), Membership.deleted_at.is_(None))
        )
        return {int(row[0]): row[1:] for row in rows.all()}

    async def cancel_open(self, membership_id: int, now: datetime) -> int:
        """The member's open vouchers cancelled (they left the program); how many."""
        return await self._changed(
            update(Voucher)
            .where(Voucher.membership_id == membership_id, Voucher.status == VoucherStatus.OPEN)
            .values(status=VoucherStatus.CANCELLED, closed_at=now)
        )

    async def expiring(self, now: datetime, until: datetime) -> list[Any]:
        """Open vouchers lapsing after `now` and by `until`, of members still here: (id,
        merchant_id, telegram_id, reward name, claimed_at, expires_at) of each."""
        rows = await self.s.execute(
            select(
                Voucher.id,
                Voucher.merchant_id,
                Customer.telegram_id,
                Reward.name,
                Voucher.claimed_at,
                Voucher.expires_at,
            )
            .join(Membership, Membership.id == Voucher.membership_id)
            .join(Customer, Customer.id == Membership.customer_id)
            .join(Reward, Reward.id == Voucher.reward_id)
            .where(
                Voucher.status == VoucherStatus.OPEN,
                Voucher.expires_at > now,
                Voucher.expires_at <= until,
                Membership.deleted_at.is_(None),
            )
            .order_by(Voucher.merchant_id, Voucher.id)
        )
        return list(rows.all())

    async def withdraw_friend_gift(self, member: int, at: datetime, now: datetime) -> Any:
        """The friend's gift voucher the purchase confirmed `at` handed out, cancelled if still
        open (conditionally: a second refund finds none): (its reward's name, cancelled now);
        None if it had none, or it lapsed or was cancelled already."""
        mine = (Voucher.membership_id == member, Voucher.claimed_at == at)
        query = select(Voucher.id, Voucher.status, Reward.name).join(Reward)
        query = query.where(
            *mine, Voucher.source == VoucherSource.FRIEND, Voucher.status.in_(HELD)
        )
        if (found := (await self.s.execute(query)).first()) is None:
            return None
        cancel = update(Voucher).where(
            Voucher.id == found.id, Voucher.status == VoucherStatus.OPEN
        )
        cancel = cancel.values(status=VoucherStatus.CANCELLED, closed_at=now)
        opened = found.status == VoucherStatus.OPEN
        return str(found.name), opened and await self._changed(cancel) == 1
