"""One SQLite file as an engine opens it, and its checkpoints in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import Any

from db.sqlite.connection import BUSY_BUDGET_S, LoopConnection

CHECKPOINT_EVERY = 100  # commits that changed rows, from one checkpoint to the next

logger = logging.getLogger(__name__)


class Database:
    """Opens connections to one file, as sqlite3.connect(database, **options) would, in WAL
    mode with foreign keys on, for the event loop's thread and worker threads.

    In WAL mode a commit appends to the WAL; a checkpoint copies the WAL back into the file,
    with two fsyncs. SQLite's automatic one would run in whichever COMMIT passes 1000 pages,
    which would hold up the event loop for as long: it is off, and every CHECKPOINT_EVERY
    commits that changed rows, a PASSIVE checkpoint (it waits for no one) runs in a worker
    thread on a connection of its own, one at a time."""

    def __init__(self, database: str, **options: Any) -> None:
        self.database = database
        # BEGIN is ours (db.engine); the timeout holds while connecting, in a thread.
        self.options = {"timeout": BUSY_BUDGET_S, **options}
        self.options.update(isolation_level=None, check_same_thread=False)
        self._commits = 0
        self._checkpoint: asyncio.Future[None] | None = None

    async def connect(self) -> LoopConnection:
        connection, wal = await asyncio.to_thread(self._open)
        return LoopConnection(connection, self._wrote if wal else _nothing)

    def _open(self) -> tuple[sqlite3.Connection, bool]:
        connection: sqlite3.Connection = sqlite3.connect(self.database, **self.options)
        try:
            (mode,) = connection.execute("PRAGMA journal_mode=WAL").fetchone()
            wal = mode == "wal"  # an in-memory database keeps "memory"
            pragmas = ["foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=0"]
            for pragma in [*pragmas, "wal_autocheckpoint=0"] if wal else pragmas:
                connection.execute(f"PRAGMA {pragma}").close()
        except BaseException:
            connection.close()
            raise
        return connection, wal

    def _wrote(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpoint is not None:
            return
        self._commits = 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._copy_back)
        self._checkpoint.add_done_callback(self._copied)

    def _copy_back(self) -> None:
        with contextlib.closing(sqlite3.connect(self.database, **self.options)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

    def _copied(self, future: asyncio.Future[None]) -> None:
        self._checkpoint = None
        error = None if future.cancelled() else future.exception()
        if error is not None:  # the next one starts over; the WAL keeps every commit meanwhile
            logger.warning("SQLite checkpoint of %s failed: %r", self.database, error)


def _nothing() -> None:
    return None
