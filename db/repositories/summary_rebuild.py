"""The report summaries counted again from the purchases and the ledger: written over what is
there (`rebuild`), or compared with it (`differences`) without writing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    cast,
    delete,
    except_,
    func,
    literal,
    select,
    text,
    true,
    union_all,
)

from db.models import (
    HOUR,
    SALE,
    STARS,
    HourSummary,
    LedgerEntry,
    Membership,
    MemberSummary,
    Purchase,
)
from db.repositories.base import Repo
from db.repositories.summary import COLUMNS, counted, net_revenue, recount
from db.sql import epoch

HOUR_COLUMNS = ("merchant_id", "hour", "kind", "count", "amount_minor")


@dataclass(frozen=True, slots=True)
class Differences:
    """Rows of each summary that differ from a recount (either side), with a few of them."""

    members: int
    hours: int
    examples: tuple[str, ...]


def _hour(column: Any) -> Any:
    return epoch(column) // HOUR * HOUR  # integer division on both databases


def _member_rows(merchant_id: int | None) -> tuple[Any, Any]:
    """(the recount, the table): members with a purchase that counts. A table row that counts
    none (every purchase refunded) equals no row."""
    scope = [] if merchant_id is None else [Membership.merchant_id == merchant_id]
    counted_again = recount(*scope).having(func.count(Purchase.id) > 0)
    table = MemberSummary.__table__
    kept = select(*(table.c[name] for name in COLUMNS)).where(
        table.c.purchases != 0,
        *([] if merchant_id is None else [table.c.merchant_id == merchant_id]),
    )
    return counted_again, kept


def _hour_rows(merchant_id: int | None) -> tuple[list[Any], Any]:
    """(sales, ratings and ledger flows recounted, the table): a zero row equals no row."""
    sale_scope: list[ColumnElement[bool]] = [counted()]
    member_scope: list[ColumnElement[bool]] = [Membership.id == LedgerEntry.membership_id]
    table = HourSummary.__table__
    kept = select(*(table.c[name] for name in HOUR_COLUMNS)).where(
        (table.c.count != 0) | (table.c.amount_minor != 0)
    )
    if merchant_id is not None:
        sale_scope.append(Purchase.merchant_id == merchant_id)
        member_scope.append(Membership.merchant_id == merchant_id)
        kept = kept.where(table.c.merchant_id == merchant_id)
    sale_hour = _hour(Purchase.confirmed_at)
    sales = (
        select(
            Purchase.merchant_id,
            sale_hour,
            literal(SALE),
            func.count(),
            func.sum(net_revenue()),
        )
        .where(*sale_scope)
        .group_by(Purchase.merchant_id, sale_hour)
    )
    entry_hour = _hour(LedgerEntry.created_at)
    entries = (
        select(
            Membership.merchant_id,
            entry_hour,
            LedgerEntry.reason,
            func.count(),
            func.sum(LedgerEntry.delta_minor),
        )
        .where(*member_scope)
        .group_by(Membership.merchant_id, entry_hour, LedgerEntry.reason)
    )
    rated_hour = _hour(Purchase.rated_at)
    stars = literal(STARS) + cast(Purchase.rating, String)
    ratings = (
        select(Purchase.merchant_id, rated_hour, stars, func.count(), literal(0))
        .where(Purchase.rating.is_not(None), *sale_scope[1:])
        .group_by(Purchase.merchant_id, rated_hour, stars)
    )
    return [sales, ratings, entries], kept


class SummaryRebuild(Repo):
    async def differences(self, merchant_id: int | None = None, shown: int = 10) -> Differences:
        """How far the summaries are from a recount (of one merchant, or all)."""
        counted_again, kept = _member_rows(merchant_id)
        recounts, hours_kept = _hour_rows(merchant_id)
        hours_again = select(union_all(*recounts).subquery())  # SQLite nests no compounds
        found: list[str] = []
        counts = []
        for name, ours, theirs in (
            ("member", kept, counted_again),
            ("hour", hours_kept, hours_again),
        ):
            total = 0
            for side, a, b in (("kept", ours, theirs), ("counted", theirs, ours)):
                rows = except_(a, b).subquery()
                total += int(await self.s.scalar(select(func.count()).select_from(rows)) or 0)
                sample = await self.s.execute(select(rows).limit(shown))
                found += [f"{name} {side} {tuple(row)}" for row in sample]
            counts.append(total)
        return Differences(counts[0], counts[1], tuple(found[:shown]))

    async def rebuild(self, merchant_id: int | None = None) -> tuple[int, int]:
        """Write the summaries again from the purchases and the ledger (of one merchant, or
        all); returns the member and hour rows written. On PostgreSQL the tables are locked
        first: a sale meanwhile waits, then adds itself to the new rows."""
        if self.s.get_bind().dialect.name == "postgresql":
            await self.s.execute(
                text("LOCK TABLE member_summary, hour_summary IN SHARE ROW EXCLUSIVE MODE")
            )
        members, hours = MemberSummary.__table__, HourSummary.__table__
        assert isinstance(members, Table) and isinstance(hours, Table)
        wipe_members, wipe_hours = delete(members), delete(hours)
        if merchant_id is not None:
            wipe_members = wipe_members.where(members.c.merchant_id == merchant_id)
            wipe_hours = wipe_hours.where(hours.c.merchant_id == merchant_id)
        await self.s.execute(wipe_members)
        await self.s.execute(wipe_hours)
        counted_again, _ = _member_rows(merchant_id)
        recounts, _ = _hour_rows(merchant_id)
        written = []
        for table, columns, source in (
            (members, COLUMNS, counted_again),
            *((hours, HOUR_COLUMNS, again) for again in recounts),
        ):
            result = await self.s.execute(
                table.insert().from_select(list(columns), source.where(true()))
            )
            written.append(max(int(getattr(result, "rowcount", 0) or 0), 0))
        return written[0], sum(written[1:])
