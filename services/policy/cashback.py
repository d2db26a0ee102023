"""What a check earns and what points may pay: cashback, redemption caps, referral shares and
fixed bonuses. Money is integers in minor units; points are whole numbers, each worth the
merchant's `point_value` minor units (>= 1), and money turns into points rounding down."""

from __future__ import annotations

from collections.abc import Sequence

from services.dto import LevelInfo

BP = 10_000  # basis points in 100 %: every rate (cashback, redemption, referral) is in them
MAX_REFERRAL_DEPTH = 3


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
