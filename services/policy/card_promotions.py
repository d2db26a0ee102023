"""Which promotions a member's card mentions: those that apply to them now, or at some hour of
today (local time; the caller converts), best first. Pure: the card reads them from the
program's copy, with no statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from services.policy.promotions import PromotionRule, applies


def what_it_does(rule: PromotionRule, cashback_on: bool, stamp_card: bool) -> PromotionRule | None:
    """The rule as far as it does anything in this program: no multiplier without cashback,
    no extra stamps without a stamp card; None when nothing is left."""
    multiplier = rule.multiplier_pct if cashback_on else 100
    extra = rule.extra_stamps if stamp_card else 0
    if multiplier <= 100 and not extra:
        return None
    return replace(rule, multiplier_pct=multiplier, extra_stamps=extra)


def promotions_today(
    rules: Sequence[PromotionRule],
    local: datetime,
    level_rank: int,
    cashback_on: bool = True,
    stamp_card: bool = True,
) -> tuple[PromotionRule, ...]:
    """The rules that apply to a member of `level_rank` at `local` or when their hours begin
    today (hours past midnight that began yesterday count while they last), best first, as
    far as they do anything in the program (what_it_does)."""

    def today(rule: PromotionRule) -> bool:
        if applies(rule, local, level_rank):
            return True
        if rule.start_minute is None:
            return False  # all day: `local` said it
        begins = local.replace(
            hour=rule.start_minute // 60, minute=rule.start_minute % 60, second=0, microsecond=0
        )
        return begins > local and applies(rule, begins, level_rank)

    live = [
        effective
        for rule in rules
        if today(rule) and (effective := what_it_does(rule, cashback_on, stamp_card))
    ]
    return tuple(sorted(live, key=lambda r: (-r.multiplier_pct, -r.extra_stamps, r.id)))
