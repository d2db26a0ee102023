"""A merchant's program: its settings (bonuses, limits, referral shares, point value) and its
levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime


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
    max_sale_minor: Mapped[int] = mapped_column(BigInteger, default=100_000)
    receipt_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Referral shares of a friend's paid amount, by depth (1 = the direct referrer).
    referral_bp_1: Mapped[int] = mapped_column(Integer, default=200)
    referral_bp_2: Mapped[int] = mapped_column(Integer, default=100)
    referral_bp_3: Mapped[int] = mapped_column(Integer, default=50)
    # Paid to the referrer when a friend makes a first purchase (an "effective referral").
    referral_bonus_minor: Mapped[int] = mapped_column(BigInteger, default=500)
    daily_purchases_flag: Mapped[int] = mapped_column(Integer, default=5)
    birthday_bonus_minor: Mapped[int] = mapped_column(BigInteger, default=500)
    birthday_hour: Mapped[int] = mapped_column(SmallInteger, default=10)  # local time
    birthday_bonus_days: Mapped[int] = mapped_column(SmallInteger, default=14)  # then it lapses
    # A birthday entered (or corrected) fewer days than this before it gets no gift that year.
    birthday_lead_days: Mapped[int] = mapped_column(SmallInteger, default=30)
    # Points expire this many months after they were credited, oldest first; None: never.
    points_lifetime_months: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Limits at the till (services/limits.py); a None threshold or cap is off.
    wrong_codes_hour_limit: Mapped[int] = mapped_column(Integer, default=30)  # 0: off
    codes_locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last lock
    codes_resumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # by an admin
    daily_amount_flag_minor: Mapped[int | None] = mapped_column(BigInteger)
    staff_daily_purchases_flag: Mapped[int | None] = mapped_column(Integer)
    staff_daily_amount_flag_minor: Mapped[int | None] = mapped_column(BigInteger)
    daily_amount_cap_minor: Mapped[int | None] = mapped_column(BigInteger)
    # What one point is worth, in minor units (services.policy.point_value picks it for a new
    # merchant; 1 for merchants from before it existed). Fixed once points exist: balances,
    # the ledger and Purchase.points_spent count points, and their money is points * this.
    # The bonuses above (welcome, referral, birthday) stay money: each gives
    # bonus_minor // point_value_minor points.
    point_value_minor: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    # Raised by the database on every change of this row or its levels, whoever writes them
    # (db/models/program_version.py): a process's copy of the program is good while it matches.
    program_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Rewards (issue 15, db/models/rewards.py). Cashback may be off when stamps replace it.
    cashback_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # The stamp card: None is no card; else this many stamps make the reward stamp_reward_id.
    stamps_needed: Mapped[int | None] = mapped_column(SmallInteger)
    stamp_reward_id: Mapped[int | None] = mapped_column(Integer)  # a reward of this merchant
    stamp_min_amount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # One stamp per full step of the check (None: one per qualifying purchase).
    stamp_step_minor: Mapped[int | None] = mapped_column(BigInteger)
    stamp_daily_once: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Gifts, once per person (services/grants.py): a reward on joining (beside the welcome
    # bonus), and for an invited friend's first purchase points and/or a reward.
    welcome_reward_id: Mapped[int | None] = mapped_column(Integer)
    friend_gift_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    friend_reward_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def referral_rates_bp(self) -> list[int]:
        return [self.referral_bp_1, self.referral_bp_2, self.referral_bp_3]


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
