"""Frozen values that services return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from db.models import LedgerReason

if TYPE_CHECKING:
    from services.policy.promotions import PromotionRule


@dataclass(frozen=True, slots=True)
class LevelInfo:
    rank: int
    name: str
    min_spend_minor: int
    min_referrals: int
    cashback_bp: int
    max_redeem_bp: int


@dataclass(frozen=True, slots=True)
class MerchantView:
    id: int
    slug: str
    name: str
    currency: str
    timezone: str
    default_language: str
    rules_version: int
    code_ttl_seconds: int
    max_sale_minor: int = 0
    receipt_required: bool = False
    point_value_minor: int = 1  # what one point is worth, in minor units


@dataclass(frozen=True, slots=True)
class ProgramSettings:
    """Program settings an operator may set for a merchant; None keeps the current value."""

    max_sale_minor: int | None = None
    receipt_required: bool | None = None
    referral_rates_bp: tuple[int, ...] | None = None
    referral_bonus_minor: int | None = None
    daily_purchases_flag: int | None = None
    birthday_bonus_minor: int | None = None
    birthday_hour: int | None = None
    points_lifetime_months: int | None = None  # 0 turns expiry off
    birthday_lead_days: int | None = None
    # Limits at the till (services/limits/); 0 turns a threshold or the cap off.
    wrong_codes_hour_limit: int | None = None
    daily_amount_flag_minor: int | None = None
    staff_daily_purchases_flag: int | None = None
    staff_daily_amount_flag_minor: int | None = None
    daily_amount_cap_minor: int | None = None


@dataclass(frozen=True, slots=True)
class MemberContext:
    """Who is writing, resolved once per update."""

    telegram_id: int
    merchant: MerchantView
    customer_id: int | None
    membership_id: int | None
    language: str | None
    # Where this person works, if they are staff or an owner: the merchant they chose with
    # /merchant while they may work there, else where they were first hired, else (owners)
    # the default one.
    staff_merchant_id: int | None = None
    staff_merchant_name: str | None = None
    workplaces: int = 0  # how many merchants they may work in

    @property
    def is_member(self) -> bool:
        return self.membership_id is not None

    @property
    def work_merchant_id(self) -> int:
        """The merchant staff commands act in: where they work, else the current one."""
        return self.staff_merchant_id or self.merchant.id

    @property
    def works_in_several(self) -> bool:
        """Whether staff messages must say which merchant they are about."""
        return self.workplaces > 1


@dataclass(frozen=True, slots=True)
class Progress:
    """The way to the next level: either criterion gets there."""

    next_level: LevelInfo
    spend_left_minor: int
    referrals_left: int
    # 0..1 of the closer criterion, for a progress bar.
    fraction: float


@dataclass(frozen=True, slots=True)
class Card:
    merchant: MerchantView
    first_name: str | None
    balance_minor: int
    level: LevelInfo
    progress: Progress | None
    lifetime_spend_minor: int
    effective_referrals: int
    referral_code: str
    # The stamp card (stamps_needed 0: none) and promotions of today (issue 15).
    stamps: int = 0
    stamps_needed: int = 0
    stamp_reward: str | None = None
    promotions: tuple[PromotionRule, ...] = ()  # applying now or later today, best first
    cashback_on: bool = True  # off: purchases earn stamps, points only pay


@dataclass(frozen=True, slots=True)
class JoinResult:
    membership_id: int
    created: bool
    referrer_linked: bool
    welcome_bonus_minor: int
    merchant: MerchantView
    renewed: bool = False  # an existing member accepted a new version of the rules
    welcome_reward: str | None = None  # the name of the welcome gift's voucher, when one came


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime
    ttl_seconds: int
    paused: bool = False  # the staff blocked the member: the till will refuse it


@dataclass(frozen=True, slots=True)
class Birthday:
    day: int
    month: int
    year: int | None


@dataclass(frozen=True, slots=True)
class Profile:
    first_name: str | None
    birthday: Birthday | None
    phone_masked: str | None
    language: str | None
    marketing_opt_in: bool
    gift_next_year: bool = False  # a birthday just saved within the lead time before it
    member_number: int | None = None  # the membership id, which the staff can look up


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    created_at: datetime
    delta_minor: int
    balance_after_minor: int
    reason: LedgerReason
    note: str | None
    reward: str | None = None  # the voucher's reward, for reward and reward_returned entries


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    page: int
    pages: int
    total: int
    balance_minor: int


@dataclass(frozen=True, slots=True)
class StartPayload:
    merchant_slug: str | None = None
    referral_code: str | None = None
    source: str | None = None
    pay_code: str | None = None
    staff_invite: str | None = None
    # Why some or all of the payload was ignored (for logs; never shown, never personal).
    problem: str | None = None
