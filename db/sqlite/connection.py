"""The connection and cursor that SQLAlchemy's aiosqlite dialect drives (see db/sqlite/)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

BUSY_BUDGET_S = 30.0  # how long a statement waits for another connection's lock
LOOP_BUDGET_S = 0.02  # how long a SELECT may hold the event loop before it moves to a thread
_PROGRESS_OPS = 10_000  # SQLite VM steps between two looks at the clock (well under 1 ms)
_FIRST_NAP_S, _LONGEST_NAP_S = 0.001, 0.05
# SQLITE_BUSY_SNAPSHOT is left out: a transaction whose snapshot is stale can't get in by waiting.
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_BUSY_RECOVERY})
_REPEATABLE = ("SELECT", "BEGIN", "COMMIT")  # no effect when SQLITE_BUSY stops them

T = TypeVar("T")


def _code(error: sqlite3.Error) -> int:
    return int(getattr(error, "sqlite_errorcode", 0) or 0)


class _AtOnce:
    """aiosqlite's call queue as the dialect uses it (to set isolation_level): runs the call."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except (sqlite3.Error, ValueError) as error:
            future.set_exception(error)


class LoopConnection:
    """An aiosqlite.Connection, as far as SQLAlchemy's aiosqlite dialect goes, that runs on
    the event loop's thread unless `off_loop` (set for one transaction by db.engine)."""

    def __init__(self, connection: sqlite3.Connection, wrote: Callable[[], None]) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._wrote = wrote  # told after each commit of a transaction that changed rows
        self._tx = _AtOnce()
        self.off_loop = False
        self._deadline = 0.0  # while a SELECT runs on the loop: when it must give way
        self._changes = connection.total_changes  # as the last transaction ended
        connection.set_progress_handler(self._progress, _PROGRESS_OPS)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # what aiosqlite says; the dialect knows it
        return self._connection

    def _progress(self) -> int:
        return 1 if self._deadline and time.perf_counter() > self._deadline else 0

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker thread. If the caller is cancelled meanwhile, SQLite stops the
        statement, and the cancellation waits until the thread has let go of the connection."""
        future = asyncio.get_running_loop().run_in_executor(None, partial(fn, *args))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self._conn.interrupt()
            while not future.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([future])
            if not future.cancelled():
                future.exception()  # "interrupted", as asked: not an error to log
            raise

    async def _run(self, repeatable: bool, off_loop: bool, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) here or in a thread; if `repeatable`, tried again while SQLite is busy."""
        loop = asyncio.get_running_loop()
        give_up, nap = 0.0, _FIRST_NAP_S
        while True:
            try:
                if not off_loop:
                    return fn(*args)
                return await self._in_thread(fn, *args)
            except sqlite3.OperationalError as error:
                if not repeatable or _code(error) not in _BUSY:
                    raise
                give_up = give_up or loop.time() + BUSY_BUDGET_S
                if loop.time() >= give_up:
                    raise
            await asyncio.sleep(nap)
            nap = min(nap * 2, _LONGEST_NAP_S)

    def may_repeat(self, sql: str) -> bool:
        """Whether `sql` can be tried again when SQLite is busy (it had no effect)."""
        return not self._conn.in_transaction or sql.startswith(_REPEATABLE)

    def cursor(self) -> LoopCursor:
        return LoopCursor(self)

    async def commit(self) -> None:
        connection = self._conn
        await self._run(True, False, connection.commit)
        self._committed()

    def commit_now(self) -> bool:
        """COMMIT at once, or False when it has to wait for another connection's lock."""
        try:
            self._conn.commit()
        except sqlite3.OperationalError as error:
            if _code(error) not in _BUSY:
                raise
            return False
        self._committed()
        return True

    def _committed(self) -> None:
        if self._conn.total_changes != self._changes:
            self._wrote()
        self._ended()

    async def rollback(self) -> None:
        self._conn.rollback()
        self._ended()

    def _ended(self) -> None:
        self.off_loop = False
        self._changes = self._conn.total_changes

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await asyncio.to_thread(connection.close)  # the last one to close checkpoints

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate, also outside the event loop)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


class LoopCursor:
    """An aiosqlite.Cursor, as far as the dialect goes. On the loop, a statement's rows are
    fetched with it; off the loop they are fetched as asked (a stream of an export)."""

    def __init__(self, owner: LoopConnection) -> None:
        self._owner = owner
        self._cursor = owner._conn.cursor()
        self._rows: list[Any] | None = None  # fetched on the loop, not yet handed out

    async def __aenter__(self) -> LoopCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> LoopCursor:
        owner = self._owner
        repeatable = owner.may_repeat(sql)
        self._rows = None
        if owner.off_loop:
            await owner._run(repeatable, True, self._cursor.execute, sql, parameters)
        elif not sql.startswith("SELECT"):
            self._rows = await owner._run(repeatable, False, self._all, sql, parameters)
        else:
            try:
                run = self._all_in_time
                self._rows = await owner._run(repeatable, False, run, sql, parameters)
            except sqlite3.OperationalError as error:
                if _code(error) != sqlite3.SQLITE_INTERRUPT:
                    raise
                self._rows = await owner._run(repeatable, True, self._all, sql, parameters)
        return self

    def execute_now(self, sql: str, parameters: Any, *, waits: bool) -> list[Any] | None:
        """Run it at once and return its rows; or None when it has to wait and the caller
        `waits` (a transaction off the loop, a SELECT out of its time, another connection's
        lock). A caller that cannot wait runs a long SELECT to its end here."""
        owner = self._owner
        self._rows = None
        if owner.off_loop:
            return None
        try:
            if sql.startswith("SELECT"):
                return self._all_in_time(sql, parameters)
            return self._all(sql, parameters)
        except sqlite3.OperationalError as error:
            code = _code(error)
            if code == sqlite3.SQLITE_INTERRUPT:
                return None if waits else self._all(sql, parameters)
            if waits and code in _BUSY and owner.may_repeat(sql):
                return None
            raise

    def executemany_now(self, sql: str, parameters: Any) -> bool:
        """Run a statement with many rows of parameters at once, or False off the loop. Never
        repeated when SQLite is busy: it writes, so its transaction holds the lock already."""
        self._rows = None
        if self._owner.off_loop:
            return False
        self._cursor.executemany(sql, parameters)
        return True

    def close_now(self) -> None:
        self._rows = None
        self._cursor.close()

    def _all(self, sql: str, parameters: Any) -> list[Any]:
        cursor = self._cursor
        cursor.execute(sql, parameters)
        return cursor.fetchall() if cursor.description else []

    def _all_in_time(self, sql: str, parameters: Any) -> list[Any]:
        owner = self._owner
        owner._deadline = time.perf_counter() + LOOP_BUDGET_S
        try:
            return self._all(sql, parameters)
        finally:
            owner._deadline = 0.0

    async def executemany(self, sql: str, parameters: Any) -> LoopCursor:
        owner = self._owner
        self._rows = None
        await owner._run(False, owner.off_loop, self._cursor.executemany, sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        if self._rows is None:
            return await self._owner._in_thread(self._cursor.fetchall)
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        if self._rows is None:
            return await self._owner._in_thread(self._cursor.fetchmany, size)
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        self._rows = None
        self._cursor.close()
