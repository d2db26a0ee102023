"""Settling a purchase, in plain values: from the check, the buyer's counters, the referrer
chain and the merchant's rates (cashback, a promotion, the stamp card, a friend's gift) to the
ledger postings in the order they are written and everyone's counters after. The till
(services/purchases.py) writes what these return; nothing here reads or writes a database. A
refund's side is refund_settlement.py's (its names are here too, for the callers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db.models import LedgerReason
from services.dto import LevelInfo
from services.policy.accounts import Book, Member, Posting
from services.policy.cashback import bonus_points, cashback, referral_shares, to_pay
from services.policy.levels import level_for
from services.policy.promotions import (
    PromotionRule,
    StampRule,
    best_promotion,
    promotion_bonus,
)
from services.policy.refund_settlement import PurchaseFacts as PurchaseFacts
from services.policy.refund_settlement import ReferralChange as ReferralChange
from services.policy.refund_settlement import ReferralReversal as ReferralReversal
from services.policy.refund_settlement import RefundSettlement as RefundSettlement
from services.policy.refund_settlement import buyer_split as buyer_split
from services.policy.refund_settlement import settle_refund as settle_refund
from services.policy.stamp_book import StampMove, stamp_purchase

# --- a purchase ----------------------------------------------------------------------------


def priced_level(levels: Sequence[LevelInfo], rank: int) -> LevelInfo:
    """The level a purchase is priced at: the buyer's; past the top (an owner removed the top
    level in /settings) the top one, as their card shows; else the first."""
    fallback = levels[-1] if rank > levels[-1].rank else levels[0]
    return next((lv for lv in levels if lv.rank == rank), fallback)


def opens_referral(buyer: Member, chain: Sequence[Member]) -> bool:
    """This purchase is the buyer's first and their referrer can still earn: it makes the
    referral effective, if this person never made it so before (services.grants checks)."""
    return buyer.purchases == 0 and bool(chain) and not (chain[0].erased or chain[0].blocked)


def promotion_at(
    rules: Sequence[PromotionRule], now: datetime, timezone: str, level_rank: int
) -> PromotionRule | None:
    """The promotion a purchase at `now` by a member of `level_rank` earns under, in the
    merchant's local time (best_promotion)."""
    if not rules:
        return None
    return best_promotion(rules, now.astimezone(ZoneInfo(timezone)), level_rank)


def earnings(
    paid_minor: int,
    level: LevelInfo,
    point_value: int,
    cashback_on: bool,
    promotion: PromotionRule | None,
) -> tuple[int, int]:
    """Cashback on the money paid and a promotion's bonus on top of it (reported apart, so
    reports can cost it); neither when the merchant turned cashback off."""
    if not cashback_on:
        return 0, 0
    earned = cashback(paid_minor, level, point_value)
    return earned, promotion_bonus(earned, promotion.multiplier_pct) if promotion else 0


@dataclass(frozen=True, slots=True)
class Extras:
    """What a purchase may earn beside cashback and referrals (issue 15)."""

    cashback_on: bool = True
    promotion: PromotionRule | None = None  # the one it earns under (best_promotion)
    stamp_rule: StampRule | None = None  # the merchant's card; None: no card
    stamped_today: bool = False  # the buyer holds a stamp of today (daily-once cards)
    friend_gift_minor: int = 0  # an invited friend's first purchase: their gift, as money


@dataclass(frozen=True, slots=True)
class ReferralReward:
    """What one referrer up the chain got from a friend's purchase."""

    depth: int  # 1: the friend's own referrer
    member: Member  # after the purchase
    share: int  # points: the depth's referral rate on the money paid
    bonus: int  # points: the merchant's bonus for a friend's first purchase (depth 1 only)
    level_before: int

    @property
    def news(self) -> bool:
        """Worth telling the referrer: they earned something or rose a level."""
        return bool(self.share or self.bonus) or self.member.level_rank > self.level_before


