"""A refund's side of issue 15's rewards: what a promotion brought the buyer with the
purchase (its bonus follows the cashback it multiplied) and what an invited friend's gift did
(from its ledger entries, which the refund reads anyway for the referrers' rewards), and the
stamps a refund takes off the card (one stamp entry;
those already in a voucher are forgiven), and the friend's gift voucher a full refund
cancels. The proportions are policy's
(services/policy/refund_settlement.py, stamp_book.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerEntry, LedgerReason, Purchase, StampReason
from db.repositories.stamps import StampRepo
from db.repositories.vouchers import VoucherRepo
from services.policy import stamp_book
from services.policy.promotions import promotion_bonus
from services.policy.settlement import PurchaseFacts, RefundSettlement


def facts(
    purchase: Purchase,
    entries: Sequence[LedgerEntry] = (),
    bonus_pct: int = 100,
    on_card: int | None = None,
) -> PurchaseFacts:
    """A purchase as the policy's refund settlement reads it: a promotion's bonus follows its
    cashback (`bonus_pct`: the promotion's multiplier; re-pricing after a lost level may have
    lowered both), its ledger `entries` say what a friend's gift brought, and `on_card` how
    many of its stamps are still on the card (stamps_on_card)."""

    def brought(reason: LedgerReason) -> int:
        return sum(e.delta_minor for e in entries if e.reason == reason)

    return PurchaseFacts(
        amount_minor=purchase.amount_minor,
        points_spent=purchase.points_spent,
        cashback=purchase.cashback_minor,
        refunded_minor=purchase.refunded_minor,
        made_referral_effective=purchase.made_referral_effective,
        promotion_bonus=promotion_bonus(purchase.cashback_minor, bonus_pct),
        friend_gift=brought(LedgerReason.FRIEND_GIFT),
        stamps_earned=purchase.stamps_earned,
        stamps_on_card=on_card,
    )


async def stamps_on_card(session: AsyncSession, purchase: Purchase) -> int | None:
    """How many of the purchase's stamps are still on the card, read only when it earned
    some: full cards took the oldest stamps first (None: it earned none)."""
    if purchase.stamps_earned <= 0:
        return None
    share = await StampRepo(session).card_share(purchase.membership_id, purchase.id)
    return stamp_book.stamps_on_card(*share)


async def take_back_stamps(
    session: AsyncSession,
    membership_id: int,
    purchase_id: int,
    done: RefundSettlement,
    now: datetime,
) -> None:
    """The stamp entry of the stamps a refund took off the card, if it took any."""
    if not done.stamps.taken:
        return
    row = {
        "membership_id": membership_id,
        "delta": -done.stamps.taken,
        "stamps_after": done.buyer.stamps,
        "reason": StampReason.REFUND,
        "purchase_id": purchase_id,
        "voucher_id": None,
        "created_at": now,
    }
    await StampRepo(session).append([row])


async def withdraw_friend_voucher(
    session: AsyncSession, purchase: Purchase, fully_refunded: bool, now: datetime
) -> tuple[str, bool] | None:
    """A full refund of the friend's first purchase cancels the gift voucher it handed out,
    if still open; one already redeemed the customer keeps. (Its reward's name, cancelled);
    None: nothing to say. A full card's vouchers stay: their stamps are forgiven."""
    if not fully_refunded or not purchase.made_referral_effective:
        return None
    if purchase.confirmed_at is None:
        return None
    repo = VoucherRepo(session)
    gift: tuple[str, bool] | None
    gift = await repo.withdraw_friend_gift(purchase.membership_id, purchase.confirmed_at, now)
    return gift
