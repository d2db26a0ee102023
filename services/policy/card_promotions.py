"""Which promotions a member's card mentions: those a purchase of theirs would earn under now,
or at some hour of today (local time; the caller converts), best first. Promotions never add
up: a sale earns under the best one of its moment (best_promotion), so one another outdoes all
day is not shown. Pure: the card reads them from the program's copy, with no statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from services.policy.promotions import PromotionRule, best_promotion


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
    """The rules a purchase by a member of `level_rank` would earn under (best_promotion) at
    `local` or later today: the best one can change only when some rule's hours begin or end
    (hours past midnight that began yesterday count while they last), so those moments say it.
    Best first, as far as they do anything in the program (what_it_does)."""

    def at(minute: int) -> datetime:
        return local.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)

    edges = {m for r in rules for m in (r.start_minute, r.end_minute) if m is not None}
    moments = [local, *(moment for m in sorted(edges) if (moment := at(m)) > local)]
    shown: dict[int, PromotionRule] = {}
    for moment in moments:
        best = best_promotion(rules, moment, level_rank)
        if best is not None and (effective := what_it_does(best, cashback_on, stamp_card)):
            shown[best.id] = effective
    return tuple(sorted(shown.values(), key=lambda r: (-r.multiplier_pct, -r.extra_stamps, r.id)))
