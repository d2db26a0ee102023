"""Promo pushes: the content once, one outbox row per recipient."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, StrEnumType, UtcDateTime


class CampaignStatus(StrEnum):
    QUEUED = "queued"  # rows are in the outbox, some may wait for their time
    DONE = "done"
    CANCELLED = "cancelled"


class Campaign(Base):
    """A promo push: its content once, and one outbox row per recipient."""

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_merchant_id_created_at", "merchant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, validated before it was queued
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    button_text: Mapped[str | None] = mapped_column(String(64))
    button_url: Mapped[str | None] = mapped_column(String(500))
    segment: Mapped[str] = mapped_column(String(100))  # e.g. "all", "level:2", "inactive:30"
    recipients: Mapped[int] = mapped_column(Integer)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[CampaignStatus] = mapped_column(StrEnumType(CampaignStatus, 10))
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
