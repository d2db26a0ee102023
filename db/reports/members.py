"""Reports on members: how many there are (with a birthday, a phone, news, reachable), where
the new ones came from, and whether newcomers and referred friends went on to buy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from db.models import Customer, Membership
from db.reports.base import ReportQueries, member_before, tally, within
from db.sql import epoch


class MemberReports(ReportQueries):
    async def members_at(self, merchant_id: int, at: datetime) -> tuple[int, ...]:
        """(members, with birthday, with phone, opted in, reachable) at an instant."""
        alive = and_(
            Membership.merchant_id == merchant_id,
            Membership.joined_at < at,
            or_(Membership.deleted_at.is_(None), Membership.deleted_at >= at),
        )
        return await self._one(
            select(
                func.count(),
                tally(Customer.birthday_month.is_not(None)),
                tally(Customer.phone.is_not(None)),
                tally(Membership.marketing_opt_in),
                func.sum(case((Customer.bot_blocked, 0), else_=1)),
            )
            .join(Customer, Customer.id == Membership.customer_id)
            .where(alive)
        )

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
        first_purchase = member_before(
            merchant_id, Membership.id, end, lambda p: func.min(p.confirmed_at)
        )
        first = (
            select(Membership.joined_at.label("joined"), first_purchase.label("first"))
            .where(
                Membership.merchant_id == merchant_id,
                within(Membership.joined_at, start, end),
            )
            .subquery()
        )
        mature = epoch(first.c.joined) + window <= int(end.timestamp())
        converted = and_(
            first.c.first.is_not(None), epoch(first.c.first) - epoch(first.c.joined) < window
        )
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
        purchases = member_before(merchant_id, Membership.id, end, lambda p: func.count())
        per_member = (
            select(purchases.label("n"))
            .where(
                Membership.merchant_id == merchant_id,
                Membership.referrer_id.is_not(None),
                within(Membership.joined_at, start, end),
            )
            .subquery()
        )
        return await self._one(
            select(
                func.count(),
                tally(per_member.c.n >= 1),
                tally(per_member.c.n >= 2),
            )
        )
