"""Refunds: who gives back what when all or part of a purchase is refunded (refund_split), the
money it takes out of lifetime spend (refund_paid), and the cashback a later purchase loses
when a refund takes away the level it was priced at (reprice), over a member's purchases
since the refunded one (take_back_level_cashback)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.models import LedgerReason
from services.dto import LevelInfo
from services.errors import InvalidAmount
from services.policy.accounts import Book, Member, Posting
from services.policy.cashback import cashback, points_worth, to_pay
from services.policy.currency import currency_exponent, whole_units_only
from services.policy.inputs import parse_amount
from services.policy.levels import level_for
from services.policy.promotions import promotion_bonus


def parse_refund_amount(text: str, currency: str, left: int) -> int:
    """A typed refund amount, as parse_amount reads it, at most what is `left` of the sale:
    more (twenty digits too) is refund_too_large."""
    try:
        return parse_amount(
            text, currency_exponent(currency), left, whole_units=whole_units_only(currency)
        )
    except InvalidAmount as error:
        if error.reason == "too_large":
            raise InvalidAmount("refund_too_large") from None
        raise


def proportional(total: int, part: int, whole: int) -> int:
    """`total * part / whole`, rounded down; whole > 0."""
    return total * part // whole


@dataclass(frozen=True, slots=True)
class RefundSplit:
    """How a refund of part of a purchase unwinds, for the customer."""

    points_returned: int  # points the customer had spent, given back
    cashback_reversed: int  # cashback points earned on the refunded part, taken back
    cash_refund_minor: int  # money to hand back after any shortfall
    shortfall: int  # cashback points already spent: their money is kept out of the refund


def refund_split(
    *,
    amount_minor: int,
    points_spent: int,
    cashback_earned: int,
    already_refunded_minor: int,
    refund_minor: int,
    balance: int,
    point_value: int = 1,
) -> RefundSplit:
    """Unwind `refund_minor` of a purchase of `amount_minor`.

    The refunded share of the check returns the same share of the points spent and takes
    back the same share of the cashback earned. The last refund of a purchase settles the
    rounding, so a purchase refunded in parts unwinds exactly as one refunded at once. Cashback
    the customer has already spent can't be taken from the balance (it never goes below zero),
    so its money value (points * point_value) is kept out of the money handed back: nobody
    keeps value they did not pay for.
    """
    if refund_minor <= 0 or already_refunded_minor + refund_minor > amount_minor:
        raise InvalidAmount("refund_too_large")
    after = already_refunded_minor + refund_minor
    returned = proportional(points_spent, after, amount_minor) - proportional(
        points_spent, already_refunded_minor, amount_minor
    )
    reversed_ = proportional(cashback_earned, after, amount_minor) - proportional(
        cashback_earned, already_refunded_minor, amount_minor
    )
    paid_part = refund_paid(refund_minor, returned, point_value)
    available = balance + returned
    shortfall = max(0, reversed_ - available)
    cash = max(0, paid_part - points_worth(shortfall, point_value))
    return RefundSplit(returned, reversed_, cash, shortfall)


def refund_paid(refund_minor: int, points_returned: int, point_value: int = 1) -> int:
    """The money share of a refunded part: what it takes out of lifetime spend."""
    return max(0, to_pay(refund_minor, points_returned, point_value))


@dataclass(frozen=True, slots=True)
class Repriced:
    """A later purchase re-priced after a refund took away the level it was priced at."""

    cashback_minor: int  # its cashback as if bought at the level it keeps
    taken: int  # of what it still holds (its unrefunded part), to take back now


def reprice(
    levels: Sequence[LevelInfo],
    *,
    amount_minor: int,
    paid_minor: int,
    refunded_minor: int,
    cashback_earned: int,
    level_before: int,
    spend_before: int,
    referrals_before: int,
    spend_lost: int,
    referrals_lost: int,
    point_value: int = 1,
) -> Repriced:
    """Re-price a purchase whose level came partly from what a refund just took away.

    `spend_before` and `referrals_before` are what counted towards levels before the purchase
    now, the refunded money already out; `*_lost` is what this refund took out of them. The
    cashback loses what the level this refund takes away paid over the level left; a level
    kept from older thresholds or rates is not the refund's to take, so the smaller of that
    difference and the cashback over what the level left pays is what goes. Of the new
    cashback the unrefunded part is held, so a later refund of the purchase stays exact; the
    difference is taken back now.
    """
    if refunded_minor >= amount_minor:
        return Repriced(cashback_earned, 0)
    by_rank = {lv.rank: lv for lv in levels}
    was = min(
        level_before,
        level_for(levels, spend_before + spend_lost, referrals_before + referrals_lost).rank,
    )
    now = min(level_before, level_for(levels, spend_before, referrals_before).rank)
    if now >= was:
        return Repriced(cashback_earned, 0)
    left = cashback(paid_minor, by_rank[now], point_value)
    lost = cashback(paid_minor, by_rank[was], point_value) - left
    lower = cashback_earned - max(0, min(lost, cashback_earned - left))
    held = cashback_earned - proportional(cashback_earned, refunded_minor, amount_minor)
    keeps = lower - proportional(lower, refunded_minor, amount_minor)
    return Repriced(lower, held - keeps)


Moment = tuple[datetime, int]  # (confirmed_at, purchase id): the order purchases happened in


@dataclass(frozen=True, slots=True)
class PricedPurchase:
    """A member's confirmed purchase, as re-pricing after a lost level reads it."""

    id: int
    at: Moment
    amount_minor: int
    points_spent: int
    refunded_minor: int
    money_refunded: int  # the money part of its refunds: what left lifetime spend
    cashback: int  # points it holds now
    level_before: int
    bonus_pct: int = 100  # the promotion it earned under multiplied its cashback so (100: none)


