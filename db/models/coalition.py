"""The coalition (issue 16): merchants of one deployment that partner, the gift certificates
one business offers and its partners hand out, and the certificates customers hold.

A partnership is one row per pair of merchants (`low_merchant_id` < `high_merchant_id`), made
from a one-time invite link one side's admin sends and the other side's admin opens; ending it
keeps the row (`ended_at`), and partnering again opens it anew.

A certificate offer belongs to the business that accepts the certificates (`merchant_id`): it
says what a certificate is worth there (money in its currency, or a named item), the smallest
check it may pay part of, how long it runs and how many may be handed out. `OfferRoute` rows
say which partners hand it out and how: automatically after a purchase of at least
`min_purchase_minor` at the partner (in the partner's currency), or by a partner's cashier.

A certificate is held by a customer (`customer_id`), not a membership: it may be for a business
the customer has not joined yet. Its terms are copied from the offer when it is issued, so an
offer edited later changes no certificate already handed out. Every change of a certificate is
an entry of its own append-only ledger (`certificate_entry`); for each business the sum of
`delta * value_minor` over its entries is the value of its open certificates, and the sum of
`delta` their number.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class PartnerInvite(Base):
    """A one-time link (`t.me/<bot>?start=k<token>`) by which an admin of `merchant_id` asks
    another merchant of the deployment to partner; used once, by the admin who accepts."""

    __tablename__ = "partner_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(24), unique=True)
    created_by: Mapped[int] = mapped_column(BigInteger)  # the inviting admin's Telegram id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)  # the accepting admin
    partner_merchant_id: Mapped[int | None] = mapped_column(  # the merchant that accepted
        ForeignKey("merchant.id", ondelete="CASCADE")
    )


class Partnership(Base):
    """Two merchants that send customers to each other; active while `ended_at` is None."""

    __tablename__ = "partnership"
    __table_args__ = (
        UniqueConstraint("low_merchant_id", "high_merchant_id"),
        Index("ix_partnership_high_merchant_id", "high_merchant_id"),
        CheckConstraint("low_merchant_id < high_merchant_id", name="pair_ordered"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    high_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    invited_by_merchant_id: Mapped[int] = mapped_column(Integer)  # the side that sent the link
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by_merchant_id: Mapped[int | None] = mapped_column(Integer)


class HandOut(StrEnum):
    """How a partner hands out an offer's certificates."""

    AUTO = "auto"  # after a purchase of at least min_purchase_minor at the partner
    CASHIER = "cashier"  # the partner's cashier gives one with a tap


