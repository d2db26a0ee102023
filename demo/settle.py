"""The money of a confirmed sale and of its full refund, as services/sales.py settles them:
pure functions on plain numbers, so the demo posts what the app would post.

The demo's one copy of the purchase rules. The simulation hands in the accounts a sale or a
refund moves and gets back the ledger postings, in order, and the accounts after them;
wiring the demo to the services' own settlement functions changes this module only.

Simpler than the service, as the demo has always been: refunds are whole (and never of the
purchase that made a referral effective), a level a refund takes away does not re-price the
purchases made at it since (services/refund_levels.py), and an erased referrer is left alone
(the service would record what they owe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from db.models import LedgerReason
from services import policy
from services.dto import LevelInfo

REDEEM = LedgerReason.REDEEM
CASHBACK = LedgerReason.CASHBACK
CLAWBACK = LedgerReason.CLAWBACK
REFERRAL = LedgerReason.REFERRAL
REFERRAL_BONUS = LedgerReason.REFERRAL_BONUS
REFERRAL_REVERSED = LedgerReason.REFERRAL_REVERSED
REFUND = LedgerReason.REFUND
CASHBACK_REVERSED = LedgerReason.CASHBACK_REVERSED


class Account(NamedTuple):
    """What settlement reads and moves on one membership."""

    balance: int  # points
    clawback: int  # points a refund could not take back, recovered from the next credits
    spend: int  # lifetime spend, money in minor units
    purchases: int
    referrals: int  # effective referrals
    rank: int  # the level held


# (whose: 0 the buyer, k the k-th other account handed in; points; ledger reason; balance after)
Posting = tuple[int, int, LedgerReason, int]


@dataclass(frozen=True, slots=True)
class Terms:
    """The merchant's terms settlement needs; build with Terms.of."""

    levels: tuple[LevelInfo, ...]  # by rank
    by_rank: dict[int, LevelInfo]
    point_value: int
    rates_bp: tuple[int, ...]  # referral shares, nearest referrer first
    referral_bonus: int  # points, on a friend's first purchase
    # What it takes to reach any level above each rank: below both, policy.level_for cannot
    # raise the level, so it is asked only when a member might move up.
    up_spend: dict[int, float]
    up_refs: dict[int, float]

    @classmethod
    def of(
        cls,
        levels: Sequence[LevelInfo],
        point_value: int,
        rates_bp: Sequence[int],
        referral_bonus: int,
    ) -> Terms:
        ordered = tuple(sorted(levels, key=lambda lv: lv.rank))
        up_spend: dict[int, float] = {}
        up_refs: dict[int, float] = {}
        for lv in ordered:
            higher = [h for h in ordered if h.rank > lv.rank]
            up_spend[lv.rank] = min((h.min_spend_minor for h in higher), default=math.inf)
            up_refs[lv.rank] = min(
                (h.min_referrals for h in higher if h.min_referrals > 0), default=math.inf
            )
        by_rank = {lv.rank: lv for lv in ordered}
        return cls(
            ordered, by_rank, point_value, tuple(rates_bp), referral_bonus, up_spend, up_refs
        )

    def level_up(self, rank: int, spend: int, referrals: int) -> int:
        """As a purchase or a referral does: the level reached, never lower than the one held."""
        if spend >= self.up_spend[rank] or referrals >= self.up_refs[rank]:
            return max(rank, policy.level_for(self.levels, spend, referrals).rank)
        return rank


class Sale(NamedTuple):
    paid: int  # the money part of the check
    cashback: int
    made_referral_effective: bool
    postings: list[Posting]
    buyer: Account
    chain: tuple[Account | None, ...]  # the referrers handed in, after the sale
    earned: tuple[tuple[int, int], ...]  # (depth, points) each rewarded referrer got


class Refunded(NamedTuple):
    points_returned: int
    cashback_reversed: int
    cash_refund_minor: int
    postings: list[Posting]
    buyer: Account
    earners: tuple[Account | None, ...]  # the referrers handed in, after the refund


def redeemable(terms: Terms, amount: int, buyer: Account) -> int:
    """The most points the buyer may pay with on a check of `amount`."""
    return policy.max_redeemable(
        amount, terms.by_rank[buyer.rank], buyer.balance, terms.point_value
    )


def settle_sale(
    terms: Terms, amount: int, points: int, buyer: Account, chain: Sequence[Account | None]
) -> Sale:
    """services.sales confirm: redeem, cashback at the level held, referral shares up the
    chain (nearest first; None for an erased member, who earns nothing more) with a bonus on
    the friend's first purchase, then levels up."""
    value = terms.point_value
    paid = policy.to_pay(amount, points, value)
    cashback = policy.cashback(paid, terms.by_rank[buyer.rank], value)
    postings: list[Posting] = []
    balance, clawback = buyer.balance, buyer.clawback
    if points:
        balance = _post(postings, 0, balance, -points, REDEEM)
    balance, clawback = _credit(postings, 0, balance, clawback, cashback, CASHBACK)
    spend, purchases = buyer.spend + paid, buyer.purchases + 1
    effective = False
    after: tuple[Account | None, ...] = ()
    earned: tuple[tuple[int, int], ...] = ()
    if chain:
        effective, after, earned = _reward_chain(terms, postings, paid, purchases == 1, chain)
    rank = terms.level_up(buyer.rank, spend, buyer.referrals)
    return Sale(
        paid,
        cashback,
        effective,
        postings,
        Account(balance, clawback, spend, purchases, buyer.referrals, rank),
        after,
        earned,
    )


