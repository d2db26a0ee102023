"""What every repository shares: the caller's session, conditional bulk updates that say how
many rows they changed, and rows read under a lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Delete, Executable, Result, Select, Update
from sqlalchemy.engine import ScalarResult
from sqlalchemy.ext.asyncio import AsyncSession

from db.execute import on_connection
from db.once import note_write

Row = TypeVar("Row")


async def run_core(
    session: AsyncSession, statement: Executable, params: Any = None
) -> Result[Any]:
    """Run a statement built once (Core, or ORM columns read as plain rows) on the session's
    connection, past the ORM's per-execution work: about half of what a statement costs
    through `session.execute` (docs/benchmarks.md, purchases round 3). What the ORM would do
    first is done here: pending objects are flushed (autoflush), and a write is noted for
    db/once.py. Nothing is loaded as objects, and objects the session holds are not brought
    up to date: a statement that changes their rows does that itself (MembershipRepo.settle)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    if getattr(statement, "is_dml", False):
        note_write(session)
    return await on_connection(session, statement, params)


class Repo:
    """Queries over the caller's session. A repository flushes when it must read back ids or
    lock fresh rows, and never commits: the use case does, once."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _all(self, query: Select[Row]) -> Sequence[Row]:
        """Every row of a one-column (or one-entity) query."""
        return (await self.s.scalars(query)).all()

    async def _int(self, query: Select[Any]) -> int:
        """The first column of the first row as an int; 0 for no row or NULL (an empty sum)."""
        return int(await self.s.scalar(query) or 0)

    async def _changed(self, statement: Update | Delete) -> int:
        """Run a bulk UPDATE (or DELETE) that leaves loaded objects as they are; the rows it
        changed. With the expected state in its WHERE, 0 means someone moved the row first."""
        result = await self.s.execute(statement.execution_options(synchronize_session=False))
        return int(cast("CursorResult[Any]", result).rowcount)

    async def _locked(self, query: Select[Row]) -> ScalarResult[Row]:
        """The rows of `query` read for update (a row lock on PostgreSQL; SQLite's write lock
        is held already). `populate_existing` refreshes objects already loaded with the locked
        rows, so counters incremented in Python start from the committed value; pending
        changes are flushed first, or the refresh would silently undo them."""
        await self.s.flush()
        return await self.s.scalars(
            query.with_for_update().execution_options(populate_existing=True)
        )
