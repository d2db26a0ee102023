"""A refund that takes a level away also takes back what later purchases earned at it.

Levels rise with lifetime spend and effective referrals, and a purchase earns cashback at the
level its buyer held. When a refund takes spend (or a friend's referral) out from under a level,
the purchases priced at that level since then are re-priced as if the refunded part had never
been bought (policy.reprice): the difference comes off the balance, and what was already spent
becomes a clawback, settled from the member's next credits (services.ledger.credit).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime

from db.models import LedgerReason, Membership, Purchase
from db.repositories import LedgerRepo, PurchaseRepo
from services import policy
from services.dto import LevelInfo

Moment = tuple[datetime, int]  # (confirmed_at, purchase id): the order purchases happened in


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
    """Re-price `member`'s purchases after a refund; returns the points taken back.

    `spend_lost`: the refunded purchase and the money that left lifetime spend with it.
    `referral_moved`: a friend's referral that was effective from the first moment is now
    effective from the second one, or not at all. What the balance no longer holds is owed,
    a clawback. `point_value`: the merchant's, to tell the money part of a check from its
    points; spend and levels count money, the balance counts points.
    """
    if referral_moved is None and (spend_lost is None or spend_lost[1] <= 0):
        return 0
    history = await purchases.confirmed_of(member.id)
    refunded_money = await purchases.money_refunded(member.id, point_value)
    effective = await purchases.referrals_effective(member.id)
    spend = total = owed = 0
    for purchase in history:
        at = moment(purchase)
        assert at is not None  # confirmed
        lost = spend_lost[1] if spend_lost is not None and spend_lost[0] < at else 0
        refs_lost = 0
        if referral_moved is not None:
            was, then = referral_moved
            refs_lost = int(was < at) - int(then is not None and then < at)
        paid = policy.to_pay(purchase.amount_minor, purchase.points_spent, point_value)
        if lost or refs_lost > 0:
            priced = policy.reprice(
                levels,
                amount_minor=purchase.amount_minor,
                paid_minor=paid,
                refunded_minor=purchase.refunded_minor,
                cashback_earned=purchase.cashback_minor,
                level_before=purchase.level_before,
                spend_before=spend,
                referrals_before=bisect_left(effective, at),
                spend_lost=lost,
                referrals_lost=refs_lost,
                point_value=point_value,
            )
            purchase.cashback_minor = priced.cashback_minor
            taken = min(priced.taken, member.balance_minor)
            if taken:
                await ledger.post(
                    member, -taken, LedgerReason.LEVEL_REVERSED, now, purchase_id=purchase.id
                )
            total += priced.taken
            owed += priced.taken - taken
        spend += paid - refunded_money.get(purchase.id, 0)
    member.clawback_due_minor += owed
    return total
