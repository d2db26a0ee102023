"""`loyalty-bot backup`: a copy of the SQLite database taken while the bot is writing holds
the same rows as the database, and nothing of a transaction not yet committed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from db.backup import BackupRefused, backup


def rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


async def test_a_copy_taken_during_a_write_holds_the_committed_rows(anna, engine, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("the backup command copies SQLite; PostgreSQL has pg_dump")
    source = Path(str(engine.url.database))
    target = tmp_path / "copy.sqlite3"
    await anna.send("/card")
    async with engine.connect() as writing:  # the bot, in the middle of a transaction
        await writing.execute(text("UPDATE merchant SET name = 'Not yet'"))
        size = backup(engine.url.render_as_string(hide_password=False), target)
        await writing.rollback()
    assert size == target.stat().st_size > 0
    copied = rows(target)
    assert copied == rows(source)
    assert copied["customer"] == 1 and copied["membership"] == 1 and copied["merchant"] == 1
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT name FROM merchant").fetchone() == ("Test Café",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_refuses_what_it_cannot_copy(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/missing.sqlite3"
    with pytest.raises(BackupRefused, match="there is no database at"):
        backup(url, tmp_path / "copy.sqlite3")
    assert not (tmp_path / "missing.sqlite3").exists()  # not created by asking
    with pytest.raises(BackupRefused, match="pg_dump"):
        backup("postgresql+asyncpg://bot:pw@db/loyalty", tmp_path / "x.dump")
