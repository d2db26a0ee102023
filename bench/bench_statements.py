"""How a statement reaches SQLite: what one statement and one purchase-shaped transaction cost.

    python -m bench.bench_statements [--statements N] [--transactions T]

Same process, same temporary file (WAL, synchronous=NORMAL), a 1000-row table:
- per statement, a primary-key SELECT: stdlib sqlite3; aiosqlite alone; SQLAlchemy Core on
  aiosqlite's thread; Core on db/sqlite/ on the event loop (db.engine.create_engine); the
  same with no greenlet, as run_core runs a statement of a transaction on the loop
  (db/sqlite/adapter.py); the same off the loop (OFF_LOOP: every call in a thread); sync Core
  on pysqlite (no asyncio);
- per transaction: BEGIN IMMEDIATE, 10 SELECTs, 6 UPDATEs, 4 INSERTs, COMMIT (about what a
  set-based purchase runs) on aiosqlite, on the loop, and as one call into a database thread
  that runs the whole transaction with sync Core (the alternative: a dedicated thread);
- the same transactions 16 at a time, each waiting its turn on one asyncio.Lock as
  db.engine.SerializedSession does, while a ticker task counts how often the loop got round
  to it (how free the loop stayed).
Figures are µs per statement or per transaction, best of 3; ratios hold within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bench.common import start
from db.engine import OFF_LOOP
from db.engine import create_engine as create_loyalty_engine
from db.sqlite.adapter import runs_direct

ROWS = 1000
meta = MetaData()
item = Table(
    "item",
    meta,
    Column("id", Integer, primary_key=True),
    Column("a", Integer),
    Column("b", String),
)
by_id = select(item.c.a, item.c.b).where(item.c.id == bindparam("id"))
bump = item.update().where(item.c.id == bindparam("key")).values(a=item.c.a + 1)
add = item.insert()


def prepare(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, a INTEGER, b VARCHAR)")
        rows = ((i, i, "x" * 40) for i in range(ROWS))
        db.executemany("INSERT INTO item VALUES (?, ?, ?)", rows)


def best_us(seconds: Sequence[float], per: int) -> float:
    return min(seconds) / per * 1e6


async def timed(fn: Callable[[], Awaitable[None]], per: int) -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        await fn()
        runs.append(time.perf_counter() - t0)
    return best_us(runs, per)


def stdlib(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for i in range(n):
            db.execute("SELECT a, b FROM item WHERE id = ?", (i % ROWS,)).fetchall()
        runs.append(time.perf_counter() - t0)
    db.close()
    return best_us(runs, n)


async def raw_aiosqlite(path: Path, n: int) -> float:
    async with aiosqlite.connect(path) as db:

        async def run() -> None:
            for i in range(n):
                async with db.execute("SELECT a, b FROM item WHERE id = ?", (i % ROWS,)) as cur:
                    await cur.fetchall()

        return await timed(run, n)


async def core(engine: AsyncEngine, n: int, **options: Any) -> float:
    async with engine.connect() as conn:
        await (await conn.execution_options(**options)).begin()

        async def run() -> None:
            for i in range(n):
                (await conn.execute(by_id, {"id": i % ROWS})).all()

        return await timed(run, n)


async def core_direct(engine: AsyncEngine, n: int) -> float:
    """As run_core runs a statement of a transaction on the loop: no greenlet at all."""
    async with engine.connect() as conn:
        await conn.begin()
        sync = conn.sync_connection
        assert sync is not None and runs_direct(sync)

        async def run() -> None:
            for i in range(n):
                sync.execute(by_id, {"id": i % ROWS}).all()

        return await timed(run, n)


def sync_core(path: Path, n: int) -> float:
    engine = create_engine(f"sqlite:///{path}", isolation_level=None)
    with engine.connect() as conn:
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(n):
                conn.execute(by_id, {"id": i % ROWS}).all()
            runs.append(time.perf_counter() - t0)
    engine.dispose()
    return best_us(runs, n)


def purchase_sync(conn: Connection, k: int) -> None:
    """One purchase-shaped transaction with sync Core (the caller has begun it)."""
    for j in range(10):
        conn.execute(by_id, {"id": (k * 7 + j) % ROWS}).all()
    for j in range(6):
        conn.execute(bump, {"key": (k * 3 + j) % ROWS})
    for _ in range(4):
        conn.execute(add, {"a": k, "b": "y" * 40})


async def purchase_async(conn: AsyncConnection, k: int) -> None:
    for j in range(10):
        (await conn.execute(by_id, {"id": (k * 7 + j) % ROWS})).all()
    for j in range(6):
        await conn.execute(bump, {"key": (k * 3 + j) % ROWS})
    for _ in range(4):
        await conn.execute(add, {"a": k, "b": "y" * 40})


class Ticker:
    """Counts how often the event loop runs a task that only yields."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self.task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()