def _reward_chain(
    terms: Terms,
    postings: list[Posting],
    paid: int,
    first_purchase: bool,
    chain: Sequence[Account | None],
) -> tuple[bool, tuple[Account | None, ...], tuple[tuple[int, int], ...]]:
    """The referrers' shares of a sale, and the bonus on a friend's first purchase:
    (made the referral effective, the chain after, (depth, points) each got)."""
    effective = False
    after = list(chain)
    earned: list[tuple[int, int]] = []
    shares = policy.referral_shares(paid, terms.rates_bp, terms.point_value)
    for depth, (a, share) in enumerate(zip(chain, shares, strict=False), 1):
        if a is None:
            continue
        balance, clawback, refs = a.balance, a.clawback, a.referrals
        bonus = 0
        if depth == 1 and first_purchase:
            effective = True
            refs += 1
            bonus = terms.referral_bonus
            balance, clawback = _credit(postings, depth, balance, clawback, bonus, REFERRAL_BONUS)
        balance, clawback = _credit(postings, depth, balance, clawback, share, REFERRAL)
        rank = terms.level_up(a.rank, a.spend, refs)
        after[depth - 1] = Account(balance, clawback, a.spend, a.purchases, refs, rank)
        if share > 0 or bonus > 0:
            earned.append((depth, share + bonus))
    return effective, tuple(after), tuple(earned)


def settle_refund(
    terms: Terms,
    amount: int,
    points: int,
    cashback: int,
    buyer: Account,
    earners: Sequence[tuple[Account | None, int]],
) -> Refunded:
    """services.sales refund, in full: the points spent come back, the cashback and each
    earner's referral reward (None: erased, left alone) are taken back as far as balances
    allow; what a referrer cannot give back is owed (clawback). A level is what was paid for,
    so the buyer's may go down."""
    value = terms.point_value
    owed = min(buyer.clawback, points)  # what the clawback takes from the points returned
    split = policy.refund_split(
        amount_minor=amount,
        points_spent=points,
        cashback_earned=cashback,
        already_refunded_minor=0,
        refund_minor=amount,
        balance=buyer.balance - owed,
        point_value=value,
    )
    postings: list[Posting] = []
    balance, clawback = _credit(
        postings, 0, buyer.balance, buyer.clawback, split.points_returned, REFUND
    )
    taken = split.cashback_reversed - split.shortfall
    if taken:
        balance = _post(postings, 0, balance, -taken, CASHBACK_REVERSED)
    paid = policy.refund_paid(amount, split.points_returned, value)
    spend = max(0, buyer.spend - paid)
    after: list[Account | None] = []
    for k, (a, share) in enumerate(earners, 1):
        if a is None:
            after.append(None)
            continue
        took = min(share, a.balance)
        a_balance = _post(postings, k, a.balance, -took, REFERRAL_REVERSED) if took else a.balance
        after.append(a._replace(balance=a_balance, clawback=a.clawback + share - took))
    rank = policy.level_for(terms.levels, spend, buyer.referrals).rank
    return Refunded(
        split.points_returned,
        split.cashback_reversed,
        split.cash_refund_minor,
        postings,
        Account(balance, clawback, spend, max(0, buyer.purchases - 1), buyer.referrals, rank),
        tuple(after),
    )


def credit(account: Account, amount: int, reason: LedgerReason) -> tuple[Account, list[Posting]]:
    """services.ledger.credit on one account: an unpaid clawback is recovered first."""
    postings: list[Posting] = []
    balance, clawback = _credit(postings, 0, account.balance, account.clawback, amount, reason)
    return account._replace(balance=balance, clawback=clawback), postings


def _post(
    postings: list[Posting], who: int, balance: int, delta: int, reason: LedgerReason
) -> int:
    balance += delta
    if balance < 0:
        raise RuntimeError("demo data: a balance would go below zero")  # a bug here
    postings.append((who, delta, reason, balance))
    return balance


def _credit(
    postings: list[Posting],
    who: int,
    balance: int,
    clawback: int,
    amount: int,
    reason: LedgerReason,
) -> tuple[int, int]:
    if amount <= 0:
        return balance, clawback
    balance = _post(postings, who, balance, amount, reason)
    due = min(clawback, amount)
    if due:
        balance = _post(postings, who, balance, -due, CLAWBACK)
    return balance, clawback - due
