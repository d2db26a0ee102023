"""Counting what an update costs the database: statements, and transactions by kind. Counts do
not depend on load, so tests may assert them (time they never assert)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import READ_ONLY, SINGLE_STATEMENT


@dataclass
class SqlCounts:
    statements: list[str] = field(default_factory=list)  # BEGIN and COMMIT not counted
    writes: int = 0  # transactions that may write (the write lock on SQLite)
    reads: int = 0  # read-only transactions (no write lock)
    single: int = 0  # statements run alone, outside any transaction

    @property
    def transactions(self) -> int:
        return self.writes + self.reads


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[SqlCounts]:
    counts = SqlCounts()
    sync = engine.sync_engine

    def on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(SINGLE_STATEMENT) or options.get("isolation_level") == "AUTOCOMMIT":
            counts.single += 1
        elif options.get(READ_ONLY):
            counts.reads += 1
        else:
            counts.writes += 1

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            counts.statements.append(statement)

    event.listen(sync, "begin", on_begin)
    event.listen(sync, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(sync, "begin", on_begin)
        event.remove(sync, "before_cursor_execute", on_statement)