class CertificateOffer(Base):
    """A certificate the issuing business (the one that accepts it) lets its partners hand
    out. `value_minor` > 0 pays that much of a check (in the business's currency); 0 with an
    `item` is a named thing ("Free car wash") handed over at the till."""

    __tablename__ = "certificate_offer"
    __table_args__ = (
        Index("ix_certificate_offer_merchant_id_archived_at", "merchant_id", "archived_at"),
        CheckConstraint("value_minor >= 0", name="value_not_negative"),
        CheckConstraint("min_check_minor >= 0", name="min_check_not_negative"),
        CheckConstraint("valid_days > 0", name="valid_days_positive"),
        CheckConstraint(
            "total_limit IS NULL OR issued_count <= total_limit", name="issued_within_limit"
        ),
        CheckConstraint("value_minor > 0 OR item IS NOT NULL", name="worth_something"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    item: Mapped[str | None] = mapped_column(String(60))
    min_check_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_days: Mapped[int] = mapped_column(SmallInteger, default=30)
    total_limit: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    issued_count: Mapped[int] = mapped_column(Integer, default=0)  # taken against total_limit
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # no longer handed out


class OfferRoute(Base):
    """A partner that hands out an offer's certificates, and how."""

    __tablename__ = "offer_route"
    __table_args__ = (
        UniqueConstraint("offer_id", "partner_merchant_id"),
        Index("ix_offer_route_partner_merchant_id", "partner_merchant_id"),
        CheckConstraint("min_purchase_minor >= 0", name="min_purchase_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("certificate_offer.id", ondelete="CASCADE"))
    partner_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    hand_out: Mapped[HandOut] = mapped_column(StrEnumType(HandOut, 10))
    min_purchase_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # partner's currency


class CertificateStatus(StrEnum):
    OPEN = "open"  # may be used (until expires_at)
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # its holder erased their data


class Certificate(Base):
    """A certificate a customer holds for `merchant_id` (the business that accepts it), handed
    out by `partner_merchant_id`. The terms are the offer's when it was issued."""

    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_customer_id_status", "customer_id", "status"),
        Index("ix_certificate_merchant_id_status", "merchant_id", "status"),
        Index("ix_certificate_status_expires_at", "status", "expires_at"),
        Index("ix_certificate_offer_id_customer_id", "offer_id", "customer_id"),
        Index("ix_certificate_partner_merchant_id_issued_at", "partner_merchant_id", "issued_at"),
        # A purchase at a partner hands out one certificate of an offer, however often the
        # confirmation is retried.
        Index(
            "uq_certificate_offer_id_source_purchase_id",
            "offer_id",
            "source_purchase_id",
            unique=True,
            sqlite_where=text("source_purchase_id IS NOT NULL"),
            postgresql_where=text("source_purchase_id IS NOT NULL"),
        ),
        CheckConstraint("value_minor >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # one deployment, one namespace
    offer_id: Mapped[int] = mapped_column(ForeignKey("certificate_offer.id", ondelete="CASCADE"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    partner_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(  # None once its holder erased their data
        ForeignKey("customer.id", ondelete="SET NULL")
    )
    first_customer_id: Mapped[int | None] = mapped_column(  # who it was handed out to
        ForeignKey("customer.id", ondelete="SET NULL")
    )
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    item: Mapped[str | None] = mapped_column(String(60))
    min_check_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[CertificateStatus] = mapped_column(StrEnumType(CertificateStatus, 10))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[int | None] = mapped_column(BigInteger)  # the cashier's Telegram id
    source_purchase_id: Mapped[int | None] = mapped_column(BigInteger)  # at the partner
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    gift_token: Mapped[str | None] = mapped_column(String(24), unique=True)  # link shared
    gifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # given away: once only
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    redeemed_by: Mapped[int | None] = mapped_column(BigInteger)  # the cashier's Telegram id
    purchase_id: Mapped[int | None] = mapped_column(BigInteger)  # the sale it paid part of
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # expired or cancelled


class CertificateReason(StrEnum):
    ISSUED = "issued"  # delta +1
    GIFTED = "gifted"  # delta 0: handed to a friend (customer_id is the friend)
    REDEEMED = "redeemed"  # delta -1
    REFUNDED = "refunded"  # delta +1: the sale it paid part of was refunded in full
    EXPIRED = "expired"  # delta -1
    CANCELLED = "cancelled"  # delta -1: its holder erased their data


DELTA = {
    CertificateReason.ISSUED: 1,
    CertificateReason.GIFTED: 0,
    CertificateReason.REDEEMED: -1,
    CertificateReason.REFUNDED: 1,
    CertificateReason.EXPIRED: -1,
    CertificateReason.CANCELLED: -1,
}


class CertificateEntry(Base):
    """Append-only: every change of a certificate. `merchant_id` accepts it, and
    `partner_merchant_id` handed it out (denormalised so the reports group without a join)."""

    __tablename__ = "certificate_entry"
    __table_args__ = (
        Index("ix_certificate_entry_certificate_id", "certificate_id"),
        Index("ix_certificate_entry_merchant_id_created_at", "merchant_id", "created_at"),
        Index(
            "ix_certificate_entry_partner_merchant_id_created_at",
            "partner_merchant_id",
            "created_at",
        ),
        CheckConstraint("delta IN (-1, 0, 1)", name="delta_unit"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    partner_merchant_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[CertificateReason] = mapped_column(StrEnumType(CertificateReason, 10))
    delta: Mapped[int] = mapped_column(SmallInteger)
    value_minor: Mapped[int] = mapped_column(BigInteger)  # the certificate's value, unsigned
    customer_id: Mapped[int | None] = mapped_column(  # the holder after this change
        ForeignKey("customer.id", ondelete="SET NULL")
    )
    purchase_id: Mapped[int | None] = mapped_column(BigInteger)  # redeemed or refunded with
    staff_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # who did it at a till
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
