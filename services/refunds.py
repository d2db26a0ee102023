"""Refunds at the till: a preview the cashier confirms, then all or part of a purchase given
back, settled by the policy (services/policy/settlement.py: points returned, cashback and
referral rewards taken back, clawbacks, counters, levels) and written with its notices. What
a lost level takes back from later purchases is services/refund_levels.py's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from db.models import Customer, Membership, Merchant, Purchase, PurchaseStatus, Refund
from db.repositories import SummaryRepo
from services import policy, refund_levels
from services.coalition.refund_hand_out import withdraw_handed_out
from services.coalition.sale_share import certificate_told, refund_certificate, too_large
from services.dto import LevelInfo
from services.errors import InvalidAmount, SaleRefused
from services.ledger import member_state, write
from services.notices import Notice, RefundReceipt
from services.policy import settlement
from services.policy.settlement import RefundSettlement
from services.refund_referrals import RefundReferrals
from services.refund_results import RefundPreview, RefundResult
from services.refund_rewards import (
    facts,
    stamps_on_card,
    take_back_stamps,
    withdraw_friend_voucher,
)

# What the preview takes from a dry run of the refund.
_DRY = (
    *("level_reversed", "promotion_reversed", "stamps_taken", "stamps_forgiven", "gift_reversed"),
    *("gift_voucher", "gift_voucher_kept"),
    *("certificate", "handed_out"),
)


class _RolledBack(Exception):
    """Ends a dry run of a refund, carrying what it would have done."""

    def __init__(self, result: RefundResult) -> None:
        super().__init__()
        self.result = result


class RefundService(RefundReferrals):
    """Refund all or part of a confirmed purchase, after a preview with the same numbers."""

    async def refund_preview(
        self, merchant_id: int, staff_id: int, purchase_id: int, amount_text: str | None
    ) -> RefundPreview:
        """What refund() would do now, without writing anything: /refund shows it first."""
        async with self.session.begin():
            await self._seller(merchant_id, staff_id, self.clock())
            purchase = await self.purchases.get(purchase_id)
            merchant, amount = await self._refundable(purchase, merchant_id, amount_text)
            assert purchase is not None
            membership = await self.memberships.get(purchase.membership_id)
            assert membership is not None
            split = settlement.buyer_split(
                facts(purchase), member_state(membership), amount, merchant.point_value_minor
            )
            customer = await self.session.get(Customer, membership.customer_id)
            preview = RefundPreview(
                purchase.id,
                customer.first_name if customer is not None else None,
                membership.id,
                purchase.confirmed_at or purchase.created_at,
                merchant.timezone,
                amount,
                purchase.refunded_minor,
                split.points_returned,
                split.cashback_reversed - split.shortfall,
                split.shortfall,
                split.cash_refund_minor,
                merchant.currency,
            )
        # What a lost level takes back depends on every later purchase: the refund itself,
        # done and rolled back, says it exactly (nothing of it is kept, nothing queued).
        try:
            async with self.session.begin():
                done = await self._refund(merchant_id, staff_id, purchase_id, None, amount, None)
                raise _RolledBack(done)
        except _RolledBack as dry:
            return replace(preview, **{name: getattr(dry.result, name) for name in _DRY})

    async def _refundable(
        self,
        purchase: Purchase | None,
        merchant_id: int,
        amount_text: str | None,
        amount_minor: int | None = None,
        was: int | None = None,
    ) -> tuple[Merchant, int]:
        """The merchant and the amount to refund, checked against what is left. `was` is what
        had been refunded when the cashier saw the preview: if that changed, this press comes
        again (the same refund is done) or after another refund (the numbers are stale)."""
        if (
            purchase is None
            or purchase.merchant_id != merchant_id
            or purchase.status != PurchaseStatus.CONFIRMED
        ):
            raise SaleRefused("not_found")
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        if was is not None and purchase.refunded_minor != was:
            done = amount_minor is not None and purchase.refunded_minor == was + amount_minor
            raise SaleRefused("refund_done" if done else "refund_changed")
        left = purchase.amount_minor - purchase.refunded_minor
        if left <= 0:
            raise SaleRefused("already_refunded")
        try:
            if amount_minor is not None:
                amount = amount_minor
            elif amount_text:
                amount = policy.parse_refund_amount(amount_text, merchant.currency, left)
            else:
                amount = left
            if amount > left:
                raise InvalidAmount("refund_too_large")
        except InvalidAmount as error:
            raise too_large(error, purchase, left, merchant.currency) from None
        return merchant, amount

    async def refund(
        self,
        merchant_id: int,
        staff_id: int,
        purchase_id: int,
        amount_text: str | None,
        *,
        amount_minor: int | None = None,
        refunded_before: int | None = None,
    ) -> RefundResult:
        """Refund all or part of a purchase; see policy.refund_split for who gives back what.
        From a confirmed preview: `amount_minor` as shown, `refunded_before` as it was then."""
        async with self.session.begin():
            return await self._refund(
                merchant_id, staff_id, purchase_id, amount_text, amount_minor, refunded_before
            )

    async def _refund(
        self,
        merchant_id: int,
        staff_id: int,
        purchase_id: int,
        amount_text: str | None,
        amount_minor: int | None,
        refunded_before: int | None,
    ) -> RefundResult:
        """refund()'s work, inside the caller's transaction."""
        now = self.clock()
        await self._seller(merchant_id, staff_id, now)
        purchase = await self.purchases.lock(purchase_id)
        merchant, amount = await self._refundable(
            purchase, merchant_id, amount_text, amount_minor, refunded_before
        )
        assert purchase is not None
        rows, _ = await self._lock_family(purchase.membership_id)
        membership = rows[purchase.membership_id]
        value = merchant.point_value_minor
        levels = await self._levels(merchant_id)
        successor = None
        if purchase.made_referral_effective:  # a full refund moves it to the next purchase
            successor = await self.purchases.oldest_open(membership.id, exclude=purchase.id)
        done = await self._settle_refund(
            purchase, rows, amount, levels, successor is not None, value, now
        )
        split, taken, paid = done.split, done.cashback_taken, done.paid_minor
        voucher = await withdraw_friend_voucher(self.session, purchase, done.fully_refunded, now)
        cancelled = voucher[0] if voucher is not None and voucher[1] else None
        purchase.refunded_minor += amount
        await SummaryRepo(self.session).on_refund(purchase, amount)
        fully = done.fully_refunded
        certificate = await refund_certificate(self.session, purchase, fully, staff_id, now)
        handed = await withdraw_handed_out(self.session, purchase.id, fully, staff_id, now)
        reversed_for = await self._reversal_notices(done, rows, membership)
        lost_level = await self._reprice_referrer(
            purchase, successor, done, membership, levels, value, now
        )
        referrers = await self._told_referrers(reversed_for, lost_level)
        self.purchases.add(
            Refund(
                purchase_id=purchase.id,
                staff_telegram_id=staff_id,
                amount_minor=amount,
                points_returned=split.points_returned,
                cashback_reversed=split.cashback_reversed,
                cash_refund_minor=split.cash_refund_minor,
                created_at=now,
            )
        )
        at = refund_levels.moment(purchase)
        assert at is not None
        extra = await refund_levels.take_back_level_cashback(
            self.purchases,
            self.ledger,
            membership,
            levels,
            now,
            spend_lost=(at, paid),
            point_value=value,
        )
        self.audit.add(
            merchant_id, staff_id, "refund", now, target=str(purchase.id), details=str(amount)
        )
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        notice = Notice(
            customer.telegram_id,
            customer.language,
            RefundReceipt(
                purchase_id=purchase.id,
                amount=amount,
                returned=split.points_returned,
                reversed=taken,
                cash=split.cash_refund_minor,  # the money handed back
                kept=split.shortfall,  # money kept back for cashback already spent
                level_reversed=extra,
                balance=membership.balance_minor,
                currency=merchant.currency,
                promotion_reversed=done.promotion_reversed,
                stamps_taken=done.stamps.taken,
                gift_reversed=done.gift_reversed,
                voucher_cancelled=cancelled,
                **certificate_told(certificate),
                handed_out=handed,
            ),
        )
        await self._announce(
            merchant_id,
            [notice, *referrers],
            f"refund:{purchase.id}:{purchase.refunded_minor}",
        )
        return RefundResult(
            purchase.id,
            amount,
            split.points_returned,
            split.cashback_reversed,
            split.cash_refund_minor,
            split.shortfall,
            fully,
            merchant.currency,
            (notice, *referrers),
            extra,
            done.promotion_reversed,
            done.stamps.taken,
            done.stamps.forgiven,
            done.gift_reversed,
            voucher[0] if voucher is not None else None,
            voucher is not None and not voucher[1],
            certificate,
            handed,
        )

    async def _settle_refund(
        self,
        purchase: Purchase,
        rows: dict[int, Membership],
        amount: int,
        levels: Sequence[LevelInfo],
        successor: bool,
        value: int,
        now: datetime,
    ) -> RefundSettlement:
        """Settle the refund by the policy and write its postings and counters."""
        membership = rows[purchase.membership_id]
        entries = await self.ledger.by_purchase(purchase.id)
        earned = await self._referral_earned(entries, rows)
        referrer = rows.get(membership.referrer_id) if membership.referrer_id else None
        done = settlement.settle_refund(
            levels,
            facts(
                purchase,
                entries,
                await self._bonus_pct(purchase),
                await stamps_on_card(self.session, purchase),
            ),
            member_state(membership),
            refund_minor=amount,
            referral_earned=earned,
            referrer=member_state(referrer) if referrer is not None else None,
            successor=successor,
            point_value=value,
        )
        await write(self.ledger, rows, done.postings, done.members, now, purchase.id)
        await take_back_stamps(self.session, membership.id, purchase.id, done, now)
        return done

    async def _bonus_pct(self, purchase: Purchase) -> int:
        """The multiplier of the promotion the purchase earned under (100: none)."""
        if purchase.promotion_id is None:
            return 100
        found = await self.purchases.promotion_multipliers({purchase.promotion_id})
        return found.get(purchase.promotion_id, 100)
