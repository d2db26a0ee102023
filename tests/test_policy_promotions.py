"""The pure rules of promotions and stamps (services/policy/promotions.py), as tables: which
purchase a promotion covers (hours past midnight, weekdays, dates inclusive, levels), which one
wins, what it adds, how many stamps a check earns, and how stamps fill cards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.policy.promotions import (
    Phase,
    PromotionRule,
    StampRule,
    applies,
    best_promotion,
    fill_cards,
    phase,
    promotion_bonus,
    stamps_earned,
)

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << d for d in range(7))
WORKDAYS = MON | TUE | WED | THU | FRI
# 2026-12-07 is a Monday; times are the merchant's local ones.
WARSAW = ZoneInfo("Europe/Warsaw")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WARSAW)


def rule(id: int = 1, **fields: Any) -> PromotionRule:
    return PromotionRule(id=id, name="p", **fields)


NOON_TO_THREE = {"start_minute": 12 * 60, "end_minute": 15 * 60}
LATE = {"start_minute": 22 * 60, "end_minute": 2 * 60}  # 22:00-02:00, past midnight


@pytest.mark.parametrize(
    ("fields", "local", "rank", "expected"),
    [
        ({}, at(7, 0, 0), 0, True),  # every day, all day, always
        (NOON_TO_THREE, at(7, 12, 0), 0, True),  # the start is inside
        (NOON_TO_THREE, at(7, 14, 59), 0, True),
        (NOON_TO_THREE, at(7, 15, 0), 0, False),  # the end is not
        (NOON_TO_THREE, at(7, 11, 59), 0, False),
        (LATE, at(7, 22, 0), 0, True),
        (LATE, at(7, 23, 59), 0, True),
        (LATE, at(8, 1, 59), 0, True),  # past midnight: still Monday's evening
        (LATE, at(8, 2, 0), 0, False),
        (LATE, at(7, 12, 0), 0, False),
        # Hours past midnight belong to the day they began: Friday's late hours run into
        # Saturday, Sunday's into Monday.
        ({**LATE, "weekdays": FRI}, at(12, 1, 0), 0, True),  # Saturday 01:00
        ({**LATE, "weekdays": FRI}, at(12, 23, 0), 0, False),  # Saturday 23:00
        ({**LATE, "weekdays": SUN}, at(14, 1, 0), 0, True),  # Monday 01:00
        ({**LATE, "weekdays": MON}, at(7, 1, 0), 0, False),  # Monday 01:00 is Sunday's
        ({"weekdays": WORKDAYS}, at(11, 9), 0, True),  # Friday
        ({"weekdays": WORKDAYS}, at(12, 9), 0, False),  # Saturday
        ({"weekdays": SAT | SUN}, at(13, 9), 0, True),  # Sunday
        ({"weekdays": SAT | SUN}, at(7, 9), 0, False),
        # Dates are inclusive at both ends.
        ({"starts_on": date(2026, 12, 1), "ends_on": date(2026, 12, 31)}, at(1, 0), 0, True),
        ({"starts_on": date(2026, 12, 1), "ends_on": date(2026, 12, 31)}, at(31, 23, 59), 0, True),
        ({"starts_on": date(2026, 12, 2)}, at(1, 23, 59), 0, False),
        ({"ends_on": date(2026, 12, 6)}, at(7, 0, 0), 0, False),
        # The last day's late hours run into the day after; the first day's early hours are
        # the day before's.
        ({**LATE, "ends_on": date(2026, 12, 6)}, at(7, 1, 0), 0, True),
        ({**LATE, "starts_on": date(2026, 12, 7)}, at(7, 1, 0), 0, False),
        # From a level up.
        ({"min_level_rank": 2}, at(7, 12), 1, False),
        ({"min_level_rank": 2}, at(7, 12), 2, True),
        ({"min_level_rank": 2}, at(7, 12), 4, True),
        # All together.
        (
            {**NOON_TO_THREE, "weekdays": WORKDAYS, "min_level_rank": 1},
            at(9, 13, 30),
            1,
            True,
        ),
        (
            {**NOON_TO_THREE, "weekdays": WORKDAYS, "min_level_rank": 1},
            at(9, 13, 30),
            0,
            False,
        ),
    ],
)
def test_applies(fields: dict[str, Any], local: datetime, rank: int, expected: bool) -> None:
    assert applies(rule(**fields), local, rank) is expected


def test_best_promotion_highest_multiplier_then_stamps_then_oldest() -> None:
    double = rule(id=5, multiplier_pct=200)
    triple = rule(id=9, multiplier_pct=300)
    stamps = rule(id=3, multiplier_pct=200, extra_stamps=2)
    older_twin = rule(id=2, multiplier_pct=200, extra_stamps=2)
    evening = rule(id=1, multiplier_pct=500, **LATE)
    noon = at(7, 12)
    assert best_promotion([], noon, 0) is None
    assert best_promotion([evening], noon, 0) is None
    assert best_promotion([double, triple], noon, 0) == triple
    assert best_promotion([double, stamps], noon, 0) == stamps
    assert best_promotion([stamps, older_twin, double], noon, 0) == older_twin
    assert best_promotion([double, triple, evening], at(7, 23), 0) == evening
    gold_only = rule(id=4, multiplier_pct=300, min_level_rank=2)
    assert best_promotion([double, gold_only], noon, 1) == double
    assert best_promotion([double, gold_only], noon, 2) == gold_only


@pytest.mark.parametrize(
    ("cashback", "pct", "bonus"),
    [
        (0, 200, 0),
        (10, 100, 0),  # ×1: no more points
        (10, 200, 10),
        (10, 300, 20),
        (7, 150, 3),  # 3.5 rounds down
        (1, 150, 0),
        (333, 125, 83),  # 83.25
        (99, 199, 98),  # 98.01
        (10**12, 1000, 9 * 10**12),  # no overflow in Python, no float
    ],
)
def test_promotion_bonus_rounds_down(cashback: int, pct: int, bonus: int) -> None:
    assert promotion_bonus(cashback, pct) == bonus


@pytest.mark.parametrize(
    ("stamp_rule", "amount", "stamped_today", "earned"),
    [
        (StampRule(10), 1, False, 1),  # one per check
        (StampRule(10), 100_000, False, 1),
        (StampRule(10), 0, False, 0),
        (StampRule(10), -500, False, 0),
        (StampRule(10), 500, True, 1),  # not daily-once: stamped again
        (StampRule(10, min_amount_minor=500), 499, False, 0),
        (StampRule(10, min_amount_minor=500), 500, False, 1),  # the minimum itself counts
        (StampRule(10, step_minor=1000), 999, False, 0),
        (StampRule(10, step_minor=1000), 1000, False, 1),
        (StampRule(10, step_minor=1000), 3999, False, 3),
        (StampRule(10, step_minor=0), 3999, False, 1),  # a zero step is no step
        (StampRule(10, daily_once=True), 500, False, 1),
        (StampRule(10, daily_once=True), 500, True, 0),
        (StampRule(10, step_minor=1000, daily_once=True), 5000, False, 1),  # at most one
        (StampRule(10, step_minor=1000, daily_once=True), 5000, True, 0),
        (StampRule(10, min_amount_minor=500, step_minor=200), 400, False, 0),
        (StampRule(10, min_amount_minor=500, step_minor=200), 600, False, 3),
    ],
)
def test_stamps_earned(
    stamp_rule: StampRule, amount: int, stamped_today: bool, earned: int
) -> None:
    assert stamps_earned(stamp_rule, amount, stamped_today) == earned


@pytest.mark.parametrize(
    ("stamps", "needed", "cards"),
    [
        (0, 10, (0, 0)),
        (9, 10, (0, 9)),
        (10, 10, (1, 0)),
        (11, 10, (1, 1)),
        (25, 10, (2, 5)),
        (3, 1, (3, 0)),
        (7, 0, (0, 7)),  # no card: nothing fills
    ],
)
def test_fill_cards(stamps: int, needed: int, cards: tuple[int, int]) -> None:
    assert fill_cards(stamps, needed) == cards


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("fields", "ended_early", "expected"),
    [
        ({}, False, Phase.RUNNING),
        ({}, True, Phase.ENDED),
        ({"starts_on": TODAY, "ends_on": TODAY}, False, Phase.RUNNING),
        ({"starts_on": date(2026, 12, 8)}, False, Phase.UPCOMING),
        ({"starts_on": date(2026, 12, 8)}, True, Phase.ENDED),
        ({"ends_on": date(2026, 12, 6)}, False, Phase.ENDED),
        ({"ends_on": TODAY, **LATE}, False, Phase.RUNNING),
    ],
)
def test_phase(fields: dict[str, Any], ended_early: bool, expected: Phase) -> None:
    assert phase(rule(**fields), TODAY, ended_early) is expected
