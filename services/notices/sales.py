"""Notices a purchase, a refund or a rating sends: to the buyer, the referrers, the admins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from services.notices.certificates import GotCertificate
from services.notices.codec import SPARSE


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    """To the buyer: what the sale spent and earned, a new level, and a request to rate it."""

    kind: ClassVar[str] = "receipt"
    purchase_id: int
    merchant: str
    amount: int
    spent: int
    earned: int
    balance: int
    currency: str
    point_value: int = 1  # rows queued before points had a value in money
    level_up: bool
    level: str
    # Rewards (issue 15); rows queued before them lack the keys.
    promotion: str | None = field(default=None, metadata=SPARSE)  # the promotion's name
    promotion_pct: int = field(default=0, metadata=SPARSE)  # its multiplier: 200 doubles
    promotion_points: int = field(default=0, metadata=SPARSE)  # its bonus
    stamps_needed: int = field(default=0, metadata=SPARSE)  # 0: the merchant has no card
    stamps: int = field(default=0, metadata=SPARSE)  # on the card after the purchase
    stamps_added: int = field(default=0, metadata=SPARSE)
    cards_full: int = field(default=0, metadata=SPARSE)  # each one a voucher
    card_reward: str | None = field(default=None, metadata=SPARSE)
    friend_gift: int = field(default=0, metadata=SPARSE)  # points: an invited friend's gift
    friend_reward: str | None = field(default=None, metadata=SPARSE)  # and its voucher
    promotion_stamps: int = field(default=0, metadata=SPARSE)  # the promotion's extra stamps
    # A partner's certificate that paid part of the check (issue 16): `amount` is the rest.
    certificate_minor: int = field(default=0, metadata=SPARSE)
    certificate_item: str | None = field(default=None, metadata=SPARSE)  # a named item's
    # The coalition (issue 16): certificates of partners the purchase handed out.
    certificates: tuple[GotCertificate, ...] = field(default=(), metadata=SPARSE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralReward:
    """To a referrer: their share of a friend's purchase, and the bonus of a first one."""

    kind: ClassVar[str] = "referral_reward"
    friend: str | None  # only for the direct referrer
    depth: int
    points: int  # share and bonus together
    bonus: int
    balance: int
    level_up: bool
    level: str


@dataclass(frozen=True, slots=True)
class HandedBack:
    """A partner's certificate the refunded sale had handed out (issue 16): withdrawn by a full
    refund, or kept (used or given to a friend already)."""

    merchant: str  # the business that accepts it
    value: int
    currency: str
    item: str | None = None
    withdrawn: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundReceipt:
    """To the buyer: what a refund returned and took back."""

    kind: ClassVar[str] = "refund"
    purchase_id: int
    amount: int
    returned: int
    reversed: int
    cash: int | None = None  # the money handed back (rows queued before it was said: None)
    kept: int = 0  # money kept back for cashback already spent
    level_reversed: int = 0
    balance: int
    currency: str
    promotion_reversed: int = field(default=0, metadata=SPARSE)  # a promotion's bonus back
    stamps_taken: int = field(default=0, metadata=SPARSE)
    gift_reversed: int = field(default=0, metadata=SPARSE)  # an invited friend's gift back
    voucher_cancelled: str | None = field(default=None, metadata=SPARSE)  # its voucher's reward
    # The certificate that paid part of the sale (issue 16): returned, kept (used) or expired.
    certificate_fate: str | None = field(default=None, metadata=SPARSE)
    certificate_minor: int = field(default=0, metadata=SPARSE)
    certificate_item: str | None = field(default=None, metadata=SPARSE)
    # The certificates the sale handed out (issue 16), on a full refund.
    handed_out: tuple[HandedBack, ...] = field(default=(), metadata=SPARSE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralReversed:
    """To a referrer: a friend's purchase was refunded, so part of the reward goes back."""

    kind: ClassVar[str] = "referral_reversed"
    friend: str | None  # only for the direct referrer
    points: int
    owed: int = 0  # already spent: comes off their next points
    balance: int
    level_reversed: int = field(default=0, metadata=SPARSE)


@dataclass(frozen=True, slots=True, kw_only=True)
class LowRatingAlert:
    """To the admins: a purchase was rated 1 or 2 stars (again with the comment, if any)."""

    kind: ClassVar[str] = "low_rating"
    stars: int
    comment: str | None = None
    purchase_id: int
    amount: int
    currency: str
    customer: str | None
    staff: str
    confirmed_at: datetime | None = None
    timezone: str = "UTC"
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class FriendJoined:
    """To a referrer: someone joined through their link."""

    kind: ClassVar[str] = "friend_joined"
    friend: str | None  # None once the friend has left and their name with them
