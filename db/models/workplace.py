"""The merchant an owner or a staff member chose to work in (/merchant)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime


class Workplace(Base):
    """One row per person who chose; it counts only while they may work there (an owner, or
    active staff of that merchant: db/repositories/who.py checks it on every update)."""

    __tablename__ = "workplace"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime)
