"""Settling a purchase and a refund, in plain values: from the check, the buyer's counters,
the referrer chain and the merchant's rates to the ledger postings in the order they are
written and everyone's counters after. The till (services/purchases.py, services/refunds.py)
writes what these return; nothing here reads or writes a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from db.models import LedgerReason
from services.dto import LevelInfo
from services.policy.accounts import Book, Member, Posting
from services.policy.cashback import bonus_points, cashback, referral_shares, to_pay
from services.policy.levels import level_for
from services.policy.refunds import RefundSplit, proportional, refund_paid, refund_split

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
) -> PurchaseSettlement:
    """Confirm a purchase: the points spent go out, cashback at the level held comes in, each
    referrer up the chain (nearest first) earns their share of the money paid, and levels
    only rise. `first_referral`: this purchase makes the buyer's referral effective (see
    opens_referral): the referrer counts it and earns the merchant's bonus. Spending more
    than max_redeemable allows is the caller's to refuse; more than the balance raises
    ValueError."""
    book = Book([buyer, *chain])
    paid = to_pay(amount_minor, points_spent, point_value)
    earned = cashback(paid, priced_level(levels, buyer.level_rank), point_value)
    if points_spent:
        book.post(buyer.id, -points_spent, LedgerReason.REDEEM)
    book.credit(buyer.id, earned, LedgerReason.CASHBACK)
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
    )


def _rise(book: Book, member_id: int, levels: Sequence[LevelInfo]) -> Member:
    """A purchase or a referral moves a member up to the level reached, never down."""
    m = book[member_id]
    reached = level_for(levels, m.spend_minor, m.referrals).rank
    return book.set(member_id, level_rank=reached) if reached > m.level_rank else m


# --- a refund ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    """A confirmed purchase, as much of it as a refund reads."""

    amount_minor: int
    points_spent: int
    cashback: int  # points it holds now (re-pricing after a lost level may have lowered it)
    refunded_minor: int = 0  # refunded before this refund
    made_referral_effective: bool = False


class ReferralChange(StrEnum):
    """What a refund does to the referral a friend's purchase made effective."""

    KEPT = "kept"  # not refunded in full, or not the purchase that made it effective
    MOVED = "moved"  # the friend's oldest other open purchase makes it effective now
    DROPPED = "dropped"  # no longer effective: the friend's next purchase is a first one


@dataclass(frozen=True, slots=True)
class ReferralReversal:
    """A referrer's rewards on the purchase, taken back in the refunded proportion."""

    member: int
    points: int
    owed: int  # of them, what the balance did not hold: a clawback


@dataclass(frozen=True, slots=True)
class RefundSettlement:
    split: RefundSplit
    paid_minor: int  # the money part of the refund: what leaves lifetime spend
    postings: tuple[Posting, ...]  # all against the refunded purchase
    buyer: Member  # after: balance, clawback, spend, purchases, level (it may fall)
    reversals: tuple[ReferralReversal, ...]
    fully_refunded: bool
    referral: ReferralChange
    members: tuple[Member, ...]  # everyone's counters after, the buyer first

    @property
    def cashback_taken(self) -> int:
        """Cashback taken off the balance; what was already spent is kept from the money."""
        return self.split.cashback_reversed - self.split.shortfall


def buyer_split(
    purchase: PurchaseFacts, buyer: Member, refund_minor: int, point_value: int = 1
) -> RefundSplit:
    """refund_split for the buyer: the points returned first settle an unpaid clawback, and
    only the rest is there to take the reversed cashback from. An erased buyer's returned
    points are forfeited at once, so none of them is there: the cashback that can't be taken
    back stays out of the money, as for anyone whose balance no longer holds it."""
    shares = {
        "amount_minor": purchase.amount_minor,
        "points_spent": purchase.points_spent,
        "cashback_earned": purchase.cashback,
        "already_refunded_minor": purchase.refunded_minor,
        "refund_minor": refund_minor,
    }
    returned = refund_split(**shares, balance=0, point_value=point_value).points_returned
    held = returned if buyer.erased else min(buyer.clawback_due, returned)
    return refund_split(**shares, balance=buyer.balance - held, point_value=point_value)


def settle_refund(
    levels: Sequence[LevelInfo],
    purchase: PurchaseFacts,
    buyer: Member,
    *,
    refund_minor: int,
    referral_earned: Sequence[tuple[Member, int]] = (),
    referrer: Member | None = None,
    successor: bool = False,
    point_value: int = 1,
) -> RefundSettlement:
    """Refund `refund_minor` of a purchase (refund_split says who gives back what).

    `referral_earned`: each referrer's rewards on this purchase (shares and bonus), in the
    order earned; the refunded proportion is taken back, and what their balance no longer
    holds becomes a clawback. `referrer`: the buyer's own, and `successor`: the buyer has
    another open purchase, for a purchase that made the referral effective and is now
    refunded in full. The buyer's level follows what is left of their spend, down too; the
    cashback a lost level gave later purchases is take_back_level_cashback's.
    """
    own = [referrer] if referrer is not None else []
    book = Book([buyer, *(member for member, _ in referral_earned), *own])
    split = buyer_split(purchase, buyer, refund_minor, point_value)
    paid = refund_paid(refund_minor, split.points_returned, point_value)
    book.credit(buyer.id, split.points_returned, LedgerReason.REFUND)
    taken = split.cashback_reversed - split.shortfall
    if taken:
        book.post(buyer.id, -taken, LedgerReason.CASHBACK_REVERSED)
    book.set(buyer.id, spend_minor=max(0, buyer.spend_minor - paid))
    was, after = purchase.refunded_minor, purchase.refunded_minor + refund_minor
    reversals = []
    for member, total in referral_earned:
        share = proportional(total, after, purchase.amount_minor)
        share -= proportional(total, was, purchase.amount_minor)
        if share <= 0:
            continue
        held = min(share, book[member.id].balance)
        if held:
            book.post(member.id, -held, LedgerReason.REFERRAL_REVERSED)
        book.set(member.id, clawback_due=book[member.id].clawback_due + share - held)
        reversals.append(ReferralReversal(member.id, share, share - held))
    fully = after == purchase.amount_minor
    change = ReferralChange.KEPT
    if fully:
        book.set(buyer.id, purchases=max(0, book[buyer.id].purchases - 1))
        if purchase.made_referral_effective:
            change = ReferralChange.MOVED if successor else ReferralChange.DROPPED
    if change is ReferralChange.DROPPED and referrer is not None:
        refs = max(0, book[referrer.id].referrals - 1)
        spend = book[referrer.id].spend_minor
        book.set(referrer.id, referrals=refs, level_rank=level_for(levels, spend, refs).rank)
    # A refund can take a level away: a level is what was paid for.
    now = book[buyer.id]
    book.set(buyer.id, level_rank=level_for(levels, now.spend_minor, now.referrals).rank)
    return RefundSettlement(
        split=split,
        paid_minor=paid,
        postings=tuple(book.postings),
        buyer=book[buyer.id],
        reversals=tuple(reversals),
        fully_refunded=fully,
        referral=change,
        members=book.after(),
    )
