"""Aggregations behind the merchant's reports. Every number is counted in SQL: Python gets
totals, or one row per time bucket, never one row per purchase.

Shared meanings (services/reports.py documents them for the merchant):
- a purchase counts when it is confirmed and not wholly refunded; its revenue is its amount
  less what was refunded;
- a period is a half-open range [start, end) of UTC instants;
- an erased member's purchases stay in the merchant's accounts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Campaign,
    Customer,
    LedgerEntry,
    Membership,
    Merchant,
    NpsAnswer,
    Outbox,
    OutboxStatus,
    Preorder,
    Purchase,
    PurchaseStatus,
    Staff,
)
from db.sql import epoch

DAY = 86_400
AnySelect = Select[*tuple[Any, ...]]


def _counted(purchase: Any = Purchase) -> ColumnElement[bool]:
    return and_(
        purchase.status == PurchaseStatus.CONFIRMED,
        purchase.refunded_minor < purchase.amount_minor,
    )


def _revenue(purchase: Any = Purchase) -> ColumnElement[int]:
    return purchase.amount_minor - purchase.refunded_minor  # type: ignore[no-any-return]


def _in(column: Any, start: datetime | None, end: datetime) -> ColumnElement[bool]:
    if start is None:
        return column < end  # type: ignore[no-any-return]
    return and_(column >= start, column < end)


def _index_of(column: Any, bounds: Sequence[datetime]) -> Any:
    """Which of the ranges [bounds[i], bounds[i+1]) a timestamp falls in (local months cut
    in Python, so daylight saving needs nothing from the database)."""
    whens = [(column < bound, index) for index, bound in enumerate(bounds[1:])]
    return case(*whens, else_=literal(len(bounds) - 1, Integer))


def _before(merchant_id: int, member: Any, end: datetime, value: Callable[[Any], Any]) -> Any:
    """`value` over one member's counted purchases before `end`, as a subquery correlated to
    the query that names `member`: a lookup on the member-ordered index. Used where the
    members are few next to the purchases; a join there made PostgreSQL hash every
    purchase of the merchant."""
    earlier = aliased(Purchase)
    return (
        select(value(earlier))
        .where(
            earlier.merchant_id == merchant_id,
            earlier.membership_id == member,
            earlier.confirmed_at < end,
            _counted(earlier),
        )
        .scalar_subquery()
    )


def _of_merchant(merchant_id: int) -> ColumnElement[bool]:
    """Ledger entries of a merchant's members, for queries that read a period's entries by
    time (the ledger has no merchant column). The `+ 0` keeps SQLite from looking the entries
    up member by member instead, which it prefers without knowing how short the period is."""
    return (LedgerEntry.membership_id + 0).in_(
        select(Membership.id).where(Membership.merchant_id == merchant_id)
    )


def _int(value: Any) -> int:
    return int(value or 0)


class ReportRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _one(self, query: AnySelect) -> tuple[int, ...]:
        row = (await self.s.execute(query)).one()
        return tuple(_int(value) for value in row)

    # Registration

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
                func.sum(case((Customer.birthday_month.is_not(None), 1), else_=0)),
                func.sum(case((Customer.phone.is_not(None), 1), else_=0)),
                func.sum(case((Membership.marketing_opt_in, 1), else_=0)),
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
            .where(Membership.merchant_id == merchant_id, _in(Membership.joined_at, start, end))
            .group_by(source, referred)
        )
        return [(str(s), bool(r), int(n)) for s, r, n in rows.all()]

    # Frequency

    async def purchase_totals(
        self, merchant_id: int, start: datetime | None, end: datetime
    ) -> tuple[int, ...]:
        """(purchases, revenue, active customers) in the period (from the start if None)."""
        return await self._one(
            select(
                func.count(),
                func.sum(_revenue()),
                func.count(distinct(Purchase.membership_id)),
            ).where(
                Purchase.merchant_id == merchant_id,
                _in(Purchase.confirmed_at, start, end),
                _counted(),
            )
        )

    async def gaps(self, merchant_id: int, start: datetime, end: datetime) -> tuple[int, ...]:
        """(seconds, pairs) over consecutive purchases of a member whose later one is in the
        period. Per member the gaps add up to last-in-period minus the purchase before the
        first in the period (or the first itself), so no window function is needed."""
        before = _before(
            merchant_id, Purchase.membership_id, start, lambda p: func.max(p.confirmed_at)
        )
        per_member = (
            select(
                func.max(Purchase.confirmed_at).label("last"),
                func.min(Purchase.confirmed_at).label("first"),
                func.count().label("n"),
                before.label("before"),
            )
            .where(
                Purchase.merchant_id == merchant_id,
                _in(Purchase.confirmed_at, start, end),
                _counted(),
            )
            .group_by(Purchase.membership_id)
            .subquery()
        )
        return await self._one(
            select(
                func.sum(
                    epoch(per_member.c.last)
                    - epoch(func.coalesce(per_member.c.before, per_member.c.first))
                ),
                func.sum(per_member.c.n - case((per_member.c.before.is_(None), 1), else_=0)),
            )
        )

    async def buckets(
        self, merchant_id: int, start: datetime, end: datetime, seconds: int
    ) -> list[tuple[int, int, int]]:
        """(bucket start in epoch seconds, purchases, revenue) per non-empty bucket."""
        bucket = epoch(Purchase.confirmed_at) // seconds  # integer division on both
        rows = await self.s.execute(
            select(bucket, func.count(), func.sum(_revenue()))
            .where(
                Purchase.merchant_id == merchant_id,
                _in(Purchase.confirmed_at, start, end),
                _counted(),
            )
            .group_by(bucket)
        )
        return [(int(b) * seconds, int(n), _int(r)) for b, n, r in rows.all()]

    # Conversion

    async def first_purchases(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """Over members who joined in the period: (those who joined at least `window` seconds
        before the end, of them bought within `window` of joining, the younger ones who
        already did), counting purchases made before the end."""
        first_purchase = _before(
            merchant_id, Membership.id, end, lambda p: func.min(p.confirmed_at)
        )
        first = (
            select(Membership.joined_at.label("joined"), first_purchase.label("first"))
            .where(
                Membership.merchant_id == merchant_id,
                _in(Membership.joined_at, start, end),
            )
            .subquery()
        )
        mature = epoch(first.c.joined) + window <= int(end.timestamp())
        converted = and_(
            first.c.first.is_not(None), epoch(first.c.first) - epoch(first.c.joined) < window
        )
        return await self._one(
            select(
                func.sum(case((mature, 1), else_=0)),
                func.sum(case((and_(mature, converted), 1), else_=0)),
                func.sum(case((and_(~mature, converted), 1), else_=0)),
            )
        )

    async def history(
        self, merchant_id: int, ends: Sequence[datetime], churn: int, year: int
    ) -> list[tuple[int, ...]]:
        """Per end: (members with a purchase before it, with two or more, whose last one is
        `churn` seconds or more before the end, revenue to date, revenue in the `year` seconds
        before the end, members who bought in those).

        One pass over each member's purchases (a covering index) gives the latest end; an
        earlier end takes off what came after it, read by time (a short range), and looks up
        the last purchase before it only for members who bought since. A member bought in the
        year before an end when their last purchase before it is in that year.
        """
        latest = max(ends)
        everything = (
            select(
                Purchase.membership_id.label("member"),
                func.count().label("n"),
                func.max(Purchase.confirmed_at).label("last"),
                func.sum(_revenue()).label("revenue"),
            )
            .where(Purchase.merchant_id == merchant_id, Purchase.confirmed_at < latest, _counted())
            .group_by(Purchase.membership_id)
            .subquery("everything")
        )
        source: Any = everything
        columns: list[Any] = []
        for index, end in enumerate(ends):
            n: Any = everything.c.n
            last: Any = everything.c.last
            revenue: Any = everything.c.revenue
            if end < latest:
                since = (
                    select(
                        Purchase.membership_id.label("member"),
                        func.count().label("n"),
                        func.sum(_revenue()).label("revenue"),
                    )
                    .where(
                        Purchase.merchant_id == merchant_id,
                        _in(Purchase.confirmed_at, end, latest),
                        _counted(),
                    )
                    .group_by(Purchase.membership_id)
                    .subquery(f"since{index}")
                )
                last_before = _before(
                    merchant_id, everything.c.member, end, lambda p: func.max(p.confirmed_at)
                )
                source = source.outerjoin(since, since.c.member == everything.c.member)
                n = everything.c.n - func.coalesce(since.c.n, 0)
                revenue = everything.c.revenue - func.coalesce(since.c.revenue, 0)
                last = case((since.c.n.is_(None), everything.c.last), else_=last_before)
            churned = and_(n >= 1, last < end - timedelta(seconds=churn))
            columns += [
                func.sum(case((n >= 1, 1), else_=0)),
                func.sum(case((n >= 2, 1), else_=0)),
                func.sum(case((churned, 1), else_=0)),
                func.sum(case((n >= 1, revenue), else_=0)),
                func.sum(case((and_(n >= 1, last >= end - timedelta(seconds=year)), 1), else_=0)),
            ]
        totals = await self._one(select(*columns).select_from(source))
        rows: list[tuple[int, ...]] = []
        for index, end in enumerate(ends):
            buyers, repeaters, churned_n, to_date, year_active = totals[index * 5 : index * 5 + 5]
            older = await self.revenue_before(merchant_id, end - timedelta(seconds=year))
            rows.append((buyers, repeaters, churned_n, to_date, to_date - older, year_active))
        return rows

    async def revenue_before(self, merchant_id: int, cutoff: datetime) -> int:
        return _int(
            await self.s.scalar(
                select(func.sum(_revenue())).where(
                    Purchase.merchant_id == merchant_id,
                    Purchase.confirmed_at < cutoff,
                    _counted(),
                )
            )
        )

    async def retained(
        self, merchant_id: int, before: datetime, start: datetime, end: datetime
    ) -> tuple[int, ...]:
        """(members active in [before, start), of them also active in [start, end))."""
        later = aliased(Purchase)
        earlier = (
            select(Purchase.membership_id.label("member"))
            .where(
                Purchase.merchant_id == merchant_id,
                _in(Purchase.confirmed_at, before, start),
                _counted(),
            )
            .distinct()
            .subquery()
        )
        again = exists().where(
            later.membership_id == earlier.c.member,
            later.merchant_id == merchant_id,
            _in(later.confirmed_at, start, end),
            _counted(later),
        )
        return await self._one(
            select(func.count(), func.sum(case((again, 1), else_=0))).select_from(earlier)
        )

    async def cohorts(
        self, merchant_id: int, months: Sequence[datetime]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
        """Cohorts by month of joining over the local month starts given (the last one is the
        end): (cohort, size) and (cohort, month of the purchase, members who bought)."""
        start, end = months[0], months[-1]
        cohort = _index_of(Membership.joined_at, months[:-1])
        sizes = await self.s.execute(
            select(cohort, func.count())
            .where(Membership.merchant_id == merchant_id, _in(Membership.joined_at, start, end))
            .group_by(cohort)
        )
        # Each member's cohort is worked out once (a materialized CTE, which SQLite and
        # PostgreSQL both honour), then their purchases are cut into months and counted once
        # per member and month, instead of a DISTINCT over every purchase.
        joined = (
            select(Membership.id.label("member"), cohort.label("cohort"))
            .where(Membership.merchant_id == merchant_id, _in(Membership.joined_at, start, end))
            .cte("cohort_member")
            .prefix_with("MATERIALIZED")
        )
        month = _index_of(Purchase.confirmed_at, months[:-1]).label("month")
        member_months = (
            select(joined.c.cohort, month)
            .select_from(joined)
            .join(
                Purchase,
                and_(
                    Purchase.merchant_id == merchant_id,
                    Purchase.membership_id == joined.c.member,
                    _in(Purchase.confirmed_at, start, end),
                    _counted(),
                ),
            )
            .group_by(joined.c.member, joined.c.cohort, month)
            .subquery()
        )
        active = await self.s.execute(
            select(member_months.c.cohort, member_months.c.month, func.count()).group_by(
                member_months.c.cohort, member_months.c.month
            )
        )
        return (
            [(int(c), int(n)) for c, n in sizes.all()],
            [(int(c), int(m), int(n)) for c, m, n in active.all()],
        )

    def _reminders(self, merchant_id: int, start: datetime, end: datetime) -> AnySelect:
        return (
            select(Outbox.id, Outbox.sent_at, Membership.id.label("member"))
            .join(Customer, Customer.telegram_id == Outbox.chat_id)
            .join(
                Membership,
                and_(Membership.customer_id == Customer.id, Membership.merchant_id == merchant_id),
            )
            .where(
                Outbox.merchant_id == merchant_id,
                Outbox.kind == "cart_reminder",
                Outbox.status == OutboxStatus.SENT,
                _in(Outbox.sent_at, start, end),
            )
        )

    async def cart_recovery(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """(cart reminders delivered in the period, carts checked out within `window` seconds
        after their reminder)."""
        sent = self._reminders(merchant_id, start, end).subquery()
        recovered = exists().where(
            Preorder.membership_id == sent.c.member,
            Preorder.created_at >= sent.c.sent_at,
            epoch(Preorder.created_at) - epoch(sent.c.sent_at) < window,
        )
        return await self._one(
            select(func.count(), func.sum(case((recovered, 1), else_=0))).select_from(sent)
        )

    # Advocacy

    async def referrals(self, merchant_id: int, start: datetime, end: datetime) -> tuple[int, ...]:
        """Members who joined through a friend's link in the period: (joined, with a purchase
        before the end, with two or more)."""
        purchases = _before(merchant_id, Membership.id, end, lambda p: func.count())
        per_member = (
            select(purchases.label("n"))
            .where(
                Membership.merchant_id == merchant_id,
                Membership.referrer_id.is_not(None),
                _in(Membership.joined_at, start, end),
            )
            .subquery()
        )
        return await self._one(
            select(
                func.count(),
                func.sum(case((per_member.c.n >= 1, 1), else_=0)),
                func.sum(case((per_member.c.n >= 2, 1), else_=0)),
            )
        )

    async def ratings(self, merchant_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Stars -> how many purchases were rated so in the period."""
        rows = await self.s.execute(
            select(Purchase.rating, func.count())
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating.is_not(None),
                _in(Purchase.rated_at, start, end),
            )
            .group_by(Purchase.rating)
        )
        return {_int(stars): int(n) for stars, n in rows.all()}

    async def nps(self, merchant_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Score (0-10) -> answers in the period."""
        rows = await self.s.execute(
            select(NpsAnswer.score, func.count())
            .where(NpsAnswer.merchant_id == merchant_id, _in(NpsAnswer.created_at, start, end))
            .group_by(NpsAnswer.score)
        )
        return {int(score): int(n) for score, n in rows.all()}

    async def monthly_feedback(
        self, merchant_id: int, months: Sequence[datetime]
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Per local month: (month, stars, count) of ratings and (month, score, count) of NPS."""
        start, end = months[0], months[-1]
        rated = _index_of(Purchase.rated_at, months[:-1])
        ratings = await self.s.execute(
            select(rated, Purchase.rating, func.count())
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating.is_not(None),
                _in(Purchase.rated_at, start, end),
            )
            .group_by(rated, Purchase.rating)
        )
        answered = _index_of(NpsAnswer.created_at, months[:-1])
        answers = await self.s.execute(
            select(answered, NpsAnswer.score, func.count())
            .where(NpsAnswer.merchant_id == merchant_id, _in(NpsAnswer.created_at, start, end))
            .group_by(answered, NpsAnswer.score)
        )
        return (
            [(int(m), _int(s), int(n)) for m, s, n in ratings.all()],
            [(int(m), int(s), int(n)) for m, s, n in answers.all()],
        )

    async def low_ratings(
        self, merchant_id: int, start: datetime, end: datetime, limit: int
    ) -> list[tuple[int, datetime | None, int, str | None, str | None, int]]:
        """Newest first: (purchase id, rated at, stars, comment, staff name, amount)."""
        rows = await self.s.execute(
            select(
                Purchase.id,
                Purchase.rated_at,
                Purchase.rating,
                Purchase.rating_comment,
                Staff.name,
                Purchase.amount_minor,
            )
            .outerjoin(
                Staff,
                and_(
                    Staff.merchant_id == Purchase.merchant_id,
                    Staff.telegram_id == Purchase.staff_telegram_id,
                ),
            )
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating <= 2,
                _in(Purchase.rated_at, start, end),
            )
            .order_by(Purchase.rated_at.desc(), Purchase.id.desc())
            .limit(limit)
        )
        return [(int(i), at, _int(r), c, s, int(a)) for i, at, r, c, s, a in rows.all()]

    # Rewarding

    async def point_flows(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Ledger reason -> sum of its changes in the period."""
        rows = await self.s.execute(
            select(LedgerEntry.reason, func.sum(LedgerEntry.delta_minor))
            .where(_of_merchant(merchant_id), _in(LedgerEntry.created_at, start, end))
            .group_by(LedgerEntry.reason)
        )
        return {str(reason): _int(total) for reason, total in rows.all()}

    async def liability(self, merchant_id: int, at: datetime) -> int:
        """Sum of all balances at an instant: today's balances less what changed since."""
        now_total = await self.s.scalar(
            select(func.sum(Membership.balance_minor)).where(Membership.merchant_id == merchant_id)
        )
        since = await self.s.scalar(
            select(func.sum(LedgerEntry.delta_minor)).where(
                _of_merchant(merchant_id), LedgerEntry.created_at >= at
            )
        )
        return _int(now_total) - _int(since)

    async def point_value(self, merchant_id: int) -> int:
        """Minor units one point of the merchant is worth: the money value of a balance."""
        value = await self.s.scalar(
            select(Merchant.point_value_minor).where(Merchant.id == merchant_id)
        )
        return int(value or 1)

    async def uplift(
        self, merchant_id: int, start: datetime, end: datetime, window: int
    ) -> tuple[int, ...]:
        """Birthday gifts and delivered pushes in the period: (rewards, revenue of the member
        in the `window` seconds before each, revenue in the `window` seconds after)."""
        gifts = select(
            LedgerEntry.membership_id.label("member"), LedgerEntry.created_at.label("at")
        ).where(
            _of_merchant(merchant_id),
            LedgerEntry.reason == "birthday",
            _in(LedgerEntry.created_at, start, end),
        )
        pushes = (
            select(Membership.id.label("member"), Outbox.sent_at.label("at"))
            .join(Customer, Customer.telegram_id == Outbox.chat_id)
            .join(
                Membership,
                and_(Membership.customer_id == Customer.id, Membership.merchant_id == merchant_id),
            )
            .where(
                Outbox.merchant_id == merchant_id,
                Outbox.kind == "push",
                Outbox.status == OutboxStatus.SENT,
                _in(Outbox.sent_at, start, end),
            )
        )
        events = gifts.union_all(pushes).subquery()

        def revenue(after: bool) -> Any:
            gap = epoch(Purchase.confirmed_at) - epoch(events.c.at)
            window_ok = and_(gap >= 0, gap < window) if after else and_(gap < 0, gap >= -window)
            return (
                select(func.coalesce(func.sum(_revenue()), 0))
                .where(Purchase.membership_id == events.c.member, _counted(), window_ok)
                .correlate(events)
                .scalar_subquery()
            )

        return await self._one(
            select(func.count(), func.sum(revenue(False)), func.sum(revenue(True))).select_from(
                events
            )
        )

    # Campaigns

    async def campaigns(
        self, merchant_id: int, since: datetime, window: int, limit: int
    ) -> list[tuple[Any, ...]]:
        """Pushes created since: (id, created at, segment, recipients, delivered, blocked,
        failed, purchases within `window` seconds of delivery, their revenue)."""
        delivered = func.sum(case((Outbox.status == OutboxStatus.SENT, 1), else_=0))
        blocked = func.sum(case((Outbox.status == OutboxStatus.BLOCKED, 1), else_=0))
        failed = func.sum(case((Outbox.status == OutboxStatus.FAILED, 1), else_=0))
        counts = (
            select(Outbox.campaign_id, delivered, blocked, failed)
            .where(
                Outbox.campaign_id.in_(
                    select(Campaign.id).where(
                        Campaign.merchant_id == merchant_id, Campaign.created_at >= since
                    )
                )
            )
            .group_by(Outbox.campaign_id)
        )
        stats = {
            int(r[0]): (_int(r[1]), _int(r[2]), _int(r[3])) for r in await self.s.execute(counts)
        }
        brought = await self._brought(
            merchant_id, window, Outbox.campaign_id, Outbox.campaign_id.in_(list(stats) or [-1])
        )
        rows = await self.s.execute(
            select(Campaign.id, Campaign.created_at, Campaign.segment, Campaign.recipients)
            .where(Campaign.merchant_id == merchant_id, Campaign.created_at >= since)
            .order_by(Campaign.created_at.desc())
            .limit(limit)
        )
        return [
            (
                int(i),
                at,
                segment,
                int(n),
                *stats.get(int(i), (0, 0, 0)),
                *brought.get(int(i), (0, 0)),
            )
            for i, at, segment, n in rows.all()
        ]

    async def _brought(
        self, merchant_id: int, window: int, key: Any, where: ColumnElement[bool]
    ) -> dict[Any, tuple[int, int]]:
        """Key -> (purchases, revenue) by recipients within `window` seconds after delivery."""
        gap = epoch(Purchase.confirmed_at) - epoch(Outbox.sent_at)
        # A purchase after two messages of one key (the 2 h and the 24 h cart reminder)
        # counts once for it.
        brought = (
            select(key.label("key"), Purchase.id.label("purchase"), _revenue().label("revenue"))
            .distinct()
            .select_from(Outbox)
            .join(Customer, Customer.telegram_id == Outbox.chat_id)
            .join(
                Membership,
                and_(Membership.customer_id == Customer.id, Membership.merchant_id == merchant_id),
            )
            .join(
                Purchase,
                and_(Purchase.merchant_id == merchant_id, Purchase.membership_id == Membership.id),
            )
            .where(
                Outbox.merchant_id == merchant_id,
                Outbox.status == OutboxStatus.SENT,
                where,
                _counted(),
                gap >= 0,
                gap < window,
            )
            .subquery()
        )
        rows = await self.s.execute(
            select(brought.c.key, func.count(), func.sum(brought.c.revenue)).group_by(
                brought.c.key
            )
        )
        return {k: (int(n), _int(r)) for k, n, r in rows.all()}

    async def kind_deliveries(
        self, merchant_id: int, kind: str, start: datetime, end: datetime, window: int
    ) -> tuple[int, int, int, int]:
        """Messages of one kind queued in the period: (queued, delivered, blocked, purchases
        within `window` seconds after delivery)."""
        counts = await self._one(
            select(
                func.count(),
                func.sum(case((Outbox.status == OutboxStatus.SENT, 1), else_=0)),
                func.sum(case((Outbox.status == OutboxStatus.BLOCKED, 1), else_=0)),
            ).where(
                Outbox.merchant_id == merchant_id,
                Outbox.kind == kind,
                _in(Outbox.created_at, start, end),
            )
        )
        # Delivered in the period: a range on the (merchant, kind, sent_at) index, from which
        # the database starts (by the time it was queued it would start from the purchases).
        brought = await self._brought(
            merchant_id,
            window,
            Outbox.kind,
            and_(Outbox.kind == kind, _in(Outbox.sent_at, start, end)),
        )
        return counts[0], counts[1], counts[2], brought.get(kind, (0, 0))[0]

    # Exports: streamed, a chunk at a time

    async def stream(self, query: AnySelect, chunk: int = 5_000) -> AsyncIterator[Sequence[Any]]:
        result = await self.s.stream(query.execution_options(yield_per=chunk))
        async for partition in result.partitions(chunk):
            yield partition

    def members_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                Membership.id,
                Membership.joined_at,
                Membership.source,
                Membership.referrer_id,
                Membership.level_rank,
                Membership.balance_minor,
                Membership.lifetime_spend_minor,
                Membership.purchases_count,
                Membership.effective_referrals,
                Membership.marketing_opt_in,
                Membership.deleted_at,
                Customer.telegram_id,
                Customer.first_name,
                Customer.phone,
                Customer.birthday_day,
                Customer.birthday_month,
                Customer.birthday_year,
                Customer.language,
                Customer.bot_blocked,
            )
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id)
            .order_by(Membership.id)
        )

    def purchases_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                Purchase.id,
                Purchase.membership_id,
                Purchase.confirmed_at,
                Purchase.amount_minor,
                Purchase.refunded_minor,
                Purchase.points_spent,
                Purchase.cashback_minor,
                Purchase.receipt_no,
                Staff.name,
                Purchase.rating,
                Purchase.rating_comment,
            )
            .outerjoin(
                Staff,
                and_(
                    Staff.merchant_id == Purchase.merchant_id,
                    Staff.telegram_id == Purchase.staff_telegram_id,
                ),
            )
            .where(
                Purchase.merchant_id == merchant_id, Purchase.status == PurchaseStatus.CONFIRMED
            )
            .order_by(Purchase.id)
        )

    def ledger_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                LedgerEntry.id,
                LedgerEntry.membership_id,
                LedgerEntry.created_at,
                LedgerEntry.delta_minor,
                LedgerEntry.balance_after_minor,
                LedgerEntry.reason,
                LedgerEntry.purchase_id,
            )
            .join(Membership, Membership.id == LedgerEntry.membership_id)
            .where(Membership.merchant_id == merchant_id)
            .order_by(LedgerEntry.id)
        )