async def transactions(
    one: Callable[[int], Awaitable[None]], t: int, concurrency: int
) -> tuple[float, int]:
    """µs per transaction (best of 3) and the ticker's count in the best run, `concurrency`
    transactions at a time taking turns on one lock."""
    lock = asyncio.Lock()

    async def turn(k: int) -> None:
        async with lock:
            await one(k)

    best: tuple[float, int] = (float("inf"), 0)
    for _ in range(3):
        with Ticker() as ticker:
            t0 = time.perf_counter()
            for first in range(0, t, concurrency):
                await asyncio.gather(*(turn(k) for k in range(first, min(t, first + concurrency))))
            took = (time.perf_counter() - t0) / t * 1e6
        best = min(best, (took, ticker.ticks))
    return best


async def main_async(args: argparse.Namespace) -> None:
    n, t = args.statements, args.transactions
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        prepare(path)
        url = f"sqlite+aiosqlite:///{path}"
        on_aiosqlite = create_async_engine(url)
        on_loop = create_loyalty_engine(url)
        sync_engine = create_engine(f"sqlite:///{path}", isolation_level=None)
        # as db/sqlite/'s connections: a commit does not wait for the disk (WAL)
        event.listen(
            sync_engine,
            "connect",
            lambda dbapi, _: dbapi.execute("PRAGMA synchronous=NORMAL").close(),
        )
        print("per statement (primary-key SELECT), µs:")
        for name, us in (
            ("stdlib sqlite3", stdlib(path, n)),
            ("aiosqlite alone", await raw_aiosqlite(path, n)),
            ("Core on aiosqlite's thread", await core(on_aiosqlite, n)),
            ("Core on the loop (db/sqlite/)", await core(on_loop, n)),
            ("the same with no greenlet (run_core)", await core_direct(on_loop, n)),
            ("Core off the loop (OFF_LOOP)", await core(on_loop, n, **{OFF_LOOP: True})),
            ("sync Core on pysqlite", sync_core(path, n)),
        ):
            print(f"  {name:<34} {us:8.1f}")

        async def on(engine: AsyncEngine, k: int) -> None:
            async with engine.begin() as conn:
                await purchase_async(conn, k)

        def whole(k: int) -> None:
            with sync_engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                purchase_sync(conn, k)
                conn.exec_driver_sql("COMMIT")

        ways: list[tuple[str, Callable[[int], Awaitable[None]]]] = [
            ("Core on aiosqlite's thread", lambda k: on(on_aiosqlite, k)),
            ("Core on the loop (db/sqlite/)", lambda k: on(on_loop, k)),
            ("whole transaction in a thread", lambda k: asyncio.to_thread(whole, k)),
        ]
        print("per transaction (BEGIN IMMEDIATE, 10 SELECT, 6 UPDATE, 4 INSERT, COMMIT):")
        print(f"  {'':<34} {'C=1 µs':>8} {'C=16 µs':>8} {'loop ticks/tx at C=16':>22}")
        for name, one in ways:
            alone, _ = await transactions(one, t, 1)
            together, ticks = await transactions(one, t, 16)
            print(f"  {name:<34} {alone:8.0f} {together:8.0f} {ticks / t:22.1f}")
        await on_aiosqlite.dispose()
        await on_loop.dispose()
        sync_engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=5000, help="per way (default 5000)")
    parser.add_argument("--transactions", type=int, default=500, help="per way (default 500)")
    args = parser.parse_args(argv)
    start(f"statements={args.statements} transactions={args.transactions}")
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
