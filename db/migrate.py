"""Alembic, driven from code: `loyalty-bot migrate`, `run`, `worker` and `web` apply migrations
to head, and several of them may start at once on one database.

On PostgreSQL the upgrade runs on a connection that first takes a session-level advisory lock
(pg_advisory_lock on a fixed key): a second process migrating at the same moment waits for the
first, then finds the schema up to date and does nothing. The lock goes with the connection,
so a process killed mid-migration holds no one up. On SQLite every migration transaction
starts with BEGIN IMMEDIATE (db/engine.py), which serializes them the same way.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock's key: any fixed 64-bit number the application uses for nothing else.
MIGRATION_LOCK = 7_318_640_214_355_001


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation treats % specially (URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    _migrate(database_url, "upgrade", revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    _migrate(database_url, "downgrade", revision)


def _migrate(database_url: str, direction: str, revision: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        getattr(command, direction)(alembic_config(database_url), revision)
        return
    asyncio.run(_migrate_locked(database_url, direction, revision))


async def _migrate_locked(database_url: str, direction: str, revision: str) -> None:
    from db.engine import create_engine  # not at import: the CLI imports this module early

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await conn.commit()  # the lock is the session's: it outlives this transaction
            try:
                await conn.run_sync(_run_alembic, database_url, direction, revision)
                await conn.commit()
            finally:
                await conn.rollback()
                await conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                )
                await conn.commit()
    finally:
        await engine.dispose()


def _run_alembic(connection: Connection, database_url: str, direction: str, revision: str) -> None:
    """Alembic on this connection (db/migrations/env.py uses one it is given)."""
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)
