"""Leases: which process runs a singleton (the sender, the scheduler) until when.

Times are the database's own clock, read in the statement that takes the lease: processes on
machines whose clocks disagree still agree on who holds it and when it ran out (on SQLite they
share one machine anyway). A lease is taken or renewed by one conditional UPDATE; the row is
inserted once, the first time a lease of that name is ever taken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.base import UtcDateTime
from db.models import Lease
from db.repositories.base import Repo


class db_time(FunctionElement[datetime]):
    """The database's clock now, plus a number of seconds (a bound parameter)."""

    type = UtcDateTime()
    name = "db_time"
    inherit_cache = True


@compiles(db_time, "sqlite")
def _db_time_sqlite(element: db_time, compiler: SQLCompiler, **kw: Any) -> str:
    # The text UtcDateTime stores on SQLite (microseconds, six digits), so comparisons with
    # stored times are comparisons of equal-shaped strings. %f gives SS.SSS.
    seconds = compiler.process(element.clauses, **kw)
    return f"strftime('%Y-%m-%d %H:%M:%f000', 'now', {seconds} || ' seconds')"


@compiles(db_time, "postgresql")
def _db_time_postgresql(element: db_time, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"(clock_timestamp() + make_interval(secs => {seconds}))"


def _seconds(value: float) -> Any:
    return bindparam(None, float(value), unique=True)


def holds(name: str, holder: Any) -> ColumnElement[bool]:
    """Whether `holder` holds the lease `name` right now: a fence other statements can carry
    (the sender's claim takes rows only while its lease is its own)."""
    return exists(
        select(Lease.name).where(
            Lease.name == name, Lease.holder == holder, Lease.expires_at > db_time(_seconds(0))
        )
    )


class LeaseRepo(Repo):
    async def take(self, name: str, holder: str, seconds: float) -> bool:
        """Hold `name` for `seconds` more if it is ours, has run out, or was released."""
        now = db_time(_seconds(0))
        taken = await self._changed(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, expires_at=db_time(_seconds(seconds)))
        )
        if taken:
            return True
        if await self.s.scalar(select(Lease.name).where(Lease.name == name)) is not None:
            return False
        # Never taken before. Two processes may insert at once: one fails (IntegrityError),
        # and its caller counts that as not taken.
        await self.s.execute(
            insert(Lease).values(name=name, holder=holder, expires_at=db_time(_seconds(seconds)))
        )
        return True

    async def release(self, name: str, holder: str) -> bool:
        """Let `name` go now, if it is still ours: a standby takes it at its next try."""
        released = await self._changed(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(expires_at=db_time(_seconds(0)))
        )
        return released > 0

    async def holder(self, name: str) -> tuple[str, bool] | None:
        """Who holds `name`, and whether the lease is still running (tests, /healthz)."""
        row = (
            await self.s.execute(
                select(Lease.holder, Lease.expires_at > db_time(_seconds(0))).where(
                    Lease.name == name
                )
            )
        ).first()
        return None if row is None else (str(row[0]), bool(row[1]))
