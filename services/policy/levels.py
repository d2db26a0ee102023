"""Levels: the defaults of a new merchant, what makes a set valid, which level lifetime spend
or effective referrals reach, and what is left to the next one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from services.dto import LevelInfo, Progress
from services.errors import InvalidLevels
from services.policy.cashback import BP
from services.policy.currency import cafe_unit


def default_levels(currency: str) -> list[LevelInfo]:
    """Five levels that make sense for a café: thresholds by lifetime spend or by friends."""
    unit = cafe_unit(currency)
    rows = [
        # name, spend (in café euros), effective referrals, cashback bp, max share payable bp
        ("Bronze", 0, 0, 300, 2000),
        ("Silver", 100, 2, 500, 3000),
        ("Gold", 300, 5, 700, 4000),
        ("Platinum", 700, 10, 1000, 5000),
        ("Diamond", 1500, 20, 1200, 5000),
    ]
    return [
        LevelInfo(rank, name, spend * unit, refs, cashback, redeem)
        for rank, (name, spend, refs, cashback, redeem) in enumerate(rows)
    ]


def validate_levels(levels: Sequence[LevelInfo]) -> None:
    """Ranks 0..n-1, the first free, thresholds and rates never falling as ranks rise."""
    if not 1 <= len(levels) <= 10:
        raise InvalidLevels("between 1 and 10 levels")
    ordered = sorted(levels, key=lambda lv: lv.rank)
    if [lv.rank for lv in ordered] != list(range(len(ordered))):
        raise InvalidLevels("ranks must be 0, 1, 2, ... without gaps")
    first = ordered[0]
    if first.min_spend_minor != 0 or first.min_referrals != 0:
        raise InvalidLevels("the first level must need nothing")
    for lv in ordered:
        if not lv.name.strip() or len(lv.name) > 40:
            raise InvalidLevels("each level needs a name of at most 40 characters")
        if not (0 <= lv.cashback_bp <= BP and 0 <= lv.max_redeem_bp <= BP):
            raise InvalidLevels("rates must be between 0 and 100 %")
        if lv.min_spend_minor < 0 or lv.min_referrals < 0:
            raise InvalidLevels("thresholds cannot be negative")
    for lower, higher in itertools.pairwise(ordered):
        if higher.min_spend_minor < lower.min_spend_minor:
            raise InvalidLevels("spend thresholds must not fall as levels rise")
        if higher.min_referrals < lower.min_referrals:
            raise InvalidLevels("referral thresholds must not fall as levels rise")


def _reached(level: LevelInfo, spend: int, referrals: int) -> bool:
    by_spend = spend >= level.min_spend_minor
    # A level with no referral threshold can't be reached by referrals alone, unless it is free.
    by_refs = level.min_referrals > 0 and referrals >= level.min_referrals
    return by_spend or by_refs


def level_for(levels: Sequence[LevelInfo], spend_minor: int, referrals: int) -> LevelInfo:
    """The highest level reached by lifetime spend or by effective referrals."""
    ordered = sorted(levels, key=lambda lv: lv.rank)
    best = ordered[0]
    for lv in ordered:
        if _reached(lv, spend_minor, referrals):
            best = lv
    return best


def progress_to_next(
    levels: Sequence[LevelInfo], current_rank: int, spend_minor: int, referrals: int
) -> Progress | None:
    """What is left to reach the level above the current one; None at the top."""
    above = sorted((lv for lv in levels if lv.rank > current_rank), key=lambda lv: lv.rank)
    if not above:
        return None
    nxt = above[0]
    spend_left = max(0, nxt.min_spend_minor - spend_minor)
    refs_left = max(0, nxt.min_referrals - referrals) if nxt.min_referrals > 0 else 0
    fractions = [min(1.0, spend_minor / nxt.min_spend_minor) if nxt.min_spend_minor else 1.0]
    if nxt.min_referrals > 0:
        fractions.append(min(1.0, referrals / nxt.min_referrals))
    return Progress(nxt, spend_left, refs_left, max(fractions))
