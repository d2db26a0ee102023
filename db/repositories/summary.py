"""The report summaries (db/models/summary.py) kept exact in the transaction of each event: one
statement for the member's row at a sale or a refund; the hour's flows are noted and written at
the commit (db/repositories/flows.py), ledger entries' too (LedgerRepo notes them).

An erasure keeps the member's purchases in the merchant's accounts, so it changes no summary
but the hour's ledger flows (the forfeited points), which its ledger entry notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from db.models import SALE, STARS, Membership, MemberSummary, Purchase, PurchaseStatus
from db.repositories.base import Repo, run_core
from db.repositories.flows import note_flow
from db.repositories.upsert import dialect_of, upsert, upsert_in

COLUMNS = (
    "merchant_id",
    "membership_id",
    "purchases",
    "revenue_minor",
    "first_at",
    "second_at",
    "last_at",
)


def counted(purchase: Any = Purchase) -> ColumnElement[bool]:
    """A purchase counts when it is confirmed and not wholly refunded."""
    return and_(
        purchase.status == PurchaseStatus.CONFIRMED,
        purchase.refunded_minor < purchase.amount_minor,
    )


def net_revenue(purchase: Any = Purchase) -> ColumnElement[int]:
    return purchase.amount_minor - purchase.refunded_minor  # type: ignore[no-any-return]


def recount(*where: ColumnElement[bool]) -> Any:
    """The member summaries of the memberships matching `where`, counted from their purchases
    (COLUMNS, in order): a row for each, with 0 and no dates for one without a purchase."""
    bought = aliased(Purchase)
    second = (
        select(bought.confirmed_at)
        .where(
            bought.merchant_id == Membership.merchant_id,
            bought.membership_id == Membership.id,
            counted(bought),
        )
        .order_by(bought.confirmed_at)
        .limit(1)
        .offset(1)
        .correlate(Membership)
        .scalar_subquery()
    )
    return (
        select(
            Membership.merchant_id,
            Membership.id,
            func.count(Purchase.id),
            func.coalesce(func.sum(net_revenue()), 0),
            func.min(Purchase.confirmed_at),
            second,
            func.max(Purchase.confirmed_at),
        )
        .select_from(Membership)
        .outerjoin(
            Purchase,
            and_(
                Purchase.merchant_id == Membership.merchant_id,
                Purchase.membership_id == Membership.id,
                counted(),
            ),
        )
        .where(*where)
        .group_by(Membership.merchant_id, Membership.id)
    )


@lru_cache(maxsize=4)
def _on_purchase(dialect: str) -> Any:
    """The member's row at a purchase: one more purchase of `amount` at `at`, built once per
    dialect (built on every call it cost more Python than the statement takes to run)."""
    at = bindparam("at", type_=MemberSummary.first_at.type)
    insert = upsert_in(dialect, MemberSummary.__table__).values(  # Core: see bulk.py
        merchant_id=bindparam("merchant_id"),
        membership_id=bindparam("membership_id"),
        purchases=1,
        revenue_minor=bindparam("amount"),
        first_at=at,
        second_at=None,
        last_at=at,
    )
    row, new = MemberSummary.__table__.c, insert.excluded
    none_yet = row.first_at.is_(None)  # a row whose purchases were all refunded
    return insert.on_conflict_do_update(
        index_elements=["merchant_id", "membership_id"],
        set_={
            "purchases": row.purchases + 1,
            "revenue_minor": row.revenue_minor + new.revenue_minor,
            "first_at": case(
                (or_(none_yet, new.first_at < row.first_at), new.first_at),
                else_=row.first_at,
            ),
            "second_at": case(
                (none_yet, None),
                (new.first_at < row.first_at, row.first_at),
                (or_(row.second_at.is_(None), new.first_at < row.second_at), new.first_at),
                else_=row.second_at,
            ),
            "last_at": case(
                (or_(none_yet, new.last_at > row.last_at), new.last_at),
                else_=row.last_at,
            ),
        },
    )


class SummaryRepo(Repo):
    async def on_purchase(
        self, merchant_id: int, membership_id: int, amount_minor: int, at: datetime
    ) -> None:
        """A purchase of `amount_minor` confirmed at `at`: the member's row in one statement
        (the hour's sales are written with the commit)."""
        await run_core(
            self.s,
            _on_purchase(dialect_of(self.s)),
            {
                "merchant_id": merchant_id,
                "membership_id": membership_id,
                "amount": amount_minor,
                "at": at,
            },
        )
        note_flow(self.s, membership_id, at, SALE, 1, amount_minor)

    async def on_refund(self, purchase: Purchase, amount_minor: int) -> None:
        """`amount_minor` of `purchase` refunded (its refunded amount already includes it):
        the member's row counted again from their purchases in one statement, since a whole
        refund can take away their first, second or last purchase."""
        await self.s.flush()  # the recount reads the purchase as refunded
        await self._recount([purchase.membership_id])
        at, gone = purchase.confirmed_at, purchase.refunded_minor >= purchase.amount_minor
        assert at is not None
        note_flow(self.s, purchase.membership_id, at, SALE, -gone, -amount_minor)

    async def on_rating(self, membership_id: int, stars: int, at: datetime) -> None:
        """A purchase rated at `at`: the hour's ratings are written with the commit."""
        note_flow(self.s, membership_id, at, f"{STARS}{stars}", 1, 0)

    async def _recount(self, membership_ids: Sequence[int]) -> None:
        insert = upsert(self.s, MemberSummary).from_select(
            COLUMNS, recount(Membership.id.in_(membership_ids))
        )
        await self.s.execute(
            insert.on_conflict_do_update(
                index_elements=["merchant_id", "membership_id"],
                set_={name: insert.excluded[name] for name in COLUMNS[2:]},
            )
        )
