"""People: a customer per Telegram user, a membership per program they joined, and their NPS
answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UtcDateTime


class Customer(Base):
    """One per Telegram user. Until consent, nothing but the Telegram id is kept."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(5))  # chosen with /language
    telegram_language: Mapped[str | None] = mapped_column(String(5))  # Telegram's, as a fallback
    birthday_day: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_month: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_year: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_set_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # for the lead time
    phone: Mapped[str | None] = mapped_column(String(20))
    bot_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    current_merchant_id: Mapped[int | None] = mapped_column(
        ForeignKey("merchant.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("customer_id", "merchant_id"),
        CheckConstraint("balance_minor >= 0", name="balance_not_negative"),
        Index("ix_membership_referrer_id", "referrer_id"),
        Index("ix_membership_merchant_id_joined_at", "merchant_id", "joined_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    referral_code: Mapped[str] = mapped_column(String(12), unique=True)
    referrer_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    source: Mapped[str | None] = mapped_column(String(32))
    level_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    consent_version: Mapped[int] = mapped_column(Integer)
    consented_at: Mapped[datetime] = mapped_column(UtcDateTime)
    marketing_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    effective_referrals: Mapped[int] = mapped_column(Integer, default=0)
    # Reversals a refund could not take (the points were spent): recovered from later credits.
    clawback_due_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    purchases_count: Mapped[int] = mapped_column(Integer, default=0)
    stamps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # stamp_entry sum
    birthday_granted_year: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    birthday_bonus_left: Mapped[int] = mapped_column(BigInteger, default=0)  # not yet lapsed
    nps_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Blocked by the staff (services/care/): no earning or spending until unblocked.
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The member erased their data: the row stays, anonymous, for the merchant's accounts.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NpsAnswer(Base):
    """ "How likely are you to recommend us?" 0 to 10, with an optional comment."""

    __tablename__ = "nps_answer"
    __table_args__ = (
        Index("ix_nps_answer_merchant_id_created_at", "merchant_id", "created_at"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    survey_key: Mapped[str] = mapped_column(String(40), unique=True)  # one answer per survey
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
