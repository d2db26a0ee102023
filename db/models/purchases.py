"""Purchases (a draft until confirmed) and their refunds."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class PurchaseStatus(StrEnum):
    DRAFT = "draft"  # previewed, waiting for Confirm
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Purchase(Base):
    """A check confirmed by staff; a draft until the Confirm button commits it."""

    __tablename__ = "purchase"
    __table_args__ = (
        # A receipt number is unique among a merchant's confirmed purchases (drafts may repeat).
        Index(
            "uq_purchase_merchant_id_receipt_no",
            "merchant_id",
            "receipt_no",
            unique=True,
            sqlite_where=text("status = 'confirmed' AND receipt_no IS NOT NULL"),
            postgresql_where=text("status = 'confirmed' AND receipt_no IS NOT NULL"),
        ),
        # Two covering indexes for the reports (db/reports/): a period's purchases, and each
        # member's purchases in order, read from the index without touching the table.
        Index(
            "ix_purchase_merchant_id_confirmed_at",
            "merchant_id",
            "confirmed_at",
            "membership_id",
            "status",
            "amount_minor",
            "refunded_minor",
        ),
        Index(
            "ix_purchase_merchant_id_membership_id",
            "merchant_id",
            "membership_id",
            "confirmed_at",
            "status",
            "amount_minor",
            "refunded_minor",
        ),
        Index("ix_purchase_membership_id_confirmed_at", "membership_id", "confirmed_at"),
        Index("ix_purchase_merchant_id_rated_at", "merchant_id", "rated_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "points_spent >= 0 AND points_spent <= amount_minor", name="points_within_amount"
        ),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_within_amount"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    staff_telegram_id: Mapped[int] = mapped_column(BigInteger)
    payment_code: Mapped[str] = mapped_column(String(6))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    points_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    cashback_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    receipt_no: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[PurchaseStatus] = mapped_column(StrEnumType(PurchaseStatus, 10))
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    level_before: Mapped[int] = mapped_column(SmallInteger, default=0)
    level_after: Mapped[int] = mapped_column(SmallInteger, default=0)
    made_referral_effective: Mapped[bool] = mapped_column(Boolean, default=False)
    stamps_earned: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    promotion_id: Mapped[int | None] = mapped_column(Integer)  # the promotion it earned under
    # A partner's certificate that paid part of the check (issue 16): `amount_minor` is the
    # check less `certificate_minor`, so the settlement, refunds and revenue see what was paid
    # with money and points; the whole check is their sum.
    certificate_id: Mapped[int | None] = mapped_column(BigInteger)
    certificate_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(1000))
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Refund(Base):
    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchase.id", ondelete="CASCADE"))
    staff_telegram_id: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    points_returned: Mapped[int] = mapped_column(BigInteger)
    cashback_reversed: Mapped[int] = mapped_column(BigInteger)
    cash_refund_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
