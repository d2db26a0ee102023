"""The pieces every report query is built from: what counts as a sale, its net revenue, a
period, local-month buckets, and messages delivered to members."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.orm import aliased

from db.models import (
    Customer,
    LedgerEntry,
    Membership,
    Outbox,
    OutboxStatus,
    Purchase,
    Staff,
)
from db.repositories.base import Repo
from db.repositories.summary import counted as counted
from db.repositories.summary import net_revenue as net_revenue

DAY = 86_400
AnySelect = Select[*tuple[Any, ...]]


def within(column: Any, start: datetime | None, end: datetime) -> ColumnElement[bool]:
    """In [start, end); before `end` when there is no start."""
    if start is None:
        return column < end  # type: ignore[no-any-return]
    return and_(column >= start, column < end)


def sold(
    merchant_id: int, start: datetime | None, end: datetime, purchase: Any = Purchase
) -> tuple[ColumnElement[bool], ...]:
    """The merchant's purchases that count, confirmed in [start, end)."""
    return (
        purchase.merchant_id == merchant_id,
        within(purchase.confirmed_at, start, end),
        counted(purchase),
    )


def index_of(column: Any, bounds: Sequence[datetime]) -> Any:
    """Which of the ranges [bounds[i], bounds[i+1]) a timestamp falls in (local months cut
    in Python, so daylight saving needs nothing from the database)."""
    whens = [(column < bound, index) for index, bound in enumerate(bounds[1:])]
    return case(*whens, else_=literal(len(bounds) - 1, Integer))


def member_before(
    merchant_id: int, member: Any, end: datetime, value: Callable[[Any], Any]
) -> Any:
    """`value` over one member's counted purchases before `end`, as a subquery correlated to
    the query that names `member`: a lookup on the member-ordered index. Used where the
    members are few next to the purchases; a join there made PostgreSQL hash every
    purchase of the merchant."""
    earlier = aliased(Purchase)
    return (
        select(value(earlier))
        .where(earlier.membership_id == member, *sold(merchant_id, None, end, earlier))
        .scalar_subquery()
    )


def of_merchant(merchant_id: int) -> ColumnElement[bool]:
    """Ledger entries of a merchant's members, for queries that read a period's entries by
    time (the ledger has no merchant column). The `+ 0` keeps SQLite from looking the entries
    up member by member instead, which it prefers without knowing how short the period is."""
    return (LedgerEntry.membership_id + 0).in_(
        select(Membership.id).where(Membership.merchant_id == merchant_id)
    )


def seller() -> ColumnElement[bool]:
    """Joins a purchase to its seller's staff row (an outer join: owners sell without one)."""
    return and_(
        Staff.merchant_id == Purchase.merchant_id,
        Staff.telegram_id == Purchase.staff_telegram_id,
    )


def delivered(query: AnySelect, merchant_id: int) -> AnySelect:
    """`query` over the merchant's delivered messages, joined to the membership there of
    the person each went to."""
    return (
        query.join(Customer, Customer.telegram_id == Outbox.chat_id)
        .join(
            Membership,
            and_(Membership.customer_id == Customer.id, Membership.merchant_id == merchant_id),
        )
        .where(Outbox.merchant_id == merchant_id, Outbox.status == OutboxStatus.SENT)
    )


def tally(condition: ColumnExpressionArgument[bool]) -> Any:
    """How many rows meet `condition`, as an aggregate (a FILTER clause: on SQLite half the
    cost of summing a CASE)."""
    return func.count().filter(condition)


def as_int(value: Any) -> int:
    return int(value or 0)


class ReportQueries(Repo):
    """A family of report queries; ReportRepo (db/reports/__init__.py) holds them all."""

    async def _one(self, query: AnySelect) -> tuple[int, ...]:
        row = (await self.s.execute(query)).one()
        return tuple(as_int(value) for value in row)
