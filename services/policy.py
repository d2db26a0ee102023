"""Money policy, pure and table-tested: amounts, cashback, redemption caps, referral shares,
refund splits. Integers in minor units throughout; points round down (1 point = 1 minor unit)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.dto import LevelInfo
from services.errors import InvalidAmount
from services.numbers import MAX_POINTS, InvalidNumber, parse_int
from services.rules import level_for

BP = 10_000
MAX_REFERRAL_DEPTH = 3

_AMOUNT_RE = re.compile(r"^\s*([0-9]{1,12})(?:[.,]([0-9]+))?\s*$")


def parse_amount(text: str, exponent: int, max_minor: int | None = None) -> int:
    """`12,50`, `12.5`, `12` -> minor units. Reasons: format, decimals, zero, too_large.

    Refused: negatives, exponents (1e9), thousands separators, more decimals than the
    currency has, zero, and anything over the merchant's cap for one sale.
    """
    match = _AMOUNT_RE.match(text)
    if not match:
        raise InvalidAmount("format")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > exponent:
        raise InvalidAmount("decimals")
    minor: int = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise InvalidAmount("zero")
    if max_minor is not None and minor > max_minor:
        raise InvalidAmount("too_large")
    return minor


def parse_points(text: str) -> int:
    """A whole number of points, 0 or more."""
    try:
        return parse_int(text, 0, MAX_POINTS)
    except InvalidNumber:
        raise InvalidAmount("points_format") from None


def max_redeemable(amount_minor: int, level: LevelInfo, balance: int) -> int:
    """Points can pay at most the level's share of a check, and never more than the balance."""
    return max(0, min(balance, amount_minor * level.max_redeem_bp // BP))


def cashback(paid_minor: int, level: LevelInfo) -> int:
    """Points earned on the part of the check paid with money, at the level's rate."""
    return max(0, paid_minor) * level.cashback_bp // BP


def referral_shares(paid_minor: int, rates_bp: Sequence[int]) -> list[int]:
    """What each referrer up the chain earns on a friend's paid amount (nearest first)."""
    return [max(0, paid_minor) * rate // BP for rate in rates_bp[:MAX_REFERRAL_DEPTH]]


def proportional(total: int, part: int, whole: int) -> int:
    """`total * part / whole`, rounded down; whole > 0."""
    return total * part // whole


@dataclass(frozen=True, slots=True)
class RefundSplit:
    """How a refund of part of a purchase unwinds, for the customer."""

    points_returned: int  # points the customer had spent, given back
    cashback_reversed: int  # cashback earned on the refunded part, taken back
    cash_refund_minor: int  # money to hand back after any shortfall
    shortfall: int  # cashback already spent: kept out of the money refund


def refund_split(
    *,
    amount_minor: int,
    points_spent: int,
    cashback_earned: int,
    already_refunded_minor: int,
    refund_minor: int,
    balance: int,
) -> RefundSplit:
    """Unwind `refund_minor` of a purchase of `amount_minor`.

    The refunded share of the check returns the same share of the points spent and takes
    back the same share of the cashback earned. The last refund of a purchase settles the
    rounding, so a purchase refunded in parts unwinds exactly as one refunded at once. Cashback
    the customer has already spent can't be taken from the balance (it never goes below zero),
    so it is kept out of the money handed back: nobody keeps value they did not pay for.
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
    paid_part = refund_minor - returned  # the money share of the refunded part
    available = balance + returned
    shortfall = max(0, reversed_ - available)
    return RefundSplit(returned, reversed_, max(0, paid_part - shortfall), shortfall)


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
    left = cashback(paid_minor, by_rank[now])
    lost = cashback(paid_minor, by_rank[was]) - left
    lower = cashback_earned - max(0, min(lost, cashback_earned - left))
    held = cashback_earned - proportional(cashback_earned, refunded_minor, amount_minor)
    keeps = lower - proportional(lower, refunded_minor, amount_minor)
    return Repriced(lower, held - keeps)
