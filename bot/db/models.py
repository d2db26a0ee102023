"""The program's tables. Money and points are integers in minor units (1 point = 1 minor unit)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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

from bot.db.base import Base, BigId, UtcDateTime


class LedgerReason(StrEnum):
    WELCOME = "welcome"
    CASHBACK = "cashback"
    REDEEM = "redeem"
    REFERRAL = "referral"
    REFERRAL_BONUS = "referral_bonus"
    BIRTHDAY = "birthday"
    MANUAL = "manual"
    REFUND = "refund"
    EXPIRY = "expiry"


class Merchant(Base):
    __tablename__ = "merchant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    default_language: Mapped[str] = mapped_column(String(5))
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    code_ttl_seconds: Mapped[int] = mapped_column(Integer, default=600)
    welcome_bonus_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Level(Base):
    __tablename__ = "level"
    __table_args__ = (
        UniqueConstraint("merchant_id", "rank"),
        CheckConstraint("cashback_bp >= 0 AND cashback_bp <= 10000", name="cashback_bp_range"),
        CheckConstraint(
            "max_redeem_bp >= 0 AND max_redeem_bp <= 10000", name="max_redeem_bp_range"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(40))
    min_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    min_referrals: Mapped[int] = mapped_column(Integer, default=0)
    cashback_bp: Mapped[int] = mapped_column(Integer)
    max_redeem_bp: Mapped[int] = mapped_column(Integer)


class Customer(Base):
    """One per Telegram user. Until consent, nothing but the Telegram id is kept."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(5))
    birthday_day: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_month: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_year: Mapped[int | None] = mapped_column(SmallInteger)
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
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentCode(Base):
    """The current one-time code of a membership; asking again replaces it."""

    __tablename__ = "payment_code"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), unique=True
    )
    code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LedgerEntry(Base):
    """Append-only: every change of a balance, with its reason."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_membership_id_id", "membership_id", "id"),
        CheckConstraint("balance_after_minor >= 0", name="balance_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    delta_minor: Mapped[int] = mapped_column(BigInteger)
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
