"""A statement on the session's connection, past the ORM (db/repositories/base.py run_core)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Result
from sqlalchemy.ext.asyncio import AsyncSession

from db.sqlite.adapter import direct_connection


async def on_connection(
    session: AsyncSession, statement: Executable, params: Any = None
) -> Result[Any]:
    """Run `statement` on the connection of the session's transaction (begun if it is not):
    straight into SQLite when it runs on the loop (db/sqlite/adapter.py), else through
    SQLAlchemy's greenlet."""
    direct = direct_connection(session)
    if direct is not None:
        return direct.execute(statement, params)
    connection = await session.connection()
    return await connection.execute(statement, params)
