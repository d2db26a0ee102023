"""Money policy, pure and table-tested: amounts, cashback, redemption caps, referral shares,
refund splits. Money is integers in minor units; points are whole numbers, each worth the
merchant's `point_value` minor units (>= 1), and money turns into points rounding down."""

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


def parse_amount(
    text: str, exponent: int, max_minor: int | None = None, *, whole_units: bool = False
) -> int:
    """`12,50`, `12.5`, `12` -> minor units. Reasons: format, decimals, whole, zero, too_large.

    Refused: negatives, exponents (1e9), thousands separators, more decimals than the
    currency has, any decimals at all in a whole-units currency (rules.whole_units_only),
    zero, and anything over the merchant's cap for one sale.
    """
    match = _AMOUNT_RE.match(text)
    if not match:
        raise InvalidAmount("format")
    whole, fraction = match.group(1), match.group(2) or ""
    if whole_units and fraction.strip("0"):
        raise InvalidAmount("whole", whole=int(whole))
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


def max_redeemable(amount_minor: int, level: LevelInfo, balance: int, point_value: int = 1) -> int:
    """Points can pay at most the level's share of a check, and never more than the balance."""
    return max(0, min(balance, amount_minor * level.max_redeem_bp // BP // point_value))


def points_worth(points: int, point_value: int = 1) -> int:
    """The money `points` cover, in minor units."""
    return points * point_value


def to_pay(amount_minor: int, points: int, point_value: int = 1) -> int:
    """The money part of a check of which `points` pay the rest."""
    return amount_minor - points * point_value


def bonus_points(bonus_minor: int, point_value: int = 1) -> int:
    """A fixed bonus set as money (welcome, referral, birthday) in points, rounded down."""
    return max(0, bonus_minor) // point_value


def cashback(paid_minor: int, level: LevelInfo, point_value: int = 1) -> int:
    """Points earned on the part of the check paid with money, at the level's rate."""
    return max(0, paid_minor) * level.cashback_bp // BP // point_value


def referral_shares(paid_minor: int, rates_bp: Sequence[int], point_value: int = 1) -> list[int]:
    """Points each referrer up the chain earns on a friend's paid amount (nearest first)."""
    return [
        max(0, paid_minor) * rate // BP // point_value for rate in rates_bp[:MAX_REFERRAL_DEPTH]
    ]


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
