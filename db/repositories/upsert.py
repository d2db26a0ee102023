"""INSERT ... ON CONFLICT DO UPDATE, which SQLite and PostgreSQL spell alike, built with the
session's own dialect (SQLAlchemy offers it per dialect only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Upsert = postgresql.Insert | sqlite.Insert


def upsert(session: AsyncSession | Session, model: Any) -> Upsert:
    """An INSERT into `model` that can take `.on_conflict_do_update(...)` on this database."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