def held_bonus(purchase: PricedPurchase, cashback: int) -> int:
    """What a promotion's bonus on `cashback` leaves the member of the purchase's unrefunded
    part (the bonus follows the cashback it multiplied, re-priced too)."""
    bonus = promotion_bonus(cashback, purchase.bonus_pct)
    return bonus - proportional(bonus, purchase.refunded_minor, purchase.amount_minor)


@dataclass(frozen=True, slots=True)
class LevelTakeBack:
    cashbacks: tuple[tuple[int, int], ...]  # (purchase id, its cashback re-priced)
    postings: tuple[Posting, ...]  # LEVEL_REVERSED (and PROMOTION_REVERSED of a promotion's
    #                                bonus on it), each against the purchase re-priced
    taken: int  # points taken back in all: off the balance, or owed
    member: Member  # balance and clawback after


def take_back_level_cashback(
    levels: Sequence[LevelInfo],
    member: Member,
    history: Sequence[PricedPurchase],
    effective: Sequence[Moment],
    *,
    spend_lost: tuple[Moment, int] | None = None,
    referral_moved: tuple[Moment, Moment | None] | None = None,
    point_value: int = 1,
) -> LevelTakeBack:
    """Re-price `member`'s purchases (`history`, in order) after a refund.

    `spend_lost`: the refunded purchase and the money that left lifetime spend with it.
    `referral_moved`: a friend's referral that was effective from the first moment is now
    effective from the second one, or not at all. `effective`: when each of the member's
    referrals became effective, in order. Each purchase priced at a level that came from
    what was lost is re-priced (reprice); what the balance no longer holds is owed, a
    clawback. `point_value` tells the money part of a check from its points: spend and levels
    count money, the balance counts points.
    """
    book = Book([member])
    spend = total = owed = 0
    cashbacks = []
    for purchase in history:
        at = purchase.at
        lost = spend_lost[1] if spend_lost is not None and spend_lost[0] < at else 0
        refs_lost = 0
        if referral_moved is not None:
            was, then = referral_moved
            refs_lost = int(was < at) - int(then is not None and then < at)
        paid = to_pay(purchase.amount_minor, purchase.points_spent, point_value)
        if lost or refs_lost > 0:
            priced = reprice(
                levels,
                amount_minor=purchase.amount_minor,
                paid_minor=paid,
                refunded_minor=purchase.refunded_minor,
                cashback_earned=purchase.cashback,
                level_before=purchase.level_before,
                spend_before=spend,
                referrals_before=bisect_left(effective, at),
                spend_lost=lost,
                referrals_lost=refs_lost,
                point_value=point_value,
            )
            cashbacks.append((purchase.id, priced.cashback_minor))
            bonus = held_bonus(purchase, purchase.cashback)
            bonus -= held_bonus(purchase, priced.cashback_minor)
            for due, reason in (
                (priced.taken, LedgerReason.LEVEL_REVERSED),
                (bonus, LedgerReason.PROMOTION_REVERSED),
            ):
                taken = min(due, book[member.id].balance)
                if taken:
                    book.post(member.id, -taken, reason, purchase.id)
                total += due
                owed += due - taken
        spend += paid - purchase.money_refunded
    after = book.set(member.id, clawback_due=member.clawback_due + owed)
    return LevelTakeBack(tuple(cashbacks), tuple(book.postings), total, after)
