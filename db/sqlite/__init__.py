"""SQLite on the event loop's thread: the connection that SQLAlchemy's aiosqlite dialect drives.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in its worker thread: about
four hand-offs of 40-60 µs for a statement that takes SQLite a few µs. `LoopConnection`
(connection.py) offers what the dialect uses of aiosqlite's Connection and Cursor
(sqlalchemy/dialects/sqlite/aiosqlite.py, connectors/asyncio.py) over a stdlib sqlite3
connection, and runs it on the event loop's thread, so a short transaction never leaves the
loop, COMMIT included. What can take long runs in a worker thread:
- every call of a transaction begun with `off_loop` set (db.engine.reading(): reports);
- a SELECT still running on the loop after LOOP_BUDGET_S: SQLite interrupts it (a read-only
  statement that is interrupted leaves its transaction as it was) and it runs again in a thread;
- checkpoints, which copy the WAL back into the file with two fsyncs (database.py);
- connecting, which may wait for a lock, and closing, which may checkpoint.

The busy timeout is 0 once connected, so the loop never sleeps inside SQLite while another
process holds the write lock: a statement that may be repeated (BEGIN, anything outside a
transaction, a SELECT, COMMIT) is tried again after an asyncio.sleep, for up to
BUSY_BUDGET_S, and then fails with SQLite's own "database is locked", as a busy timeout would.
Writes that take long (a push queued for 100,000 members) still hold the loop: they hold the
process's one write turn (db.engine.SerializedSession) as long anyway.
"""

from db.sqlite.connection import LoopConnection, LoopCursor
from db.sqlite.database import Database

__all__ = ["Database", "LoopConnection", "LoopCursor"]
