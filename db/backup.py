"""`loyalty-bot backup PATH`: a consistent copy of the SQLite database, taken while the bot runs.

`VACUUM INTO` reads one snapshot (WAL: the bot goes on writing meanwhile, nothing waits for
the copy) and writes it compacted to a new file, in one statement; copying the file itself
would miss what still sits in the -wal file, or catch a write halfway. PostgreSQL has its own
tool for this: pg_dump.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """Why no copy was made; one line, safe to print."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            "the database is PostgreSQL: back it up with pg_dump "
            "(pg_dump -Fc -f loyalty.dump postgresql://user:password@host:5432/db)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupRefused("DATABASE_URL names no SQLite file to copy")
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the database to `target`, which must not exist; returns the copy's size in bytes."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupRefused(f"there is no database at {source}")
    if target.exists():
        raise BackupRefused(f"{target} exists already: name a new file")
    if not target.parent.is_dir():
        raise BackupRefused(f"there is no folder {target.parent}")
    # Read-only: a typo in the path must not create an empty database, and the copy takes no
    # write lock. A writer that holds the database a moment makes it wait (timeout).
    connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        connection.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as error:
        raise BackupRefused(f"the copy failed: {error}") from None
    finally:
        connection.close()
    return target.stat().st_size
