"""INSERT ... ON CONFLICT DO UPDATE, which SQLite and PostgreSQL spell alike, built with the
session's own dialect (SQLAlchemy offers it per dialect only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Upsert = postgresql.Insert | sqlite.Insert


def dialect_of(session: AsyncSession | Session) -> str:
    """The name of the session's database dialect: a key for statements built once per dialect."""
    return str(session.get_bind().dialect.name)


def upsert_in(dialect: str, model: Any) -> Upsert:
    """An INSERT into `model` that can take `.on_conflict_do_update(...)` on `dialect`."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert(session: AsyncSession | Session, model: Any) -> Upsert:
    """An INSERT into `model` that can take `.on_conflict_do_update(...)` on this database."""
    return upsert_in(dialect_of(session), model)
