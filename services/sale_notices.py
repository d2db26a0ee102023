"""What a confirmed sale tells the buyer (the receipt) and the referrers (their rewards), and
those notices as outbox rows written with the sale in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.ledger import Family
from services.notices import Notice, Receipt, ReferralReward
from services.outbox import row_of
from services.policy.settlement import PurchaseSettlement
from services.program import Program
from services.purchase_rewards import Handed


def told(
    program: Program,
    sale: Any,
    kin: Family,
    done: PurchaseSettlement,
    balances: Mapping[int, int],
    handed: Handed | None = None,
) -> list[Notice]:
    """The receipt to the buyer (with a promotion, the stamp card, a friend's gift and the
    vouchers `handed` out), and a notice to each referrer who earned something or rose a
    level."""
    buyer = kin.people.get(kin.buyer.id)
    assert buyer is not None
    handed = handed or Handed()
    after = done.buyer.level_rank
    promotion, stamps = done.promotion, done.stamps
    receipt = Receipt(
        purchase_id=sale.purchase_id,
        merchant=program.merchant.name,
        amount=sale.amount_minor,
        spent=sale.points_spent,
        earned=done.cashback,
        balance=balances[kin.buyer.id],
        currency=program.merchant.currency,
        point_value=program.point_value_minor,
        level_up=after > done.level_before,
        level=program.level_name(after),
        promotion=promotion.name if promotion is not None else None,
        promotion_pct=promotion.multiplier_pct if promotion is not None else 0,
        promotion_points=done.promotion_bonus,
        stamps_needed=stamps.needed if stamps is not None else 0,
        stamps=stamps.after if stamps is not None else 0,
        stamps_added=stamps.added if stamps is not None else 0,
        cards_full=stamps.cards if stamps is not None else 0,
        card_reward=handed.card_reward,
        friend_gift=done.friend_gift,
        friend_reward=handed.friend_reward,
        promotion_stamps=stamps.extra if stamps is not None else 0,
        certificates=handed.certificates,
    )
    notices = [Notice(buyer.telegram_id, buyer.language, receipt)]
    for r in done.rewards:
        owner = kin.people.get(r.member.id)
        if not r.news or owner is None:
            continue
        reward = ReferralReward(
            friend=buyer.first_name if r.depth == 1 else None,
            depth=r.depth,
            points=r.share + r.bonus,
            bonus=r.bonus,
            balance=balances[r.member.id],
            level_up=r.member.level_rank > r.level_before,
            level=program.level_name(r.member.level_rank),
        )
        notices.append(Notice(owner.telegram_id, owner.language, reward))
    return notices


def outbox_rows(
    program: Program, notices: Sequence[Notice], kin: Family, prefix: str, now: datetime
) -> list[dict[str, Any]]:
    """Outbox rows for notices to the family (services/outbox.py's row_of, with what the
    family's read already says of each recipient): none for whoever blocked the bot."""
    people = {p.telegram_id: p for p in kin.people.values()}
    rows = []
    for n in notices:
        person = people[n.telegram_id]
        if person.blocked:
            continue
        language = n.language or person.telegram_language or program.merchant.default_language
        rows.append(row_of(program.id, n, f"{prefix}:{n.kind}:{n.telegram_id}", language, now))
    return rows
