"""Reads that take no write lock: one statement on its own (no transaction around it), and a
short read-only transaction. Neither waits for the process's turn to write (db/engine.py) nor
records the update (db/once.py).

On PostgreSQL the single statement runs in autocommit, so no BEGIN and COMMIT go to the
server; on SQLite no BEGIN is issued and the driver runs it in autocommit mode. Either way one
statement reads one consistent snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine, Executable, Row, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from db.engine import READ_ONLY, SINGLE_STATEMENT

SEEN = "loyalty_seen"  # session.info: what a read saw, until the session begins a transaction


def remember(session: AsyncSession, key: Any, value: Any) -> None:
    """Keep what a read of this session saw, for this session's later use cases: good until
    the session begins a transaction (that may write it)."""
    session.info.setdefault(SEEN, {})[key] = value


def recall(session: AsyncSession, key: Any) -> Any:
    """What `remember` kept under `key`, if no transaction of the session began since."""
    return session.info.get(SEEN, {}).get(key)


@event.listens_for(Session, "after_begin")
def _forget(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    # Any transaction may write what was seen (the reads below are not the session's own).
    session.info.pop(SEEN, None)


def _postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _first(
    sync: Session, statement: Executable, params: dict[str, Any] | None, options: dict[str, Any]
) -> Row[Any] | None:
    bind = sync.get_bind()
    if not isinstance(bind, Engine):  # a session on a connection: in the session's way
        with sync.begin():  # the sync session's: no turn, no record (db/engine.py, db/once.py)
            return sync.connection(execution_options=options).execute(statement, params).first()
    # The engine's own connection: the session would hand out the same one from the pool, after
    # more steps than the read takes. The begin event sees the options (db/engine.py).
    with bind.connect() as connection:
        connection.execution_options(**options)
        with connection.begin():
            return connection.execute(statement, params).first()


async def single_read(
    session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None
) -> Row[Any] | None:
    """The first row of one statement that only reads, outside any transaction."""
    options: dict[str, Any] = (
        {"isolation_level": "AUTOCOMMIT"} if _postgres(session) else {SINGLE_STATEMENT: True}
    )
    # In one call into SQLAlchemy's greenlet: begin, connect, execute and commit one by one
    # through the asyncio layer cost more than the statement.
    return await session.run_sync(_first, statement, params, options)


async def read_first(
    session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None
) -> Row[Any] | None:
    """The first row of one statement in a short read-only transaction of its own (as
    `read_only` below), run in one call."""
    return await session.run_sync(_first, statement, params, {READ_ONLY: True})


@asynccontextmanager
async def read_only(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A short transaction that only reads: no write lock on SQLite (a deferred BEGIN in WAL
    reads a snapshot), no turn to wait for; PostgreSQL's default isolation."""
    async with AsyncSession.begin(session):
        await session.connection(execution_options={READ_ONLY: True})
        yield session
