"""Engine and session factories, tuned per backend."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)

from db.once import UpdateSession
from db.sqlite import Database
from db.sqlite.adapter import DirectDbapi

READ_ONLY = "loyalty_read_only"  # an execution option: this transaction only reads
SINGLE_STATEMENT = "loyalty_single_statement"  # an execution option: one read, no BEGIN
OFF_LOOP = "loyalty_off_loop"  # an execution option: on SQLite, run it in a thread (it is long)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite: WAL, foreign keys, BEGIN IMMEDIATE transactions, and
    statements run on the event loop's thread (db/sqlite/), through an adapter that awaits
    only what must wait (db/sqlite/adapter.py).

    SQLite allows one writer. A deferred transaction that reads, then writes, fails at once with
    "database is locked" when another writer got there first (no waiting can help it).
    Starting every transaction with BEGIN IMMEDIATE takes the write lock up front, so a
    transaction that meets another process's writer waits for it (asynchronously, for up to
    30 s) instead of failing. Use cases keep transactions short and never hold one across a
    Telegram call.
    """
    # Bound parameters hold names and phones: keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        return create_async_engine(url, echo=echo, pool_pre_ping=True, **kwargs)

    # The aiosqlite dialect drives the connections; aiosqlite's thread is not used.
    args, connect_options = aiosqlite_dialect().create_connect_args(make_url(url))
    database = Database(*args, **connect_options)
    engine = create_async_engine(
        url,
        echo=echo,
        async_creator=database.connect,
        module=DirectDbapi(aiosqlite, sqlite3),
        **kwargs,
    )

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read-only transaction reads a snapshot (WAL) and takes no write lock.
        options = conn.get_execution_options()
        conn.connection.driver_connection.off_loop = bool(options.get(OFF_LOOP))
        if options.get(SINGLE_STATEMENT):
            return  # db/reads.py single_read: the driver's autocommit, no transaction
        conn.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


class _TakingTurns:
    """`async with session.begin()` that first waits its turn on the process's lock."""

    def __init__(self, lock: asyncio.Lock, transaction: AsyncSessionTransaction) -> None:
        self.lock = lock
        self.transaction = transaction

    async def __aenter__(self) -> AsyncSessionTransaction:
        await self.lock.acquire()
        try:
            return await self.transaction.__aenter__()
        except BaseException:
            self.lock.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self.transaction.__aexit__(*exc)
        finally:
            self.lock.release()


class SerializedSession(UpdateSession):
    """SQLite has one writer. Left to SQLite, concurrent transactions of this process would
    wait in its busy handler, which sleeps and polls (up to 100 ms a nap) and so leaves the
    event loop idle. Taking turns on an asyncio lock hands the database over at once, in
    order; only another process's writer (a separate worker) is waited for, in db/sqlite/."""

    write_lock: asyncio.Lock

    def begin(self) -> Any:
        return _TakingTurns(self.write_lock, super().begin())


@asynccontextmanager
async def reading(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A transaction that only reads, for reports that run for seconds: on SQLite it neither
    takes the write lock nor waits for the process's turn, so sales go on meanwhile, and it
    reads one consistent snapshot (WAL on SQLite, REPEATABLE READ on PostgreSQL). On SQLite it
    runs in a thread, so the event loop goes on meanwhile."""
    options: dict[str, Any] = {READ_ONLY: True, OFF_LOOP: True}
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres:
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    async with AsyncSession.begin(session):  # the base class's: no turn to wait for
        connection = await session.connection(execution_options=options)
        if postgres:
            # Reports group a million rows: with the default 4 MB they spill to disk, and
            # their estimated cost sets off JIT compilation, which took longer than the query.
            await connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            await connection.exec_driver_sql("SET LOCAL jit = off")
        yield session


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """One session per update, which records its update when it writes (db/once.py).
    On SQLite, its transactions take turns within the process."""
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(
            engine, class_=UpdateSession, expire_on_commit=False, autoflush=False
        )
    session_class = type("SqliteSession", (SerializedSession,), {"write_lock": asyncio.Lock()})
    return async_sessionmaker(
        engine, class_=session_class, expire_on_commit=False, autoflush=False
    )
