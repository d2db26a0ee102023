"""The bot's own bookkeeping: who runs the scheduler, and which updates were handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime


class Lease(Base):
    """Who runs a singleton (the scheduler) until when: the holder renews, others wait."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """A Telegram update whose handler wrote, so a second delivery of it writes nothing.
    Kept 7 days (jobs.forget_updates); Telegram keeps an undelivered update for 24 hours."""

    __tablename__ = "processed_update"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
