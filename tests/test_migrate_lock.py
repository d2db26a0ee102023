"""Two processes migrating a fresh PostgreSQL database at once both succeed: the second waits
for the first's advisory lock, then finds the schema up to date (db/migrate.py).

Needs PostgreSQL (TEST_DATABASE_URL); a scratch database of its own is created and dropped on
that server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from db.migrate import MIGRATION_LOCK, alembic_config, upgrade
from tests.test_lease import until
from tests.test_migrations import _diff, _tables


def _dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
async def fresh_pg() -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """(URL of an empty database, a connection to it that the test may lock with)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if make_url(url or "sqlite://").get_backend_name() != "postgresql":
        pytest.skip("needs PostgreSQL: TEST_DATABASE_URL does not name a server")
    name = f"{make_url(url).database}_migrate_{os.getpid()}"
    try:
        admin = await asyncpg.connect(_dsn(url, "postgres"), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc.__class__.__name__}")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
    test_conn = await asyncpg.connect(_dsn(url, name))
    try:
        yield fresh, test_conn
    finally:
        await test_conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_two_processes_migrating_a_fresh_database_at_once_both_succeed(fresh_pg) -> None:
    url, conn = fresh_pg
    # Held here first, so both upgrades are surely under way, and waiting, at the same time.
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    runs = [asyncio.create_task(asyncio.to_thread(upgrade, url)) for _ in range(2)]

    async def both_waiting() -> bool:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        return bool(waiting == 2)

    await until(both_waiting, "both upgrades wait for the lock")
    await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    await asyncio.gather(*runs)  # neither fails: one migrates, the other finds it done

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert await conn.fetchval("SELECT version_num FROM alembic_version") == head
    assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
    from db.base import Base

    assert await _tables(url) == set(Base.metadata.tables)
    assert await _diff(url) == []
    # The lock went with its connections.
    assert await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
