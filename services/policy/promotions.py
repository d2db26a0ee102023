"""Promotions and stamps in plain values: which promotion a purchase earns under (double
points at certain hours, days, dates and levels), what it adds, and how many stamps a check
earns. Times are the merchant's local time (the caller converts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

MINUTES_A_DAY = 24 * 60
ALL_WEEKDAYS = 0b111_1111  # bit 0 is Monday


@dataclass(frozen=True, slots=True)
class PromotionRule:
    """A promotion as the program holds it (db/models/rewards.py: Promotion)."""

    id: int
    name: str
    multiplier_pct: int = 200  # 200: double the cashback; 100: no more points
    extra_stamps: int = 0
    weekdays: int = ALL_WEEKDAYS
    start_minute: int | None = None  # None: all day; end may be past midnight (end < start)
    end_minute: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None  # inclusive
    min_level_rank: int = 0


def _in_hours(rule: PromotionRule, local: datetime) -> tuple[bool, date]:
    """Whether `local` is inside the rule's hours, and the day those hours began on (hours
    past midnight belong to the day before)."""
    day = local.date()
    if rule.start_minute is None or rule.end_minute is None:
        return True, day
    minute = local.hour * 60 + local.minute
    start, end = rule.start_minute, rule.end_minute
    if start < end:
        return start <= minute < end, day
    if minute >= start:
        return True, day
    if minute < end:
        return True, date.fromordinal(day.toordinal() - 1)
    return False, day


def applies(rule: PromotionRule, local: datetime, level_rank: int) -> bool:
    """The rule covers a purchase at `local` by a member of `level_rank`."""
    if level_rank < rule.min_level_rank:
        return False
    inside, day = _in_hours(rule, local)
    if not inside or not rule.weekdays & (1 << day.weekday()):
        return False
    if rule.starts_on is not None and day < rule.starts_on:
        return False
    return rule.ends_on is None or day <= rule.ends_on


def best_promotion(
    rules: Sequence[PromotionRule], local: datetime, level_rank: int
) -> PromotionRule | None:
    """The promotion a purchase earns under: of those that apply, the highest multiplier,
    then the most extra stamps, then the oldest. Promotions never add up."""
    live = [r for r in rules if applies(r, local, level_rank)]
    if not live:
        return None
    return min(live, key=lambda r: (-r.multiplier_pct, -r.extra_stamps, r.id))


class Phase(StrEnum):
    """Where a promotion stands on a local day: the list of /promos groups them so."""

    RUNNING = "running"
    UPCOMING = "upcoming"
    ENDED = "ended"


def phase(rule: PromotionRule, local: date, ended_early: bool = False) -> Phase:
    """Running (today is inside its dates, whatever the hours), upcoming or ended (its last
    day passed, or an owner ended it). Given a local datetime, hours past midnight of its last
    day still run it (a 22-02 promotion ending on Friday applies on Saturday at 01:00), as
    applies() says."""
    today = local.date() if isinstance(local, datetime) else local
    if ended_early:
        return Phase.ENDED
    if rule.ends_on is not None and rule.ends_on < today:
        at = local if isinstance(local, datetime) else None
        if at is None or not applies(replace(rule, min_level_rank=0), at, 0):
            return Phase.ENDED
    if rule.starts_on is not None and rule.starts_on > today:
        return Phase.UPCOMING
    return Phase.RUNNING


def falls_on_weekdays(weekdays: int, first: date, last: date) -> bool:
    """Some day from `first` to `last` (inclusive) is one of `weekdays` (bit 0 Monday)."""
    days = min((last - first).days + 1, 7)
    return any(weekdays & (1 << ((first.weekday() + n) % 7)) for n in range(max(days, 0)))


def promotion_bonus(cashback: int, multiplier_pct: int) -> int:
    """The extra points a promotion adds to `cashback` (rounded down): 200 % doubles it."""
    return cashback * (multiplier_pct - 100) // 100


@dataclass(frozen=True, slots=True)
class StampRule:
    """A merchant's stamp card (db/models/merchants.py: stamps_needed and the stamp_* columns)."""

    needed: int
    min_amount_minor: int = 0  # a check below this earns no stamp
    step_minor: int | None = None  # one stamp per full step of the check; None: one per check
    daily_once: bool = False  # at most one stamped purchase a day


def stamps_earned(rule: StampRule, amount_minor: int, stamped_today: bool) -> int:
    """Stamps a check of `amount_minor` earns, before any promotion's extra stamps."""
    if amount_minor <= 0 or amount_minor < rule.min_amount_minor:
        return 0
    if rule.daily_once and stamped_today:
        return 0
    # A step of 0 (or less) is no step: one stamp per check, never a division by zero.
    earned = amount_minor // rule.step_minor if rule.step_minor and rule.step_minor > 0 else 1
    return min(earned, 1) if rule.daily_once else earned


def fill_cards(stamps: int, needed: int) -> tuple[int, int]:
    """Full cards and the stamps left over when a member holds `stamps`."""
    return divmod(stamps, needed) if needed > 0 else (0, stamps)
