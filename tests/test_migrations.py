"""Migrations: empty -> head -> base -> head, and head matches the models."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from db.base import Base
from db.engine import create_engine
from db.migrate import alembic_config, downgrade, upgrade
from tests.conftest import PG_DEFAULT, fresh_engine


def _targets(tmp_path) -> list[str]:
    urls = [f"sqlite+aiosqlite:///{tmp_path}/migrations.sqlite3"]
    env = os.environ.get("TEST_DATABASE_URL")
    if env and not env.startswith("sqlite"):
        urls.append(env)
    return urls


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        diff: list[object] = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    await engine.dispose()
    return diff


async def _clean(url: str) -> None:
    engine = await fresh_engine(url)  # skips when the server is not there
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "env"])
async def test_stairway_up_and_down(tmp_path, backend) -> None:
    urls = _targets(tmp_path)
    if backend == "env":
        if len(urls) < 2:
            pytest.skip("TEST_DATABASE_URL is not a server database; the SQLite case covers it")
        url = urls[1]
        await _clean(url)
    else:
        url = urls[0]
    script = ScriptDirectory.from_config(alembic_config(url))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
    assert revisions, "no migrations found"
    for revision in revisions:  # each step up, then down one and up again
        await asyncio.to_thread(upgrade, url, revision)
        await asyncio.to_thread(downgrade, url, "-1")
        await asyncio.to_thread(upgrade, url, revision)
    assert await _tables(url) == set(Base.metadata.tables)
    assert await _diff(url) == [], "models and migrations disagree: write a migration"
    await asyncio.to_thread(downgrade, url, "base")
    assert await _tables(url) == set()


async def test_postgres_is_reachable_for_ci(tmp_path) -> None:
    """Reports, rather than hides, whether this run exercised PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(f"set TEST_DATABASE_URL={PG_DEFAULT} to run the suite on PostgreSQL")
    engine = await fresh_engine(url)
    async with engine.connect() as conn:
        version = await conn.scalar(text("select version()"))
    await engine.dispose()
    assert "PostgreSQL" in str(version)


async def merchants_from_before(tmp_path: Path, revision: str) -> Path:
    """A SQLite database with two merchants written at `revision` (buda in HUF, berlin in EUR),
    then upgraded to head; returns its file."""
    path = tmp_path / "data.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url, revision)
    with sqlite3.connect(path) as db:
        for slug, currency in (("buda", "HUF"), ("berlin", "EUR")):
            db.execute(
                "INSERT INTO merchant (slug, name, currency, timezone, default_language,"
                " rules_version, code_ttl_seconds, welcome_bonus_minor, created_at)"
                " VALUES (?, ?, ?, 'Europe/Budapest', 'hu', 1, 600, 0, '2026-01-01 00:00:00')",
                (slug, slug, currency),
            )
    await asyncio.to_thread(upgrade, url, "head")
    return path


async def test_existing_merchants_get_limits_in_their_own_currency(tmp_path) -> None:
    path = await merchants_from_before(tmp_path, "0001")
    with sqlite3.connect(path) as db:
        rows = dict(
            (slug, (cap, bonus))
            for slug, cap, bonus in db.execute(
                "SELECT slug, max_sale_minor, referral_bonus_minor FROM merchant"
            )
        )
    assert rows == {"buda": (40_000_000, 200_000), "berlin": (100_000, 500)}


async def test_existing_merchants_keep_one_point_per_minor_unit(tmp_path) -> None:
    """0013 gives merchants from before point values 1 point = 1 minor unit: balances and the
    ledger keep exactly their money value, in forints as in euros."""
    path = await merchants_from_before(tmp_path, "0012")
    with sqlite3.connect(path) as db:
        rows = dict(db.execute("SELECT slug, point_value_minor FROM merchant"))
    assert rows == {"buda": 1, "berlin": 1}
