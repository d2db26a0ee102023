"""A merchant's business card (what members read about the place) and its news posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UtcDateTime


class BusinessCard(Base):
    """One per merchant, made on its first edit; every field may stay empty."""

    __tablename__ = "business_card"

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # services/policy/hours.py's stored form, Monday first; None: not given.
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    links: Mapped[str | None] = mapped_column(Text)  # one "label url" a line
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int] = mapped_column(BigInteger)


class NewsPost(Base):
    """A post members scroll on the business card, newest first; written there or kept from a
    push."""

    __tablename__ = "news_post"
    __table_args__ = (Index("ix_news_post_merchant_id_created_at", "merchant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), unique=True
    )
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
