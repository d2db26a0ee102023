"""A refund's side of issue 15's rewards: the promotion bonus a purchase earned (read from its
ledger entries, only when it earned under a promotion), and the stamps a refund takes off the
card (one stamp entry; those already in a voucher are forgiven). The proportions are policy's
(services/policy/refund_settlement.py, stamp_book.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerReason, Purchase, StampReason
from db.repositories import LedgerRepo
from db.repositories.stamps import StampRepo
from services.policy.settlement import PurchaseFacts, RefundSettlement


def facts(purchase: Purchase, promotion_bonus: int = 0) -> PurchaseFacts:
    """A purchase as the policy's refund settlement reads it."""
    return PurchaseFacts(
        amount_minor=purchase.amount_minor,
        points_spent=purchase.points_spent,
        cashback=purchase.cashback_minor,
        refunded_minor=purchase.refunded_minor,
        made_referral_effective=purchase.made_referral_effective,
        promotion_bonus=promotion_bonus,
        stamps_earned=purchase.stamps_earned,
    )


async def promotion_bonus(ledger: LedgerRepo, purchase: Purchase) -> int:
    """The points a promotion added to the purchase (no statement when none applied)."""
    if purchase.promotion_id is None:
        return 0
    entries = await ledger.by_purchase(purchase.id)
    return sum(e.delta_minor for e in entries if e.reason == LedgerReason.PROMOTION)


async def take_back_stamps(
    session: AsyncSession,
    membership_id: int,
    purchase_id: int,
    done: RefundSettlement,
    stamps_after: int,
    now: datetime,
) -> None:
    """The stamp entry of the stamps a refund took off the card, if it took any."""
    if not done.stamps.taken:
        return
    row = {
        "membership_id": membership_id,
        "delta": -done.stamps.taken,
        "stamps_after": stamps_after,
        "reason": StampReason.REFUND,
        "purchase_id": purchase_id,
        "voucher_id": None,
        "created_at": now,
    }
    await StampRepo(session).append([row])
