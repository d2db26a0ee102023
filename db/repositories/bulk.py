"""Rows of one table inserted in one statement: the till's ledger entries, audit rows and outbox
rows.

Sent as one executemany of a plain `INSERT INTO t (...) VALUES (...)`, which SQLAlchemy
compiles once per table and columns and keeps in its compiled cache: a multi-row VALUES built
with `insert().values([...])` has no cache key, so SQLAlchemy compiled it anew on every call
(about a millisecond of Python per insert, more than running it). The drivers run it as one
call: sqlite3's executemany loops in C; asyncpg's takes one round trip for the batch."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories.base import run_core


@lru_cache(maxsize=64)
def _insert(model: Any) -> Insert:
    return insert(model.__table__)  # Core: an ORM insert would take the rows as objects


async def insert_rows(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, column names of `model`) in one statement."""
    if not rows:
        return
    # One row as a plain execute: SQLAlchemy's executemany path costs more for a single row.
    await run_core(session, _insert(model), rows[0] if len(rows) == 1 else list(rows))
