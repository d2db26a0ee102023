"""Purchases and refunds: drafts, status moves, a member's history, ratings."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Update, bindparam, func, select, update
from sqlalchemy.orm import aliased

from db.models import Membership, Promotion, Purchase, PurchaseStatus, Refund
from db.repositories.base import Repo, run_core
from db.repositories.bulk import insert_rows

CONFIRMING = (
    "cashback_minor",
    "level_before",
    "level_after",
    "made_referral_effective",
    "stamps_earned",
    "promotion_id",
)


@cache
def _confirm(day: bool, stamp_day: bool = False) -> Update:
    """PurchaseRepo.confirm_draft's statement, with or without the buyer's day (its
    purchases, and whether one of them holds a stamp)."""
    returning: list[Any] = [Purchase.id, Purchase.membership_id]
    if stamp_day:
        stamped = aliased(Purchase, name="stamped")
        returning.append(
            select(stamped.id)
            .where(
                stamped.membership_id == bindparam("buyer_id"),
                stamped.status == PurchaseStatus.CONFIRMED,
                stamped.confirmed_at >= bindparam("stamp_day"),
                stamped.id != bindparam("purchase_id"),
                stamped.stamps_earned > 0,
                stamped.refunded_minor < stamped.amount_minor,
            )
            .exists()
            .label("stamped_before")
        )
    if day:
        other = aliased(Purchase, name="other")
        mine = (
            other.membership_id == bindparam("buyer_id"),
            other.status == PurchaseStatus.CONFIRMED,
            other.confirmed_at >= bindparam("day_start"),
            other.id != bindparam("purchase_id"),
        )
        net = func.coalesce(func.sum(other.amount_minor - other.refunded_minor), 0)
        returning += [
            select(func.count()).where(*mine).scalar_subquery().label("count_before"),
            select(net).where(*mine).scalar_subquery().label("amount_before"),
        ]
    settled = {c: bindparam(f"set_{c}", type_=Purchase.__table__.c[c].type) for c in CONFIRMING}
    return (
        update(Purchase)
        .where(
            Purchase.id == bindparam("purchase_id"),
            Purchase.idempotency_key == bindparam("key"),
            Purchase.status == PurchaseStatus.DRAFT,
        )
        .values(status=PurchaseStatus.CONFIRMED, confirmed_at=bindparam("now"), **settled)
        .returning(*returning)
        .execution_options(synchronize_session=False)
    )


class PurchaseRepo(Repo):
    def add(self, row: Purchase | Refund) -> None:
        self.s.add(row)

    async def add_draft(self, **values: Any) -> None:
        """A draft, in one Core statement (the till's hot path)."""
        await insert_rows(self.s, Purchase, [{"status": PurchaseStatus.DRAFT, **values}])

    async def confirm_draft(
        self,
        purchase_id: int,
        key: str,
        now: datetime,
        day_start: datetime | None,
        membership_id: int,
        stamp_day: datetime | None = None,
        **settled: Any,
    ) -> Row[Any] | None:
        """Confirm the draft `purchase_id` still under `key`, once, with what its settlement
        says (CONFIRMING's columns): None when it was confirmed, cancelled or re-priced
        meanwhile. With `day_start`: the buyer's other confirmed purchases of the day,
        counted and summed net of refunds, as this statement's snapshot sees them (after the
        caller's lock on the buyer `membership_id`: every one committed before). With
        `stamp_day`: whether another purchase of the buyer's since then holds a stamp
        (`stamped_before`), as that snapshot sees it."""
        params = {"purchase_id": purchase_id, "key": key, "now": now}
        params.update((f"set_{column}", settled[column]) for column in CONFIRMING)
        if day_start is not None:
            params.update(day_start=day_start, buyer_id=membership_id)
        if stamp_day is not None:
            params.update(stamp_day=stamp_day, buyer_id=membership_id)
        statement = _confirm(day_start is not None, stamp_day is not None)
        result = await run_core(self.s, statement, params)
        return result.first()

    async def promotion_multipliers(self, promotion_ids: Collection[int]) -> dict[int, int]:
        """The multiplier of each of these promotions, by id (no statement for none): what a
        purchase's bonus was, to re-price or refund it with its cashback."""
        if not promotion_ids:
            return {}
        rows = await self.s.execute(
            select(Promotion.id, Promotion.multiplier_pct).where(
                Promotion.id.in_(list(promotion_ids))
            )
        )
        return {int(i): int(pct) for i, pct in rows}

    async def get(self, purchase_id: int) -> Purchase | None:
        return await self.s.get(Purchase, purchase_id)

    async def lock(self, purchase_id: int) -> Purchase | None:
        """Read a purchase for update, fresh (see Repo._locked)."""
        return (await self._locked(select(Purchase).where(Purchase.id == purchase_id))).first()

    async def by_key(self, key: str) -> Purchase | None:
        return await self.s.scalar(select(Purchase).where(Purchase.idempotency_key == key))

    async def rekey_draft(
        self, merchant_id: int, key: str, new_key: str, **values: object
    ) -> bool:
        """An open draft with other numbers under a new key, so the old key (an outdated
        preview's buttons) no longer finds it; False when it is no longer an open draft."""
        changed = await self._changed(
            update(Purchase)
            .where(
                Purchase.idempotency_key == key,
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.DRAFT,
            )
            .values(idempotency_key=new_key, **values)
        )
        return changed > 0

    async def transition(
        self, purchase_id: int, old: PurchaseStatus, new: PurchaseStatus, now: datetime
    ) -> bool:
        """Move a purchase from one status to the next, once; False if someone else did."""
        values: dict[str, object] = {"status": new}
        if new == PurchaseStatus.CONFIRMED:
            values["confirmed_at"] = now
        changed = await self._changed(
            update(Purchase)
            .where(Purchase.id == purchase_id, Purchase.status == old)
            .values(**values)
        )
        return changed > 0

    async def oldest_open(self, membership_id: int, exclude: int) -> Purchase | None:
        """The member's oldest confirmed purchase not refunded in full, other than `exclude`."""
        return await self.s.scalar(
            select(Purchase)
            .where(
                Purchase.membership_id == membership_id,
                Purchase.id != exclude,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.refunded_minor < Purchase.amount_minor,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
            .limit(1)
        )

    async def confirmed_of(self, membership_id: int) -> Sequence[Purchase]:
        """A member's confirmed purchases in the order they were confirmed."""
        await self.s.flush()
        return await self._all(
            select(Purchase)
            .where(
                Purchase.membership_id == membership_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
        )

    async def money_refunded(self, membership_id: int, point_value: int = 1) -> dict[int, int]:
        """Per purchase of a member, the money part of its refunds (what left lifetime spend);
        `point_value`: the merchant's, what each returned point covered."""
        await self.s.flush()
        money = Refund.amount_minor - Refund.points_returned * point_value
        rows = await self.s.execute(
            select(Refund.purchase_id, func.sum(money))
            .join(Purchase, Purchase.id == Refund.purchase_id)
            .where(Purchase.membership_id == membership_id)
            .group_by(Refund.purchase_id)
        )
        return {purchase_id: int(total) for purchase_id, total in rows}

    async def referrals_effective(self, referrer_id: int) -> list[tuple[datetime, int]]:
        """When each of a referrer's effective referrals became effective: (confirmed_at, id)
        of the friends' purchases that made them so, in order."""
        await self.s.flush()
        rows = await self.s.execute(
            select(Purchase.confirmed_at, Purchase.id)
            .join(Membership, Membership.id == Purchase.membership_id)
            .where(
                Membership.referrer_id == referrer_id,
                Purchase.made_referral_effective.is_(True),
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
        )
        return [(at, pid) for at, pid in rows if at is not None]

    async def ids_of(self, membership_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(Purchase.id).where(Purchase.membership_id == membership_id)
        )
        return list(rows)

    async def receipt_taken(self, merchant_id: int, receipt_no: str) -> bool:
        found = await self.s.scalar(
            select(Purchase.id).where(
                Purchase.merchant_id == merchant_id,
                Purchase.receipt_no == receipt_no,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
        )
        return found is not None

    async def confirmed_between(
        self, merchant_id: int, start: datetime, end: datetime, staff_telegram_id: int | None
    ) -> Sequence[Purchase]:
        query = (
            select(Purchase)
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.confirmed_at >= start,
                Purchase.confirmed_at < end,
            )
            .order_by(Purchase.confirmed_at)
        )
        if staff_telegram_id is not None:
            query = query.where(Purchase.staff_telegram_id == staff_telegram_id)
        return await self._all(query)

    async def rate(self, purchase_id: int, membership_id: int, stars: int, now: datetime) -> bool:
        """Store a rating once; False if already rated (or not this member's purchase)."""
        changed = await self._changed(
            update(Purchase)
            .where(
                Purchase.id == purchase_id,
                Purchase.membership_id == membership_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.rating.is_(None),
            )
            .values(rating=stars, rated_at=now)
        )
        return changed > 0