@dataclass(frozen=True, slots=True)
class PurchaseSettlement:
    paid_minor: int  # the money part of the check
    cashback: int  # points the buyer earns on it
    postings: tuple[Posting, ...]  # all against this purchase
    buyer: Member  # after: balance, lifetime spend, purchases, level
    level_before: int
    rewards: tuple[ReferralReward, ...]  # each live referrer up the chain, nearest first
    made_referral_effective: bool
    members: tuple[Member, ...]  # everyone's counters after, the buyer first
    promotion_bonus: int = 0  # points a promotion added to the cashback
    promotion: PromotionRule | None = None  # the promotion it earned under, if any
    stamps: StampMove | None = None  # None: the merchant runs no stamp card
    friend_gift: int = 0  # points: an invited friend's gift on their first purchase


def settle_purchase(
    levels: Sequence[LevelInfo],
    buyer: Member,
    chain: Sequence[Member],
    *,
    amount_minor: int,
    points_spent: int,
    rates_bp: Sequence[int],
    referral_bonus_minor: int,
    first_referral: bool = False,
    point_value: int = 1,
    extras: Extras = Extras(),
) -> PurchaseSettlement:
    """Confirm a purchase: the points spent go out, cashback at the level held comes in, each
    referrer up the chain (nearest first) earns their share of the money paid, and levels
    only rise. `first_referral`: this purchase makes the buyer's referral effective (see
    opens_referral): the referrer counts it and earns the merchant's bonus. Spending more
    than max_redeemable allows is the caller's to refuse; more than the balance raises
    ValueError. `extras`: cashback off, a promotion, the stamp card, a friend's gift."""
    book = Book([buyer, *chain])
    paid = to_pay(amount_minor, points_spent, point_value)
    level = priced_level(levels, buyer.level_rank)
    promotion = extras.promotion
    earned, boost = earnings(paid, level, point_value, extras.cashback_on, promotion)
    gift = bonus_points(extras.friend_gift_minor, point_value)
    if points_spent:
        book.post(buyer.id, -points_spent, LedgerReason.REDEEM)
    book.credit(buyer.id, earned, LedgerReason.CASHBACK)
    book.credit(buyer.id, boost, LedgerReason.PROMOTION)
    book.credit(buyer.id, gift, LedgerReason.FRIEND_GIFT)
    stamps = None
    if extras.stamp_rule is not None:
        extra = promotion.extra_stamps if promotion else 0
        stamps = stamp_purchase(
            extras.stamp_rule, buyer.stamps, amount_minor, extras.stamped_today, extra
        )
        book.set(buyer.id, stamps=stamps.after)
    book.set(buyer.id, spend_minor=buyer.spend_minor + paid, purchases=buyer.purchases + 1)
    shares = referral_shares(paid, rates_bp, point_value)
    rewards = []
    effective = False
    for depth, (referrer, share) in enumerate(zip(chain, shares, strict=False), 1):
        if referrer.erased or referrer.blocked:
            continue  # an erased member earns nothing more; a blocked one nothing for now
        bonus = 0
        if depth == 1 and first_referral:
            effective = True
            book.set(referrer.id, referrals=book[referrer.id].referrals + 1)
            bonus = bonus_points(referral_bonus_minor, point_value)
            book.credit(referrer.id, bonus, LedgerReason.REFERRAL_BONUS)
        book.credit(referrer.id, share, LedgerReason.REFERRAL)
        before = book[referrer.id].level_rank
        rewards.append(
            ReferralReward(depth, _rise(book, referrer.id, levels), share, bonus, before)
        )
    after = _rise(book, buyer.id, levels)
    return PurchaseSettlement(
        paid_minor=paid,
        cashback=earned,
        postings=tuple(book.postings),
        buyer=after,
        level_before=buyer.level_rank,
        rewards=tuple(rewards),
        made_referral_effective=effective,
        members=book.after(),
        promotion_bonus=boost,
        promotion=promotion if boost or (stamps and stamps.extra) else None,
        stamps=stamps,
        friend_gift=gift,
    )


def _rise(book: Book, member_id: int, levels: Sequence[LevelInfo]) -> Member:
    """A purchase or a referral moves a member up to the level reached, never down."""
    m = book[member_id]
    reached = level_for(levels, m.spend_minor, m.referrals).rank
    return book.set(member_id, level_rank=reached) if reached > m.level_rank else m
