"""SQLAlchemy's aiosqlite adapter, told that most calls of db/sqlite/ need no awaiting.

The adapter awaits every call of the driver (a cursor's creation, execute, close; COMMIT)
through `await_`: a switch out of SQLAlchemy's greenlet and back, an asyncio.Lock and a
coroutine, for a call that on the loop's thread (db/sqlite/connection.py) runs at once anyway.
These classes make execute, close and COMMIT directly, and keep `await_` for what must wait:
a transaction off the loop, a SELECT out of its time on the loop, another process's lock.

Because nothing else in a statement's execution awaits, a statement on a connection that is
in a transaction on the loop can also run with no greenlet at all (`direct_connection`, used
by db/repositories/base.py run_core): the part of a statement's cost that is asyncio's.
Outside a greenlet, what would have to wait runs here instead: a long SELECT to its end on
the loop (as before LOOP_BUDGET_S existed), and another process's lock, which a transaction
that holds BEGIN IMMEDIATE cannot meet, fails as SQLite says.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util.concurrency import await_, in_greenlet

from db.sqlite.connection import LoopConnection, LoopCursor

_DIRECT = "loyalty_direct"  # session.info: the transaction's connection, when direct_connection


class DirectCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _aenter_cursor(self, cursor: Any) -> Any:
        # In a greenlet, the one await a statement makes: SQLAlchemy's AsyncConnection checks
        # that its driver awaited. Without one, LoopCursor.__aenter__ is `return self`.
        return super()._aenter_cursor(cursor) if in_greenlet() else cursor

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        cursor: LoopCursor = self._cursor  # type: ignore[assignment]
        parameters = () if parameters is None else parameters
        try:
            rows = cursor.execute_now(operation, parameters, waits=in_greenlet())
        except (sqlite3.Error, ValueError) as error:  # as the adapter says them
            self._adapt_connection._handle_exception(error)
        if rows is None:  # it has to wait: as the adapter would
            return super().execute(operation, parameters)
        if cursor.description:
            self._rows = collections.deque(rows)
        return cursor

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        cursor: LoopCursor = self._cursor  # type: ignore[assignment]
        try:
            done = cursor.executemany_now(operation, seq_of_parameters)
        except (sqlite3.Error, ValueError) as error:  # as the adapter says them
            self._adapt_connection._handle_exception(error)
        return cursor if done else super().executemany(operation, seq_of_parameters)

    def close(self) -> None:
        self._rows.clear()
        if self._cursor is not None and not self._soft_closed_memoized:
            self._cursor.close_now()  # type: ignore[attr-defined]


class DirectConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = DirectCursor

    def commit(self) -> None:
        connection: LoopConnection = self._connection  # type: ignore[assignment]
        if connection._connection is None:
            return
        try:
            if not connection.commit_now():
                await_(connection.commit())
        except (sqlite3.Error, ValueError) as error:  # as the adapter says them
            self._handle_exception(error)


class DirectDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The module SQLAlchemy's aiosqlite dialect uses, with the classes above."""

    def connect(self, *arg: Any, **kw: Any) -> DirectConnection:
        creator_fn = kw.pop("async_creator_fn")
        return DirectConnection(self, await_(creator_fn(*arg, **kw)))


def runs_direct(connection: Connection) -> bool:
    """Whether a statement on this connection may run without a greenlet: SQLite through
    DirectDbapi, in a transaction on the loop."""
    if not connection.in_transaction() or connection.closed:
        return False
    driver = connection.connection.driver_connection
    return isinstance(driver, LoopConnection) and not driver.off_loop


def direct_connection(session: AsyncSession) -> Connection | None:
    """The connection of the session's transaction if a statement may run on it without a
    greenlet; asking the session for it (`await session.connection()`) is a greenlet too."""
    connection: Connection | None = session.info.get(_DIRECT)
    return connection if connection is not None and runs_direct(connection) else None


@event.listens_for(Session, "after_begin")
def _began(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    if runs_direct(connection):
        session.info[_DIRECT] = connection


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_DIRECT, None)
