"""The program's tables. Money is integers in minor units; points are whole numbers, each worth
the merchant's point_value_minor."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UtcDateTime


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


class StaffRole(StrEnum):
    STAFF = "staff"
    ADMIN = "admin"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by the sender; back to pending if it crashed meanwhile
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the recipient blocked the bot
    CANCELLED = "cancelled"


class PurchaseStatus(StrEnum):
    DRAFT = "draft"  # previewed, waiting for Confirm
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


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
    # What one point is worth, in minor units (services.rules.point_value picks it for a new
    # merchant; 1 for merchants from before it existed). Fixed once points exist: balances,
    # the ledger and Purchase.points_spent count points, and their money is points * this.
    # The bonuses above (welcome, referral, birthday) stay money: each gives
    # bonus_minor // point_value_minor points.
    point_value_minor: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")

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
    birthday_granted_year: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    birthday_bonus_left: Mapped[int] = mapped_column(BigInteger, default=0)  # not yet lapsed
    nps_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The member erased their data: the row stays, anonymous, for the merchant's accounts.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PaymentCode(Base):
    """A one-time code: a membership's till code (asking again replaces it), or an open
    pre-order's code, which lasts until the order is collected or cancelled."""

    __tablename__ = "payment_code"
    __table_args__ = (
        UniqueConstraint("merchant_id", "code"),
        # One till code per membership; its pre-orders' codes live beside it.
        Index(
            "uq_payment_code_membership_id",
            "membership_id",
            unique=True,
            sqlite_where=text("preorder_id IS NULL"),
            postgresql_where=text("preorder_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    preorder_id: Mapped[int | None] = mapped_column(
        ForeignKey("preorder.id", ondelete="CASCADE"), unique=True
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
        Index("ix_ledger_entry_purchase_id", "purchase_id"),
        # Reports read a period's entries from this index alone (db/reports.py).
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
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchase.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Staff(Base):
    """A cashier or admin of one merchant, from a one-time invite. Owners come from config."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("merchant_id", "telegram_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    invited_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffInvite(Base):
    __tablename__ = "staff_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(24), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


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
        # Two covering indexes for the reports (db/reports.py): a period's purchases, and
        # each member's purchases in order, read from the index without touching the table.
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
    status: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    level_before: Mapped[int] = mapped_column(SmallInteger, default=0)
    level_after: Mapped[int] = mapped_column(SmallInteger, default=0)
    made_referral_effective: Mapped[bool] = mapped_column(Boolean, default=False)
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


class AuditLog(Base):
    """Every staff and admin act: who, what, on what, when. No customer personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_merchant_id_created_at", "merchant_id", "created_at"),
        Index("ix_audit_log_actor_action_created_at", "actor_telegram_id", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    actor_telegram_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RewardGrant(Base):
    """A one-time reward a person received from a merchant, kept after they erase their data.

    `marker` is a keyed hash of the merchant and the Telegram id (services/grants.py), never
    the id itself: it only answers "did this person already get it here?". Rewards: welcome,
    referral (their first purchase paid their referrer's bonus), birthday:<year>.
    """

    __tablename__ = "reward_grant"
    __table_args__ = (UniqueConstraint("merchant_id", "marker", "reward"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    marker: Mapped[str] = mapped_column(String(64))
    reward: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Outbox(Base):
    """Every message the bot sends on its own initiative, once: a unique dedupe key per message.

    Services write rows in the same transaction as the change they announce; one sender
    drains them at Telegram's pace (bot/delivery.py).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "not_before", "id"),
        Index("ix_outbox_chat_id_status", "chat_id", "status"),
        Index("ix_outbox_campaign_id_status", "campaign_id", "status"),
        Index("ix_outbox_merchant_id_kind_sent_at", "merchant_id", "kind", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    priority: Mapped[int] = mapped_column(SmallInteger)  # 0 transactional, 1 promotional
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON: what the renderer needs
    language: Mapped[str | None] = mapped_column(String(5))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


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
    status: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


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


class Lease(Base):
    """Who runs a singleton (the scheduler) until when: the holder renews, others wait."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CatalogItem(Base):
    """Something a customer can pre-order: a title and a price in a category."""

    __tablename__ = "catalog_item"
    __table_args__ = (Index("ix_catalog_item_merchant_id_category", "merchant_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Cart(Base):
    """A member's cart: when it last changed, and how many reminders it has had since."""

    __tablename__ = "cart"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reminders: Mapped[int] = mapped_column(SmallInteger, default=0)


class CartLine(Base):
    __tablename__ = "cart_line"
    __table_args__ = (
        UniqueConstraint("membership_id", "item_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("cart.membership_id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id", ondelete="CASCADE"))
    qty: Mapped[int] = mapped_column(SmallInteger)


class PreorderStatus(StrEnum):
    OPEN = "open"  # waiting to be made and collected
    READY = "ready"  # the staff said it is ready; still collected with its code
    COMPLETED = "completed"  # a sale took its code
    CANCELLED = "cancelled"  # by the customer, the staff, or the member's erasure


class Preorder(Base):
    """A checked-out cart for pickup; its code is a payment code, and /sale completes it."""

    __tablename__ = "preorder"
    __table_args__ = (Index("ix_preorder_membership_id_status", "membership_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(6))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[str] = mapped_column(Text)  # JSON: the items as ordered
    status: Mapped[str] = mapped_column(String(10))  # PreorderStatus
    purchase_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """A Telegram update whose handler wrote, so a second delivery of it writes nothing.
    Kept 7 days (jobs.forget_updates); Telegram keeps an undelivered update for 24 hours."""

    __tablename__ = "processed_update"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class StaffLanguage(Base):
    """The language of an owner or staff member who is not a customer (customers keep theirs
    on their customer row): the alerts and notes to them are written in it."""

    __tablename__ = "staff_language"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
