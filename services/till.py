"""At the till: the seller's check, the customer found by their code, the check quoted, and a
draft kept until Confirm (made again with other points or a receipt number, or cancelled).

Each step is one transaction. Wrong codes pause whoever typed them (services/limits.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from db.models import Customer, Purchase, PurchaseStatus
from db.repositories import CatalogRepo
from services import limits, policy
from services.dto import LevelInfo, MerchantView
from services.errors import CodeInvalid, InvalidAmount, SaleRefused
from services.merchants import merchant_view
from services.seller import DRAFT_TTL, SellerBase

RECEIPT_MAX = 40


@dataclass(frozen=True, slots=True)
class Till:
    """What a cashier may see of the customer: first name, masked phone, level, balance."""

    code: str
    telegram_id: int  # to refuse a cashier's sale to themselves; never shown
    first_name: str | None
    phone_masked: str | None
    level: LevelInfo
    balance: int
    currency: str
    receipt_required: bool
    max_sale_minor: int
    order_id: int | None = None  # a pre-order waiting for pickup under this code
    order_total_minor: int | None = None
    point_value: int = 1  # minor units one point is worth (Merchant.point_value_minor)


@dataclass(frozen=True, slots=True)
class Quote:
    amount_minor: int
    max_points: int
    balance: int


@dataclass(frozen=True, slots=True)
class SaleDraft:
    key: str
    till: Till
    amount_minor: int
    points_spent: int
    to_pay_minor: int
    cashback: int
    receipt_no: str | None
    max_points: int = 0  # what the customer could spend on this check
    points_choices: tuple[int, ...] = ()  # the preview's points buttons, largest first


def points_choices(max_points: int, current: int) -> tuple[int, ...]:
    """The points buttons of a preview: everything allowed, half of it when that is worth a
    button, and none again once some are spent; never the number already chosen."""
    steps = {max_points}
    if max_points >= 10:
        steps.add(max_points // 2)
    if current:
        steps.add(0)
    return tuple(sorted((p for p in steps if p != current), reverse=True))


class TillService(SellerBase):
    """The sale up to Confirm; PurchaseService confirms it (services/purchases.py)."""

    async def start(self, merchant_id: int, telegram_id: int) -> MerchantView:
        """Check the seller before asking for a code."""
        async with self.session.begin():
            await self._seller(merchant_id, telegram_id, self.clock())
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            return merchant_view(merchant)

    async def find_customer(self, merchant_id: int, staff_id: int, code: str) -> Till:
        """The customer behind an active code. Wrong codes pause whoever typed them, and too
        many at one merchant lock code entry there (services/limits.py).

        A wrong attempt is committed (audited) before the error is raised, so the count holds.
        """
        failure: CodeInvalid | None = None
        async with self.session.begin():
            now = self.clock()
            await self._seller(merchant_id, staff_id, now)
            guard = limits.TillGuard(self.session, self.owner_ids)
            merchant = await guard.before_lookup(merchant_id, staff_id, now)
            code = code.strip().replace(" ", "")
            valid = policy.is_payment_code(code)
            row = await self.codes.find_active(merchant_id, code, now) if valid else None
            if row is not None:
                return await self._till(merchant_id, row.membership_id, code)
            stale = await self.codes.find_any(merchant_id, code) if valid else None
            reason = "unknown"
            if stale is not None:
                reason = "used" if stale.used_at is not None else "expired"
            # Only codes that match nobody count towards a pause: guessing looks like that,
            # while a code that expired during a slow sale does not.
            action = "wrong_code" if reason == "unknown" else "stale_code"
            self.audit.add(merchant_id, staff_id, action, now, details=reason)
            await self.session.flush()
            failure = await guard.after_miss(merchant, staff_id, action, reason, now)
        raise failure

    async def _till(self, merchant_id: int, membership_id: int, code: str) -> Till:
        membership = await self.memberships.get(membership_id)
        merchant = await self.merchants.get(merchant_id)
        assert membership is not None and merchant is not None
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        level = await self._level(merchant_id, membership.level_rank)
        order = await CatalogRepo(self.session).open_order(membership.id, code)
        return Till(
            order_id=order.id if order else None,
            order_total_minor=order.total_minor if order else None,
            code=code,
            telegram_id=customer.telegram_id,
            first_name=customer.first_name,
            phone_masked=policy.mask_phone(customer.phone) if customer.phone else None,
            level=level,
            balance=membership.balance_minor,
            currency=merchant.currency,
            receipt_required=merchant.receipt_required,
            max_sale_minor=merchant.max_sale_minor,
            point_value=merchant.point_value_minor,
        )

    async def _level(self, merchant_id: int, rank: int) -> LevelInfo:
        levels = await self._levels(merchant_id)
        return next((lv for lv in levels if lv.rank == rank), levels[-1])

    async def quote(
        self, merchant_id: int, staff_id: int, code: str, amount_text: str | None
    ) -> Quote:
        """Parse the check amount (a pre-order brings its own) and say how many points may pay
        for it."""
        till = await self.find_customer(merchant_id, staff_id, code)
        if till.order_total_minor is not None:
            amount = till.order_total_minor
        else:
            amount = policy.parse_amount(
                amount_text or "",
                policy.currency_exponent(till.currency),
                till.max_sale_minor,
                whole_units=policy.whole_units_only(till.currency),
            )
        most = policy.max_redeemable(amount, till.level, till.balance, till.point_value)
        return Quote(amount, most, till.balance)

    async def prepare(
        self,
        merchant_id: int,
        staff_id: int,
        code: str,
        amount_minor: int,
        points: int,
        receipt_no: str | None,
        *,
        replaces: str | None = None,
    ) -> SaleDraft:
        """Validate everything and keep a draft; the Confirm button carries its key. A draft
        that `replaces` another is that one with the new numbers under a new key (its sale
        number stays; the outdated preview's buttons no longer find it), or is not made."""
        till = await self.find_customer(merchant_id, staff_id, code)
        if till.order_total_minor is not None:
            amount_minor = till.order_total_minor  # a pre-order's amount comes from the order
        if amount_minor <= 0:
            raise InvalidAmount("zero")
        if amount_minor > till.max_sale_minor:
            raise InvalidAmount("too_large")
        most = policy.max_redeemable(amount_minor, till.level, till.balance, till.point_value)
        if points < 0 or points > most:
            raise SaleRefused("points_over_max")
        if till.telegram_id == staff_id:
            raise SaleRefused("own_purchase")
        receipt_no = (receipt_no or "").strip()[:RECEIPT_MAX] or None
        if till.receipt_required and receipt_no is None:
            raise SaleRefused("receipt_required")
        async with self.session.begin():
            now = self.clock()
            if receipt_no and await self.purchases.receipt_taken(merchant_id, receipt_no):
                raise SaleRefused("receipt_taken")
            row = await self.codes.find_active(merchant_id, till.code, now)
            if row is None:
                raise CodeInvalid("expired")
            membership = await self.memberships.get(row.membership_id)
            assert membership is not None
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            await limits.check_daily_cap(self.session, merchant, membership.id, amount_minor, now)
            key = secrets.token_hex(16)
            if replaces is not None:
                repriced = await self.purchases.rekey_draft(
                    merchant_id,
                    replaces,
                    key,
                    staff_telegram_id=staff_id,
                    amount_minor=amount_minor,
                    points_spent=points,
                    receipt_no=receipt_no,
                    created_at=now,
                )
                if not repriced:
                    raise SaleRefused("not_found")  # replaced or confirmed by a press meanwhile
            else:
                self.purchases.add(
                    Purchase(
                        merchant_id=merchant_id,
                        membership_id=membership.id,
                        staff_telegram_id=staff_id,
                        payment_code=till.code,
                        amount_minor=amount_minor,
                        points_spent=points,
                        cashback_minor=0,
                        receipt_no=receipt_no,
                        status=PurchaseStatus.DRAFT,
                        idempotency_key=key,
                        level_before=membership.level_rank,
                        level_after=membership.level_rank,
                        made_referral_effective=False,
                        refunded_minor=0,
                        created_at=now,
                    )
                )
            self.audit.add(merchant_id, staff_id, "sale_draft", now, details=str(amount_minor))
        paid = policy.to_pay(amount_minor, points, till.point_value)
        return SaleDraft(
            key,
            till,
            amount_minor,
            points,
            paid,
            policy.cashback(paid, till.level, till.point_value),
            receipt_no,
            most,
            points_choices(most, points),
        )

    async def reprice(
        self,
        merchant_id: int,
        staff_id: int,
        key: str,
        *,
        points: int | None = None,
        receipt_no: str | None = None,
    ) -> SaleDraft:
        """The open draft `key` with other points or a receipt number. A new draft replaces
        it, so the old preview's Confirm can no longer confirm the old numbers."""
        old = await self._open_draft(merchant_id, staff_id, key)
        return await self.prepare(
            merchant_id,
            staff_id,
            old.payment_code,
            old.amount_minor,
            old.points_spent if points is None else points,
            old.receipt_no if receipt_no is None else receipt_no,
            replaces=key,
        )

    async def draft_open(self, merchant_id: int, staff_id: int, key: str) -> None:
        """Check the seller, then that the draft is still open (SaleRefused otherwise)."""
        await self._open_draft(merchant_id, staff_id, key)

    async def _open_draft(self, merchant_id: int, staff_id: int, key: str) -> Purchase:
        async with self.session.begin():
            now = self.clock()
            await self._seller(merchant_id, staff_id, now)  # before reading the draft at all
            purchase = await self.purchases.by_key(key)
            if (
                purchase is None
                or purchase.merchant_id != merchant_id
                or purchase.status != PurchaseStatus.DRAFT
            ):
                raise SaleRefused("not_found")
            if purchase.created_at + DRAFT_TTL < now:
                raise SaleRefused("expired_draft")
            return purchase

    async def cancel(self, merchant_id: int, staff_id: int, key: str) -> bool:
        """Drop a draft; only staff of the merchant may (NotStaff, StaffPaused otherwise)."""
        async with self.session.begin():
            await self._seller(merchant_id, staff_id, self.clock())
            purchase = await self.purchases.by_key(key)
            if purchase is None or purchase.merchant_id != merchant_id:
                return False
            now = self.clock()
            cancelled = await self.purchases.transition(
                purchase.id, PurchaseStatus.DRAFT, PurchaseStatus.CANCELLED, now
            )
            if cancelled:
                self.audit.add(merchant_id, staff_id, "sale_cancel", now, target=str(purchase.id))
            return cancelled
