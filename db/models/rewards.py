"""Rewards: the catalogue a merchant offers for points (or gives: a full stamp card, a welcome
or a friend's gift), the vouchers members hold, the stamps they collect, and the promotions
that multiply what a purchase earns (issue 15).

A claimed voucher's points leave the balance at once, as a ledger entry with reason `reward`
(`voucher_id` on the entry): they are reserved for it. Redeeming the voucher at the till makes
the reservation a spend (the voucher's status, no second entry); a voucher that lapses gives
them back (`reward_returned`). Stamps have their own ledger (`stamp_entry`) beside the points'.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class Reward(Base):
    """Something a member can have: listed in the catalogue for points, or given (a stamp
    card's reward, a welcome or friend's gift: `listed` False, price 0). Never deleted once
    a voucher names it: `archived_at` takes it out of the catalogue."""

    __tablename__ = "reward"
    __table_args__ = (
        Index("ix_reward_merchant_id_archived_at", "merchant_id", "archived_at"),
        CheckConstraint("points_price >= 0", name="points_price_not_negative"),
        CheckConstraint("stock_left IS NULL OR stock_left >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(300))
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    points_price: Mapped[int] = mapped_column(BigInteger, default=0)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)  # in the members' catalogue
    stock_left: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    per_member_limit: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    valid_days: Mapped[int] = mapped_column(SmallInteger, default=30)  # after claiming
    min_level_rank: Mapped[int] = mapped_column(SmallInteger, default=0)  # who may claim
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VoucherSource(StrEnum):
    CLAIM = "claim"  # bought with points from the catalogue
    STAMPS = "stamps"  # a full stamp card
    WELCOME = "welcome"  # the welcome gift
    FRIEND = "friend"  # an invited friend's gift on their first purchase


class VoucherStatus(StrEnum):
    OPEN = "open"  # waiting to be redeemed at the till
    REDEEMED = "redeemed"
    LAPSED = "lapsed"  # not redeemed in time: its points went back
    CANCELLED = "cancelled"  # the member erased their data or staff withdrew it


class Voucher(Base):
    """A reward a member holds, with the code the cashier redeems it by, once."""

    __tablename__ = "voucher"
    __table_args__ = (
        UniqueConstraint("merchant_id", "code"),
        Index("ix_voucher_membership_id_status", "membership_id", "status"),
        Index("ix_voucher_status_expires_at", "status", "expires_at"),
        Index("ix_voucher_merchant_id_claimed_at", "merchant_id", "claimed_at"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("reward.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    points: Mapped[int] = mapped_column(BigInteger, default=0)  # reserved; 0 for a gift
    source: Mapped[VoucherSource] = mapped_column(StrEnumType(VoucherSource, 10))
    status: Mapped[VoucherStatus] = mapped_column(StrEnumType(VoucherStatus, 10))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    redeemed_by: Mapped[int | None] = mapped_column(BigInteger)  # the cashier's Telegram id
    purchase_id: Mapped[int | None] = mapped_column(  # redeemed with this sale
        ForeignKey("purchase.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # lapsed or cancelled


class StampReason(StrEnum):
    PURCHASE = "purchase"
    PROMOTION = "promotion"  # extra stamps of a promotion
    REFUND = "refund"  # a refunded purchase's stamps taken back
    CARD_FULL = "card_full"  # a full card became a voucher
    ADJUSTMENT = "adjustment"
    FORFEIT = "forfeit"  # the member erased their data


class StampEntry(Base):
    """Append-only: every change of a member's stamps; membership.stamps is their sum."""

    __tablename__ = "stamp_entry"
    __table_args__ = (
        Index("ix_stamp_entry_membership_id_id", "membership_id", "id"),
        Index("ix_stamp_entry_purchase_id", "purchase_id"),
        CheckConstraint("stamps_after >= 0", name="stamps_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    stamps_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[StampReason] = mapped_column(StrEnumType(StampReason, 12))
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchase.id", ondelete="SET NULL"))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Promotion(Base):
    """Double points (or extra stamps) at certain times: days of the week, hours, a date range,
    from a level up. Times are the merchant's local time; `end_minute` is exclusive and may be
    smaller than `start_minute` (past midnight). A change raises the merchant's
    program_version (the purchase path reads promotions from the program's copy)."""

    __tablename__ = "promotion"
    __table_args__ = (
        Index("ix_promotion_merchant_id_ended_at", "merchant_id", "ended_at"),
        CheckConstraint("multiplier_pct >= 100", name="multiplier_at_least_one"),
        CheckConstraint("extra_stamps >= 0", name="extra_stamps_not_negative"),
        CheckConstraint("weekdays > 0 AND weekdays < 128", name="weekdays_mask"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    multiplier_pct: Mapped[int] = mapped_column(SmallInteger, default=200)  # 200: double
    extra_stamps: Mapped[int] = mapped_column(SmallInteger, default=0)
    weekdays: Mapped[int] = mapped_column(SmallInteger, default=127)  # bit 0 Monday
    start_minute: Mapped[int | None] = mapped_column(SmallInteger)  # None: all day
    end_minute: Mapped[int | None] = mapped_column(SmallInteger)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # inclusive
    min_level_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # ended early by an owner
