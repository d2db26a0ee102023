"""The hour summary's share of a transaction (db/models/summary.py HourSummary): what its sales,
refunds and ledger entries moved is noted as they happen and written in one statement when the
transaction commits.

Why at the commit: the rows are per merchant and hour, so every sale of a merchant in the same
hour writes the same few rows. Written as they happen, in the order each use case posts its
entries, two transactions could take two such rows in opposite orders and deadlock on
PostgreSQL; written at the commit, after every lock the use case takes, in one statement in
key order, they always come last and in one order. A rollback forgets them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, event, func, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from db.models import HOUR, HourSummary, Membership
from db.repositories.upsert import dialect_of, upsert_in

KEY = "hour_summary.pending"
CHUNK = 200  # keys per statement: SQLite allows 500 terms in a UNION ALL


@dataclass
class _Pending:
    transaction: SessionTransaction
    moves: dict[tuple[int, int, str], list[int]] = field(default_factory=dict)


def hour_of(at: datetime) -> int:
    """The start of the UTC hour of `at`, in epoch seconds (as db.sql.epoch // 3600 * 3600)."""
    return int(at.timestamp()) // HOUR * HOUR


def note_flow(
    session: AsyncSession | Session,
    membership_id: int,
    at: datetime,
    kind: str,
    count: int,
    amount: int,
) -> None:
    """`count` more of `kind` (a sale, or a ledger reason) and `amount` more money or points
    for the member's merchant in the hour of `at`, written when the transaction commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    transaction = sync.get_transaction() or sync.begin()
    pending = sync.info.get(KEY)
    if pending is None or pending.transaction is not transaction:
        pending = sync.info[KEY] = _Pending(transaction)
    cell = pending.moves.setdefault((membership_id, hour_of(at), str(kind)), [0, 0])
    cell[0] += count
    cell[1] += amount


def note_entries(session: AsyncSession | Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Ledger entries as inserted (membership_id, created_at, reason, delta_minor)."""
    for row in rows:
        note_flow(
            session, row["membership_id"], row["created_at"], row["reason"], 1, row["delta_minor"]
        )


@lru_cache(maxsize=64)
def _statement(dialect: str, rows: int) -> Any:
    """The upsert of `rows` moves (parameters member_i, hour_i, kind_i, count_i, amount_i),
    built once per dialect and number of rows."""
    parts = [
        select(
            bindparam(f"member_{i}", type_=BigInteger).label("member"),
            bindparam(f"hour_{i}", type_=BigInteger).label("hour"),
            bindparam(f"kind_{i}", type_=String(20)).label("kind"),
            bindparam(f"count_{i}", type_=BigInteger).label("count"),
            bindparam(f"amount_{i}", type_=BigInteger).label("amount"),
        )
        for i in range(rows)
    ]
    moved = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("moved")
    key = (Membership.merchant_id, moved.c.hour, moved.c.kind)
    source = (
        select(*key, func.sum(moved.c.count), func.sum(moved.c.amount))
        .join_from(moved, Membership, Membership.id == moved.c.member)
        .where(true())  # SQLite: so ON CONFLICT is not read as the join's ON
        .group_by(*key)
        .order_by(*key)  # every transaction takes the rows in one order
    )
    table = HourSummary.__table__
    insert = upsert_in(dialect, table).from_select(
        ["merchant_id", "hour", "kind", "count", "amount_minor"], source
    )
    return insert.on_conflict_do_update(
        index_elements=["merchant_id", "hour", "kind"],
        set_={
            "count": table.c.count + insert.excluded.count,
            "amount_minor": table.c.amount_minor + insert.excluded.amount_minor,
        },
    )


def _parameters(moves: list[tuple[tuple[int, int, str], list[int]]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, ((member, hour, kind), (count, amount)) in enumerate(moves):
        values |= {
            f"member_{i}": member,
            f"hour_{i}": hour,
            f"kind_{i}": kind,
            f"count_{i}": count,
            f"amount_{i}": amount,
        }
    return values


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(KEY, None)
    if pending is None or pending.transaction is not session.get_transaction():
        return
    moves = sorted((k, v) for k, v in pending.moves.items() if v != [0, 0])
    dialect, connection = dialect_of(session), session.connection()
    for start in range(0, len(moves), CHUNK):
        chunk = moves[start : start + CHUNK]
        connection.execute(_statement(dialect, len(chunk)), _parameters(chunk))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(KEY, None)
