"""Settling a refund in plain values: from the purchase, the buyer's counters and the
referrers' rewards on it to the ledger postings in the order they are written and everyone's
counters after (services/refunds.py writes them). A purchase's side is settlement.py's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from db.models import LedgerReason
from services.dto import LevelInfo
from services.policy.accounts import Book, Member, Posting
from services.policy.levels import level_for
from services.policy.refunds import RefundSplit, proportional, refund_paid, refund_split
from services.policy.stamp_book import NO_STAMPS, StampsBack, stamps_back


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    """A confirmed purchase, as much of it as a refund reads."""

    amount_minor: int
    points_spent: int
    cashback: int  # points it holds now (re-pricing after a lost level may have lowered it)
    refunded_minor: int = 0  # refunded before this refund
    made_referral_effective: bool = False
    promotion_bonus: int = 0  # points a promotion added (its `promotion` ledger entries)
    friend_gift: int = 0  # points of an invited friend's gift it brought
    stamps_earned: int = 0
    stamps_on_card: int | None = None  # of them, not in a voucher yet (None: all of them)


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
    promotion_reversed: int = 0  # the refunded share of the promotion's bonus
    promotion_owed: int = 0  # of it, what the balance did not hold: a clawback
    gift_reversed: int = 0  # the refunded share of an invited friend's gift
    # (gift_owed: of it, a clawback)
    gift_owed: int = 0
    stamps: StampsBack = NO_STAMPS

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
    # A promotion's bonus and a friend's gift came with the purchase: they go as it goes.
    promotion = _take_back(
        book,
        buyer.id,
        purchase.promotion_bonus,
        (was, after),
        purchase,
        LedgerReason.PROMOTION_REVERSED,
    )
    gift = _take_back(
        book,
        buyer.id,
        purchase.friend_gift,
        (was, after),
        purchase,
        LedgerReason.FRIEND_GIFT_REVERSED,
    )
    stamps = stamps_back(
        purchase.stamps_earned,
        purchase.amount_minor,
        was,
        refund_minor,
        buyer.stamps,
        purchase.stamps_on_card,
    )
    book.set(buyer.id, stamps=buyer.stamps - stamps.taken)
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
        promotion_reversed=promotion[0],
        promotion_owed=promotion[1],
        gift_reversed=gift[0],
        gift_owed=gift[1],
        stamps=stamps,
    )


def _take_back(
    book: Book,
    member: int,
    total: int,
    refunded: tuple[int, int],
    purchase: PurchaseFacts,
    reason: LedgerReason,
) -> tuple[int, int]:
    """Points a purchase brought beside cashback (`total`), taken back in the proportion
    refunded (`refunded`: before and after this refund), as cashback is; what the balance no
    longer holds becomes a clawback, recovered from later credits. (taken in all, of it
    owed)."""
    was, after = refunded
    share = proportional(total, after, purchase.amount_minor)
    share -= proportional(total, was, purchase.amount_minor)
    if share <= 0:
        return 0, 0
    held = min(share, book[member].balance)
    if held:
        book.post(member, -held, reason)
    book.set(member, clawback_due=book[member].clawback_due + share - held)
    return share, share - held
