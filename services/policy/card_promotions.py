"""Which promotions a member's card mentions: those that apply to them now, or at some hour of
today (local time; the caller converts), best first. Pure: the card reads them from the
program's copy, with no statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.policy.promotions import PromotionRule, applies


def promotions_today(
    rules: Sequence[PromotionRule], local: datetime, level_rank: int
) -> tuple[PromotionRule, ...]:
    """The rules that apply to a member of `level_rank` at `local` or when their hours begin
    today (hours past midnight that began yesterday count while they last), best first."""

    def today(rule: PromotionRule) -> bool:
        if applies(rule, local, level_rank):
            return True
        if rule.start_minute is None:
            return False  # all day: `local` said it
        begins = local.replace(
            hour=rule.start_minute // 60, minute=rule.start_minute % 60, second=0, microsecond=0
        )
        return begins > local and applies(rule, begins, level_rank)

    live = [rule for rule in rules if today(rule)]
    return tuple(sorted(live, key=lambda r: (-r.multiplier_pct, -r.extra_stamps, r.id)))
