"""A refund that takes a level away also takes back what later purchases earned at it.

Levels rise with lifetime spend and effective referrals, and a purchase earns cashback at the
level its buyer held. When a refund takes spend (or a friend's referral) out from under a level,
the purchases priced at that level since then are re-priced as if the refunded part had never
been bought (policy.refunds.take_back_level_cashback): the difference comes off the balance, and
what was already spent becomes a clawback, settled from the member's next credits
(services.ledger.credit). This reads the member's purchases and writes what the policy says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from db.models import Membership, Purchase
from db.repositories import LedgerRepo, PurchaseRepo
from services.dto import LevelInfo
from services.ledger import member_state, write
from services.policy import refunds
from services.policy.refunds import Moment, PricedPurchase


def moment(purchase: Purchase) -> Moment | None:
    if purchase.confirmed_at is None:
        return None
    return purchase.confirmed_at, purchase.id


async def take_back_level_cashback(
    purchases: PurchaseRepo,
    ledger: LedgerRepo,
    member: Membership,
    levels: Sequence[LevelInfo],
    now: datetime,
    *,
    spend_lost: tuple[Moment, int] | None = None,
    referral_moved: tuple[Moment, Moment | None] | None = None,
    point_value: int = 1,
) -> int:
    """Re-price `member`'s purchases after a refund; returns the points taken back (see
    policy.refunds.take_back_level_cashback for `spend_lost` and `referral_moved`)."""
    if referral_moved is None and (spend_lost is None or spend_lost[1] <= 0):
        return 0
    history = await purchases.confirmed_of(member.id)
    refunded_money = await purchases.money_refunded(member.id, point_value)
    multipliers = await purchases.promotion_multipliers(
        {p.promotion_id for p in history if p.promotion_id is not None}
    )
    priced = [
        PricedPurchase(
            id=p.id,
            at=(p.confirmed_at, p.id),  # confirmed, so it has a moment
            amount_minor=p.amount_minor,
            points_spent=p.points_spent,
            refunded_minor=p.refunded_minor,
            money_refunded=refunded_money.get(p.id, 0),
            cashback=p.cashback_minor,
            level_before=p.level_before,
            bonus_pct=multipliers.get(p.promotion_id, 100) if p.promotion_id else 100,
        )
        for p in history
        if p.confirmed_at is not None
    ]
    done = refunds.take_back_level_cashback(
        levels,
        member_state(member),
        priced,
        await purchases.referrals_effective(member.id),
        spend_lost=spend_lost,
        referral_moved=referral_moved,
        point_value=point_value,
    )
    by_id = {p.id: p for p in history}
    for purchase_id, cashback in done.cashbacks:
        by_id[purchase_id].cashback_minor = cashback
    await write(ledger, {member.id: member}, done.postings, (done.member,), now, None)
    return done.taken
