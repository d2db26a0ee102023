"""How transactions reach SQLite (db/engine.py, db/sqlite/): short ones run on the event
loop's thread, reports and slow reads in a worker thread, and another process's write lock
is waited for without holding up the loop. SQLite only: PostgreSQL keeps asyncpg."""

from __future__ import annotations

import asyncio
import sqlite3 as sq
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Insert, event, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import in_greenlet

from db.base import Base
from db.engine import create_engine, create_session_factory, reading
from db.models import Customer
from db.repositories.base import run_core
from db.sqlite import connection as sqlite
from db.sqlite import database

# A statement that makes SQLite work for a while: a scalar subquery that counts to N.
COUNT_TO = (
    "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
    "SELECT count(*) FROM c)"
)


@pytest.fixture
async def two(tmp_path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one file, as the bot and a separate worker process have."""
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.sqlite3"
    bot, worker = create_engine(url), create_engine(url)
    for engine in (bot, worker):
        # where a statement runs: the name of the thread that called into SQLite
        event.listen(engine.sync_engine, "connect", _with_thread_name)
    async with bot.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield bot, worker
    await bot.dispose()
    await worker.dispose()


def _with_thread_name(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("thread_name", 0, lambda: threading.current_thread().name)


class Ticker:
    """Counts how often the event loop gets round to a task that only yields."""

    def __init__(self) -> None:
        self.ticks, self._target, self._reached = 0, 0, asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.ticks += 1
            if self.ticks == self._target:
                self._reached.set()

    async def wait(self, ticks: int) -> None:
        self._target = self.ticks + ticks
        self._reached.clear()
        await self._reached.wait()

    def stop(self) -> None:
        self._task.cancel()


def new_customer(telegram_id: int) -> Insert:
    return insert(Customer).values(telegram_id=telegram_id, created_at=datetime.now(UTC))


async def customer(engine: AsyncEngine, telegram_id: int) -> None:
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(new_customer(telegram_id))


async def customers(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(Customer.telegram_id).order_by(Customer.id)))


async def test_a_writer_waits_for_another_process_without_holding_up_the_loop(two) -> None:
    bot, worker = two
    begun: list[str] = []
    event.listen(bot.sync_engine, "before_cursor_execute", lambda *a: begun.append(a[2]))
    async with worker.begin() as held:  # the worker's transaction holds SQLite's write lock
        await held.execute(new_customer(1))
        sale = asyncio.create_task(customer(bot, 2))
        ticker = Ticker()
        await ticker.wait(200)  # the loop went round 200 times meanwhile
        assert begun == ["BEGIN IMMEDIATE"] and not sale.done()
    await sale  # the worker committed: the bot's transaction got in
    ticker.stop()
    assert await customers(bot) == [1, 2]


async def test_a_writer_gives_up_as_a_busy_timeout_would(two, monkeypatch) -> None:
    bot, worker = two
    monkeypatch.setattr(sqlite, "BUSY_BUDGET_S", 0.05)
    async with worker.begin() as held:
        await held.execute(new_customer(1))
        with pytest.raises(OperationalError, match="database is locked"):
            await customer(bot, 2)
    await customer(bot, 3)  # the same engine gets in once the lock is free
    assert await customers(worker) == [1, 3]


async def test_short_transactions_run_on_the_loop_and_reports_in_a_thread(two) -> None:
    bot, _ = two
    here = threading.current_thread().name
    await customer(bot, 1)
    factory = create_session_factory(bot)
    async with factory() as session, session.begin():
        assert await session.scalar(select(func.thread_name())) == here
    async with factory() as session, reading(session):
        assert await session.scalar(select(func.thread_name())) != here
        # a report streams its rows from the thread (an export)
        result = await session.stream(select(Customer.telegram_id).execution_options(yield_per=1))
        assert [row async for row in result.scalars()] == [1]
    async with factory() as session, session.begin():  # the connection is back on the loop
        assert await session.scalar(select(func.thread_name())) == here


async def test_a_slow_select_leaves_the_loop_and_its_transaction_goes_on(two, monkeypatch) -> None:
    bot, _ = two
    here = threading.current_thread().name
    monkeypatch.setattr(sqlite, "LOOP_BUDGET_S", 0.0)  # any SELECT of some length is slow
    factory = create_session_factory(bot)
    async with factory() as session, session.begin():
        await session.execute(new_customer(1))
        slow = text(f"SELECT thread_name(), {COUNT_TO.format(n=100_000)}")
        thread, counted = (await session.execute(slow)).one()
        assert counted == 100_000 and thread != here
        fast = await session.scalar(select(func.thread_name()))
        await session.execute(new_customer(2))
    assert fast == here
    assert await customers(bot) == [1, 2]  # the interrupted SELECTs undid nothing


async def test_a_cancelled_report_stops_its_statement(two) -> None:
    bot, _ = two
    await customer(bot, 1)
    factory = create_session_factory(bot)
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    def running() -> int:
        loop.call_soon_threadsafe(started.set)
        return 1

    async def report() -> None:
        async with factory() as session, reading(session):
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, sqlite.LoopConnection)
            await raw.driver_connection.create_function("running", 0, running)
            endless = text(f"SELECT running() + {COUNT_TO.format(n=10**12)}")
            await session.execute(endless)

    task = asyncio.create_task(report())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)  # a guard against a hang, not a measure
    await customer(bot, 2)  # the pool's connections still work
    assert await customers(bot) == [1, 2]


async def test_checkpoints_copy_the_wal_into_the_file_from_a_thread(tmp_path, monkeypatch) -> None:
    """Commits on the loop only append to the WAL; every CHECKPOINT_EVERY commits that wrote,
    a worker thread copies it into the database file."""
    monkeypatch.setattr(database, "CHECKPOINT_EVERY", 2)
    db = database.Database(str(tmp_path / "wal.sqlite3"))
    connection = await db.connect()

    async def write(sql: str) -> None:  # as SQLAlchemy's dialect does it
        for statement in ("BEGIN IMMEDIATE", sql):
            await connection.cursor().execute(statement)
        await connection.commit()

    def in_the_file_alone() -> list[str]:  # what a copy of the file holds, without its WAL
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes((tmp_path / "wal.sqlite3").read_bytes())
        with closing(sq.connect(copy)) as plain:
            return [name for (name,) in plain.execute("SELECT name FROM sqlite_master")]

    await write("CREATE TABLE note (text TEXT)")
    await write("INSERT INTO note VALUES ('first')")  # a commit that wrote: not yet the 2nd
    assert in_the_file_alone() == []
    await write("INSERT INTO note VALUES ('second')")
    assert db._checkpoint is not None  # started, in a thread
    await db._checkpoint
    assert in_the_file_alone() == ["note"]
    await connection.close()


def _in_greenlet(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("in_greenlet", 0, lambda: int(in_greenlet()))


async def test_a_statement_of_a_transaction_on_the_loop_runs_without_a_greenlet(two) -> None:
    """run_core's statements in a transaction on the loop go straight to SQLite
    (db/sqlite/adapter.py); elsewhere they go through SQLAlchemy's greenlet as before."""
    bot, _ = two
    event.listen(bot.sync_engine, "connect", _in_greenlet)
    await bot.dispose()  # connections made from now on have in_greenlet()
    factory = create_session_factory(bot)
    probe = select(func.in_greenlet(), func.thread_name())
    here = threading.current_thread().name
    async with factory() as session, session.begin():
        await session.execute(new_customer(1))
        assert (await run_core(session, probe)).one() == (0, here)
        await run_core(session, new_customer(2))
        assert (await session.execute(probe)).one() == (1, here)  # the ORM's way
    async with factory() as session, reading(session):  # a report: through the greenlet
        thread = (await run_core(session, select(func.thread_name()))).scalar()
        assert thread != here  # in a thread
    assert await customers(bot) == [1, 2]


async def test_a_slow_select_without_a_greenlet_runs_to_its_end(two, monkeypatch) -> None:
    """With no greenlet to wait in, a SELECT out of its time on the loop is not interrupted
    and moved to a thread: it runs to its end where it is, and the transaction goes on."""
    bot, _ = two
    monkeypatch.setattr(sqlite, "LOOP_BUDGET_S", 0.0)
    here = threading.current_thread().name
    factory = create_session_factory(bot)
    async with factory() as session, session.begin():
        await session.execute(new_customer(1))
        slow = text(f"SELECT thread_name(), {COUNT_TO.format(n=100_000)}")
        assert (await run_core(session, slow)).one() == (here, 100_000)
        await run_core(session, new_customer(2))
    assert await customers(bot) == [1, 2]
