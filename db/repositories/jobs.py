"""The scheduler's queries: who is due for a birthday gift, its lapse, an NPS survey; points
that may expire."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from db.models import Customer, LedgerEntry, LedgerReason, Membership, Merchant
from db.repositories.base import Repo
from db.repositories.members import opted_in_and_reachable


class JobRepo(Repo):
    async def merchants(self) -> Sequence[Merchant]:
        return await self._all(select(Merchant).order_by(Merchant.id))

    async def birthdays(
        self, merchant_id: int, day: int, month: int, year: int, with_feb29: bool
    ) -> Sequence[tuple[Membership, Customer]]:
        """Opted-in, reachable members whose birthday is today and who got no gift this year;
        not those the staff blocked (they earn nothing while blocked)."""
        same_day = (Customer.birthday_month == month) & (Customer.birthday_day == day)
        if with_feb29:  # 28 February also celebrates those born on the 29th, in common years
            same_day = same_day | ((Customer.birthday_month == 2) & (Customer.birthday_day == 29))
        rows = await self.s.execute(
            select(Membership, Customer)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.blocked_at.is_(None),
                *opted_in_and_reachable(),
                same_day,
                or_(
                    Membership.birthday_granted_year.is_(None),
                    Membership.birthday_granted_year != year,
                ),
            )
            .with_for_update(of=Membership)
        )
        return [(m, c) for m, c in rows.all()]

    async def birthday_bonuses_due(
        self, merchant_id: int, granted_before: datetime
    ) -> Sequence[Membership]:
        return await self._all(
            select(Membership)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.birthday_bonus_left > 0,
                Membership.birthday_granted_at <= granted_before,
            )
            .with_for_update()
        )

    async def nps_due(
        self, merchant_id: int, min_purchases: int, asked_before: datetime, limit: int
    ) -> Sequence[tuple[Membership, Customer]]:
        rows = await self.s.execute(
            select(Membership, Customer)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.purchases_count >= min_purchases,
                Customer.bot_blocked.is_(False),
                or_(Membership.nps_asked_at.is_(None), Membership.nps_asked_at < asked_before),
            )
            .order_by(Membership.id)
            .limit(limit)
            .with_for_update(of=Membership)
        )
        return [(m, c) for m, c in rows.all()]

    async def point_flows(
        self, merchant_id: int, cutoffs: Sequence[datetime]
    ) -> Sequence[tuple[int, int, int, int, list[int]]]:
        """Per member with points: (membership id, telegram id, debits, expired, credits made
        at or before each cutoff). Debits exclude expiry, which is counted apart."""
        debit = case(
            (
                and_(LedgerEntry.delta_minor < 0, LedgerEntry.reason != LedgerReason.EXPIRY),
                -LedgerEntry.delta_minor,
            ),
            else_=0,
        )
        expired = case(
            (LedgerEntry.reason == LedgerReason.EXPIRY, -LedgerEntry.delta_minor), else_=0
        )
        credited = [
            func.sum(
                case(
                    (
                        and_(LedgerEntry.delta_minor > 0, LedgerEntry.created_at <= cutoff),
                        LedgerEntry.delta_minor,
                    ),
                    else_=0,
                )
            )
            for cutoff in cutoffs
        ]
        rows = await self.s.execute(
            select(
                Membership.id,
                Customer.telegram_id,
                func.sum(debit),
                func.sum(expired),
                *credited,
            )
            .join(LedgerEntry, LedgerEntry.membership_id == Membership.id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id, Membership.balance_minor > 0)
            .group_by(Membership.id, Customer.telegram_id)
        )
        return [
            (int(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), [int(x or 0) for x in r[4:]])
            for r in rows.all()
        ]
