"""The bulk table writer: rows as plain dicts with explicit ids (after each table's current
maximum), written with Core executemany inserts, a transaction per chunk of about FLUSH_ROWS
rows, so memory stays bounded.

On PostgreSQL, where the server's work (indexes, foreign key checks) dominates, chunks are
written on two connections while the next one is simulated (see TableWriter._submit); on
SQLite, at once. Not meant to run beside a live bot on the same database: the ids it takes are
not reserved until a chunk commits.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Update

from db import models
from db.base import Base

FLUSH_ROWS = 40_000  # rows of all tables written per transaction
UPDATE_ROWS = 20_000  # rows per executemany UPDATE transaction

Row = dict[str, Any]
Chunk = dict[Table, list[Row]]


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


# Tables in the order a chunk writes them: what a row refers to is written first.
CUSTOMER = table_of(models.Customer)
MEMBERSHIP = table_of(models.Membership)
PURCHASE = table_of(models.Purchase)
PREORDER = table_of(models.Preorder)
LEDGER = table_of(models.LedgerEntry)
REFUND = table_of(models.Refund)
CAMPAIGN = table_of(models.Campaign)
OUTBOX = table_of(models.Outbox)
NPS = table_of(models.NpsAnswer)
CHUNK_TABLES: tuple[Table, ...] = (PURCHASE, PREORDER, LEDGER, REFUND, CAMPAIGN, OUTBOX, NPS)
ID_TABLES: tuple[Table, ...] = (CUSTOMER, MEMBERSHIP, *CHUNK_TABLES)
_SECOND_LANE = frozenset((LEDGER, REFUND, OUTBOX, NPS))  # written after the purchases


class TableWriter:
    """Hands out ids, keeps the rows made since the last flush, and writes them."""

    def __init__(self, conn: AsyncConnection, second_conn: AsyncConnection | None) -> None:
        self.conn = conn  # the writer's connection, one chunk at a time
        # SQLite works in this process and its driver holds the GIL to bind each row: a write
        # that overlaps the simulation there only slows both down, so it has one connection.
        self.second_conn = second_conn
        self.buffers: Chunk = {t: [] for t in CHUNK_TABLES}
        self.next_id: dict[Table, int] = {}
        self.first_id: dict[Table, int] = {}
        self.inserts = {t: insert(t) for t in ID_TABLES}
        self.writer: asyncio.Task[None] | None = None
        self.follower: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """The next free id of every table."""
        for table in ID_TABLES:
            last = await self.conn.scalar(select(func.max(table.c.id)))
            self.next_id[table] = int(last or 0) + 1
        self.first_id = dict(self.next_id)

    def reserve(self, table: Table) -> int:
        """The table's next id, for a row other rows refer to before it is made (put)."""
        row_id = self.next_id[table]
        self.next_id[table] = row_id + 1
        return row_id

    def put(self, table: Table, row: Row) -> None:
        """Buffer a row that has its id (reserve)."""
        self.buffers[table].append(row)

    def add(self, table: Table, row: Row) -> int:
        """Buffer a row under the table's next id; returns the id."""
        row_id = row["id"] = self.next_id[table]
        self.next_id[table] = row_id + 1
        self.buffers[table].append(row)
        return row_id

    def added(self, table: Table) -> int:
        """Rows this run made in `table`."""
        return self.next_id[table] - self.first_id[table]

    async def pause(self) -> None:
        """Let the writes under way on PostgreSQL move on while the simulation runs."""
        if self.second_conn is not None:
            await asyncio.sleep(0)

    async def write_now(self, chunk: Chunk) -> None:
        """Rows that carry their own ids (members), written as the next chunk."""
        for table, rows in chunk.items():
            if rows:
                self.next_id[table] = rows[-1]["id"] + 1
        await self._submit(chunk)

    async def flush_if_full(self) -> None:
        """Write the rows made since the last flush once they are FLUSH_ROWS or more."""
        if sum(map(len, self.buffers.values())) >= FLUSH_ROWS:
            await self.flush()

    async def flush(self) -> None:
        """Write the rows made since the last flush."""
        if any(self.buffers.values()):
            buffers, self.buffers = self.buffers, {t: [] for t in CHUNK_TABLES}
            await self._submit(buffers)

    async def _submit(self, chunk: Chunk) -> None:
        """Write a chunk, each part in a transaction of its own, in order: a chunk's rows may
        refer to the previous one's, and its ledger entries to its purchases.

        On SQLite, at once. On PostgreSQL the chunk goes in two lanes on two connections: its
        purchases (and pre-orders, campaigns) on the first, then, once they are committed, the
        rows that refer to them on the second, while the first lane takes the next chunk's
        purchases and this process simulates the chunk after it."""
        last_ids = {table: self.next_id[table] - 1 for table in chunk}
        if self.second_conn is None:
            await self._write(self.conn, chunk, last_ids)
            return
        first = {t: rows for t, rows in chunk.items() if t not in _SECOND_LANE}
        second = {t: rows for t, rows in chunk.items() if t in _SECOND_LANE}
        if self.writer is not None:
            await self.writer  # the first lane is free again; its error, if any, is raised
        self.writer = asyncio.create_task(
            self._write(self.conn, first, {t: last_ids[t] for t in first})
        )
        if any(second.values()):
            self.follower = asyncio.create_task(
                self._follow(self.writer, self.follower, second, {t: last_ids[t] for t in second})
            )
        await asyncio.sleep(0)  # let it start: its first statement goes out now

    async def _follow(
        self,
        lead: asyncio.Task[None],
        previous: asyncio.Task[None] | None,
        chunk: Chunk,
        last_ids: dict[Table, int],
    ) -> None:
        await lead  # the purchases these rows refer to are committed
        if previous is not None:
            await previous
        assert self.second_conn is not None
        await self._write(self.second_conn, chunk, last_ids)

    def _tasks(self) -> list[asyncio.Task[None]]:
        tasks = [t for t in (self.writer, self.follower) if t is not None]
        self.writer = self.follower = None
        return tasks

    async def drain(self) -> None:
        """Wait for every write under way; an error, if any, is raised here."""
        for task in self._tasks():
            await task

    async def close(self) -> None:
        """After a failure: stop writes still running (their transactions roll back)."""
        for task in self._tasks():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _write(
        self, conn: AsyncConnection, chunk: Chunk, last_ids: dict[Table, int]
    ) -> None:
        async with conn.begin():
            for table, rows in chunk.items():
                if rows:
                    await conn.execute(self.inserts[table], rows)
            await self._advance_sequences(conn, last_ids)

    async def _advance_sequences(self, conn: AsyncConnection, last_ids: dict[Table, int]) -> None:
        """PostgreSQL hands out ids from a sequence that explicit ids do not move: move it past
        them in the same transaction, or the app's next insert would collide with a demo row.
        SQLite takes max(id) + 1 by itself."""
        if conn.dialect.name != "postgresql":
            return
        for table, last in last_ids.items():
            if last > 0:
                sequence = func.pg_get_serial_sequence(table.name, "id")
                await conn.execute(select(func.setval(sequence, last)))

    async def update(self, statement: Update, rows: list[Row]) -> None:
        """An executemany UPDATE, UPDATE_ROWS rows per transaction."""
        for lo in range(0, len(rows), UPDATE_ROWS):
            async with self.conn.begin():
                await self.conn.execute(statement, rows[lo : lo + UPDATE_ROWS])
