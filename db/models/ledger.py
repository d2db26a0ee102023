"""Points: the append-only ledger with the reason of each change, and the one-time rewards a
person received (kept after erasure)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class LedgerReason(StrEnum):
    WELCOME = "welcome"
    CASHBACK = "cashback"
    REDEEM = "redeem"
    REFERRAL = "referral"
    REFERRAL_BONUS = "referral_bonus"
    BIRTHDAY = "birthday"
    MANUAL = "manual"
    REFUND = "refund"  # points spent on a refunded purchase, given back
    CASHBACK_REVERSED = "cashback_reversed"
    REFERRAL_REVERSED = "referral_reversed"
    CLAWBACK = "clawback"  # a refund's unpaid reversal, recovered from a later credit
    LEVEL_REVERSED = "level_reversed"  # cashback of a level a refund took away
    EXPIRY = "expiry"
    FORFEIT = "forfeit"  # the balance given up when a member erased their data
    ADJUSTMENT = "adjustment"  # staff added or took points, with a reason (services/care/)
    GOODWILL = "goodwill"  # staff's apology for a low rating (services/care/)
    REWARD = "reward"  # points reserved for a claimed voucher; a spend once it is redeemed
    REWARD_RETURNED = "reward_returned"  # a voucher lapsed or was withdrawn: its points back
    PROMOTION = "promotion"  # a promotion's extra cashback on a purchase
    PROMOTION_REVERSED = "promotion_reversed"  # taken back by a refund
    FRIEND_GIFT = "friend_gift"  # an invited friend's gift on their first purchase
    FRIEND_GIFT_REVERSED = "friend_gift_reversed"  # taken back by a refund of that purchase


class LedgerEntry(Base):
    """Append-only: every change of a balance, with its reason."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_membership_id_id", "membership_id", "id"),
        Index("ix_ledger_entry_purchase_id", "purchase_id"),
        # Reports read a period's entries from this index alone (db/reports/).
        Index(
            "ix_ledger_entry_created_at",
            "created_at",
            "membership_id",
            "reason",
            "delta_minor",
        ),
        CheckConstraint("balance_after_minor >= 0", name="balance_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    delta_minor: Mapped[int] = mapped_column(BigInteger)
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[LedgerReason] = mapped_column(StrEnumType(LedgerReason, 20))
    note: Mapped[str | None] = mapped_column(String(200))
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchase.id", ondelete="SET NULL"))
    voucher_id: Mapped[int | None] = mapped_column(BigInteger)  # a reward's voucher
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RewardGrant(Base):
    """A one-time reward a person received from a merchant, kept after they erase their data.

    `marker` is a keyed hash of the merchant and the Telegram id (services/grants.py), never
    the id itself: it only answers "did this person already get it here?". Rewards: welcome,
    friend_gift (an invited friend's gift on their first purchase), referral (their first
    purchase paid their referrer's bonus), birthday:<year>.
    """

    __tablename__ = "reward_grant"
    __table_args__ = (UniqueConstraint("merchant_id", "marker", "reward"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    marker: Mapped[str] = mapped_column(String(64))
    reward: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
