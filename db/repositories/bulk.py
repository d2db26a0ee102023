"""Rows of one table inserted in one statement (a multi-row VALUES), its SQL built once per
table, columns and number of rows: the till's ledger entries, audit rows and outbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession


@lru_cache(maxsize=256)
def _insert(model: Any, columns: tuple[str, ...], count: int) -> Insert:
    table = model.__table__  # Core: an ORM insert would take the parameters for its rows
    return insert(table).values(
        [{c: bindparam(f"{c}_{i}", type_=table.c[c].type) for c in columns} for i in range(count)]
    )


async def insert_rows(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, column names of `model`) in one statement."""
    if not rows:
        return
    columns = tuple(rows[0])
    params = {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in columns}
    await session.execute(_insert(model, columns, len(rows)), params)
