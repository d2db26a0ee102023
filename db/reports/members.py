"""Reports on members: how many there are (with a birthday, a phone, news, reachable), where
the new ones came from, and whether newcomers and referred friends went on to buy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from db.models import Customer, Membership, MemberSummary
from db.reports.base import ReportQueries, tally, within
from db.sql import epoch


class MemberReports(ReportQueries):
    async def members_at(
        self, merchant_id: int, ends: Sequence[datetime]
    ) -> list[tuple[int, ...]]:
        """Per instant: (members, with birthday, with phone, opted in, reachable), in one pass
        over the merchant's members."""
        columns: list[Any] = []
        for at in ends:
            alive = and_(
                Membership.joined_at < at,
                or_(Membership.deleted_at.is_(None), Membership.deleted_at >= at),
            )
            columns += [
                tally(alive),
                tally(and_(alive, Customer.birthday_month.is_not(None))),
                tally(and_(alive, Customer.phone.is_not(None))),
                tally(and_(alive, Membership.marketing_opt_in)),
                tally(and_(alive, Customer.bot_blocked.is_(False))),
            ]
        totals = await self._one(
            select(*columns)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id)
        )
        return [totals[i * 5 : i * 5 + 5] for i in range(len(ends))]

    async def new_members(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, bool, int]]:
        """(source tag or "", joined through a friend's link, count) for joins in the period."""
        referred = Membership.referrer_id.is_not(None)
        source = func.coalesce(Membership.source, "")
        rows = await self.s.execute(
            select(source, referred, func.count())
            .where(Membership.merchant_id == merchant_id, within(Membership.joined_at, start, end))
            .group_by(source, referred)
        )
        return [(str(s), bool(r), int(n)) for s, r, n in rows.all()]

    async def first_purchases(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """Over members who joined in the period: (those who joined at least `window` seconds
        before the end, of them bought within `window` of joining, the younger ones who
        already did), counting purchases made before the end."""
        s = MemberSummary
        # Whole seconds, as epoch() counts them: joined by the cutoff is mature.
        cutoff = datetime.fromtimestamp(int(end.timestamp()) - window + 1, UTC)
        took = case((s.first_at < end, epoch(s.first_at) - epoch(Membership.joined_at)))
        joined = (
            select(Membership.joined_at.label("joined"), took.label("took"))
            .outerjoin(s, _summary_of())
            .where(
                Membership.merchant_id == merchant_id,
                within(Membership.joined_at, start, end),
            )
            .offset(0)  # each member's time to a first purchase worked out once
            .subquery()
        )
        mature, converted = joined.c.joined < cutoff, joined.c.took < window
        return await self._one(
            select(
                tally(mature),
                tally(and_(mature, converted)),
                tally(and_(~mature, converted)),
            )
        )

    async def referrals(self, merchant_id: int, start: datetime, end: datetime) -> tuple[int, ...]:
        """Members who joined through a friend's link in the period: (joined, with a purchase
        before the end, with two or more)."""
        s = MemberSummary
        return await self._one(
            select(func.count(), tally(s.first_at < end), tally(s.second_at < end))
            .select_from(Membership)
            .outerjoin(s, _summary_of())
            .where(
                Membership.merchant_id == merchant_id,
                Membership.referrer_id.is_not(None),
                within(Membership.joined_at, start, end),
            )
        )


def _summary_of() -> ColumnElement[bool]:
    """Joins a membership to its summary (none: no purchase that counts)."""
    return and_(
        MemberSummary.merchant_id == Membership.merchant_id,
        MemberSummary.membership_id == Membership.id,
    )
