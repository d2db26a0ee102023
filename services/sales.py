"""Purchases at the till: find the customer by code, preview, confirm once, refund, rate.

Money moves here, so each step is one transaction, guarded by conditional updates and unique
keys: a second Confirm, a network retry or a second cashier finds the work already done.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Customer,
    LedgerReason,
    Membership,
    Merchant,
    PreorderStatus,
    Purchase,
    PurchaseStatus,
    Refund,
    Staff,
    StaffRole,
)
from db.repositories import (
    AuditRepo,
    CatalogRepo,
    CustomerRepo,
    LedgerRepo,
    MembershipRepo,
    MerchantRepo,
    PaymentCodeRepo,
    PurchaseRepo,
    StaffRepo,
)
from services import grants, limits, policy, refund_levels, rules
from services.clock import Clock, utc_now
from services.dto import LevelInfo, MerchantView, Notice
from services.errors import (
    CodeInvalid,
    InvalidAmount,
    NotStaff,
    RatingRefused,
    SaleRefused,
    StaffPaused,
)
from services.ledger import credit
from services.merchants import level_info, merchant_view
from services.outbox import enqueue
from services.rules import currency_exponent
from services.staff import alert_recipients

DRAFT_TTL = timedelta(minutes=10)
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


@dataclass(frozen=True, slots=True)
class SaleResult:
    purchase_id: int
    duplicate: bool  # the purchase was already confirmed (second press, retry)
    amount_minor: int
    points_spent: int
    paid_minor: int
    cashback: int
    balance_after: int
    currency: str
    notices: tuple[Notice, ...]


@dataclass(frozen=True, slots=True)
class RefundResult:
    purchase_id: int
    amount_minor: int
    points_returned: int
    cashback_reversed: int
    cash_refund_minor: int
    shortfall: int
    fully_refunded: bool
    currency: str
    notices: tuple[Notice, ...]
    level_reversed: int = 0  # cashback later purchases earned at a level the refund took away


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What /refund would do, before it does: the cashier confirms these numbers."""

    purchase_id: int
    customer_name: str | None
    member_no: int
    confirmed_at: datetime
    timezone: str
    amount_minor: int
    refunded_before: int  # the Confirm button carries it: a refund meanwhile stops the old one
    points_returned: int
    cashback_taken: int
    shortfall: int
    cash_refund_minor: int
    currency: str
    level_reversed: int = 0  # cashback of a level the refund takes away, taken back too


class _RolledBack(Exception):
    """Ends a dry run of a refund, carrying what it would have done."""

    def __init__(self, result: RefundResult) -> None:
        super().__init__()
        self.result = result


@dataclass(frozen=True, slots=True)
class SaleLine:
    purchase_id: int
    confirmed_at: datetime
    staff_telegram_id: int
    staff_name: str
    amount_minor: int
    points_spent: int
    refunded_minor: int


@dataclass(frozen=True, slots=True)
class DayReport:
    lines: tuple[SaleLine, ...]
    currency: str
    timezone: str
    everyone: bool  # an admin's view of all staff
    total_minor: int  # net of refunds
    per_staff: tuple[tuple[str, int, int], ...]  # (name, sales, net amount), by name


class SaleService:
    def __init__(
        self,
        session: AsyncSession,
        owner_ids: Sequence[int] = (),
        clock: Clock = utc_now,
        *,
        marker_key: bytes | None = None,
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock
        self.marker_key = marker_key or grants.UNSET_KEY
        self.merchants = MerchantRepo(session)
        self.customers = CustomerRepo(session)
        self.memberships = MembershipRepo(session)
        self.codes = PaymentCodeRepo(session)
        self.ledger = LedgerRepo(session)
        self.purchases = PurchaseRepo(session)
        self.staff = StaffRepo(session)
        self.audit = AuditRepo(session)

    # --- who may sell ---------------------------------------------------------------------

    async def _seller(self, merchant_id: int, telegram_id: int, now: datetime) -> StaffRole:
        """The role of an active, unpaused seller; raises NotStaff or StaffPaused."""
        guard = limits.TillGuard(self.session, self.owner_ids)
        if telegram_id in self.owner_ids:
            await guard.check_pause(merchant_id, telegram_id, now)  # owners are paused too
            return StaffRole.OWNER
        staff = await self.staff.active(merchant_id, telegram_id)
        if staff is None:
            raise NotStaff()
        if staff.paused_until is not None and staff.paused_until > now:
            raise StaffPaused(staff.paused_until)
        await guard.check_pause(merchant_id, telegram_id, now)
        return staff.role

    async def start(self, merchant_id: int, telegram_id: int) -> MerchantView:
        """Check the seller before asking for a code."""
        async with self.session.begin():
            await self._seller(merchant_id, telegram_id, self.clock())
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            return merchant_view(merchant)

    # --- the customer at the till ------------------------------------------------------------

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
            valid = rules.is_payment_code(code)
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
            phone_masked=rules.mask_phone(customer.phone) if customer.phone else None,
            level=level,
            balance=membership.balance_minor,
            currency=merchant.currency,
            receipt_required=merchant.receipt_required,
            max_sale_minor=merchant.max_sale_minor,
            point_value=merchant.point_value_minor,
        )

    async def _levels(self, merchant_id: int) -> list[LevelInfo]:
        return [level_info(lv) for lv in await self.merchants.levels(merchant_id)]

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
                currency_exponent(till.currency),
                till.max_sale_minor,
                whole_units=rules.whole_units_only(till.currency),
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
        most = policy.max_redeemable(amount_minor, till.level, till.balance, till.point_value)
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

    # --- confirming ------------------------------------------------------------------------

    async def confirm(self, merchant_id: int, staff_id: int, key: str) -> SaleResult:
        """Commit a draft exactly once, with its ledger rows, referral rewards and levels."""
        try:
            async with self.session.begin():
                return await self._confirm(merchant_id, staff_id, key)
        except IntegrityError:
            # The only unique key a confirmation can hit is the receipt number.
            raise SaleRefused("receipt_taken") from None

    async def _confirm(self, merchant_id: int, staff_id: int, key: str) -> SaleResult:
        now = self.clock()
        await self._seller(merchant_id, staff_id, now)  # before reading the sale at all
        purchase = await self.purchases.by_key(key)
        if purchase is None or purchase.merchant_id != merchant_id:
            raise SaleRefused("not_found")
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        if purchase.status == PurchaseStatus.CONFIRMED:
            membership = await self.memberships.get(purchase.membership_id)
            assert membership is not None
            return self._result(purchase, membership, merchant, True, ())
        if purchase.status != PurchaseStatus.DRAFT:
            raise SaleRefused("not_found")
        if purchase.created_at + DRAFT_TTL < now:
            raise SaleRefused("expired_draft")
        if not await self.purchases.transition(
            purchase.id, PurchaseStatus.DRAFT, PurchaseStatus.CONFIRMED, now
        ):
            # Another press or another cashier confirmed it between our read and update.
            await self.session.refresh(purchase)
            membership = await self.memberships.get(purchase.membership_id)
            assert membership is not None
            return self._result(purchase, membership, merchant, True, ())
        if not await self.codes.use(purchase.membership_id, purchase.payment_code, now):
            row = await self.codes.find_any(merchant_id, purchase.payment_code)
            expired = row is not None and row.used_at is None and row.expires_at <= now
            raise SaleRefused("code_expired" if expired else "code_used")
        purchase.status, purchase.confirmed_at = PurchaseStatus.CONFIRMED, now
        membership = await self._lock_family(purchase.membership_id)
        await limits.check_daily_cap(
            self.session, merchant, membership.id, purchase.amount_minor, now, counted=True
        )
        levels = await self._levels(merchant_id)
        level = next((lv for lv in levels if lv.rank == membership.level_rank), levels[0])
        value = merchant.point_value_minor
        if purchase.points_spent > policy.max_redeemable(
            purchase.amount_minor, level, membership.balance_minor, value
        ):
            raise SaleRefused("balance_changed")
        if purchase.points_spent:
            try:
                await self.ledger.post(
                    membership,
                    -purchase.points_spent,
                    LedgerReason.REDEEM,
                    now,
                    purchase_id=purchase.id,
                )
            except ValueError:
                raise SaleRefused("balance_changed") from None
        order = await CatalogRepo(self.session).open_order(
            purchase.membership_id, purchase.payment_code
        )
        if order is not None:
            order.status, order.purchase_id = PreorderStatus.COMPLETED, purchase.id
        paid = policy.to_pay(purchase.amount_minor, purchase.points_spent, value)
        cashback = policy.cashback(paid, level, value)
        purchase.cashback_minor = cashback
        await self._credit(membership, cashback, LedgerReason.CASHBACK, now, purchase.id)
        membership.lifetime_spend_minor += paid
        membership.purchases_count += 1
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        notices: list[Notice] = []
        notices += await self._referral_rewards(merchant, membership, purchase, paid, levels, now)
        before = membership.level_rank
        reached = rules.level_for(
            levels, membership.lifetime_spend_minor, membership.effective_referrals
        )
        membership.level_rank = max(before, reached.rank)
        purchase.level_before, purchase.level_after = before, membership.level_rank
        self.audit.add(merchant_id, staff_id, "sale", now, target=str(purchase.id))
        notices += await self._daily_flag(merchant, membership, purchase, now)
        await self.session.flush()
        receipt = Notice(
            customer.telegram_id,
            customer.language,
            "receipt",
            {
                "purchase_id": purchase.id,
                "merchant": merchant.name,
                "amount": purchase.amount_minor,
                "spent": purchase.points_spent,
                "earned": cashback,
                "balance": membership.balance_minor,
                "currency": merchant.currency,
                "point_value": value,
                "level_up": membership.level_rank > before,
                "level": self._level_name(levels, membership.level_rank),
            },
        )
        await self._announce(merchant_id, (receipt, *notices), f"sale:{purchase.id}")
        return self._result(purchase, membership, merchant, False, (receipt, *notices))

    async def _lock_family(self, membership_id: int) -> Membership:
        """Lock the buyer and the referrers whose balances this act may move, in id order.

        Two purchases under one referrer would otherwise each hold their buyer and wait for
        the other's; one global order makes such a cycle impossible on PostgreSQL.
        """
        chain = await self.memberships.ancestors(membership_id, policy.MAX_REFERRAL_DEPTH)
        locked = {}
        for member_id in sorted({membership_id, *chain}):
            locked[member_id] = await self.memberships.lock(member_id)
        buyer = locked[membership_id]
        assert buyer is not None
        return buyer

    @staticmethod
    def _level_name(levels: Sequence[LevelInfo], rank: int) -> str:
        return next((lv.name for lv in levels if lv.rank == rank), levels[-1].name)

    def _result(
        self,
        purchase: Purchase,
        membership: Membership,
        merchant: Merchant,
        duplicate: bool,
        notices: tuple[Notice, ...],
    ) -> SaleResult:
        return SaleResult(
            purchase_id=purchase.id,
            duplicate=duplicate,
            amount_minor=purchase.amount_minor,
            points_spent=purchase.points_spent,
            paid_minor=policy.to_pay(
                purchase.amount_minor, purchase.points_spent, merchant.point_value_minor
            ),
            cashback=purchase.cashback_minor,
            balance_after=membership.balance_minor,
            currency=merchant.currency,
            notices=notices,
        )

    async def _credit(
        self,
        membership: Membership,
        amount: int,
        reason: LedgerReason,
        now: datetime,
        purchase_id: int | None,
    ) -> None:
        await credit(self.ledger, membership, amount, reason, now, purchase_id)

    async def _referral_rewards(
        self,
        merchant: Merchant,
        membership: Membership,
        purchase: Purchase,
        paid: int,
        levels: Sequence[LevelInfo],
        now: datetime,
    ) -> list[Notice]:
        if membership.referrer_id is None:
            return []
        notices: list[Notice] = []
        chain = await self.memberships.ancestors(membership.id, policy.MAX_REFERRAL_DEPTH)
        value = merchant.point_value_minor
        shares = policy.referral_shares(paid, merchant.referral_rates_bp, value)
        friend = await self.session.get(Customer, membership.customer_id)
        friend_name = friend.first_name if friend else None
        for depth, (ancestor_id, share) in enumerate(zip(chain, shares, strict=False), 1):
            ancestor = await self.memberships.lock(ancestor_id)
            if ancestor is None or ancestor.deleted_at is not None:
                continue  # an erased member earns nothing more
            bonus = 0
            if (
                depth == 1
                and membership.purchases_count == 1
                and await self._first_referral(merchant.id, friend, now)
            ):
                # The friend's first purchase: an effective referral.
                purchase.made_referral_effective = True
                ancestor.effective_referrals += 1
                bonus = policy.bonus_points(merchant.referral_bonus_minor, value)
                await self._credit(ancestor, bonus, LedgerReason.REFERRAL_BONUS, now, purchase.id)
            await self._credit(ancestor, share, LedgerReason.REFERRAL, now, purchase.id)
            before = ancestor.level_rank
            reached = rules.level_for(
                levels, ancestor.lifetime_spend_minor, ancestor.effective_referrals
            )
            ancestor.level_rank = max(before, reached.rank)
            if share or bonus or ancestor.level_rank > before:
                owner = await self.session.get(Customer, ancestor.customer_id)
                if owner is not None:
                    notices.append(
                        Notice(
                            owner.telegram_id,
                            owner.language,
                            "referral_reward",
                            {
                                "friend": friend_name if depth == 1 else None,
                                "depth": depth,
                                "points": share + bonus,
                                "bonus": bonus,
                                "balance": ancestor.balance_minor,
                                "level_up": ancestor.level_rank > before,
                                "level": self._level_name(levels, ancestor.level_rank),
                            },
                        )
                    )
        return notices

    async def _first_referral(
        self, merchant_id: int, friend: Customer | None, now: datetime
    ) -> bool:
        """Once per person: a friend who left and joined again through the same link has
        made their referral effective already."""
        if friend is None:
            return False
        marker = grants.marker(self.marker_key, merchant_id, friend.telegram_id)
        return await grants.grant_once(self.session, merchant_id, marker, grants.REFERRAL, now)

    async def _daily_flag(
        self, merchant: Merchant, membership: Membership, purchase: Purchase, now: datetime
    ) -> list[Notice]:
        """Each daily threshold of the merchant, flagged every time it is crossed."""
        return await limits.threshold_flags(
            self.session, self.owner_ids, merchant, membership, purchase, now
        )

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

    # --- refunds ---------------------------------------------------------------------------

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
            split = self._refund_split(purchase, membership, amount, merchant.point_value_minor)
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
            return replace(preview, level_reversed=dry.result.level_reversed)

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
        if amount_minor is not None:
            amount = amount_minor
        elif amount_text:
            amount = policy.parse_amount(
                amount_text,
                currency_exponent(merchant.currency),
                whole_units=rules.whole_units_only(merchant.currency),
            )
        else:
            amount = left
        if amount > left:
            raise InvalidAmount("refund_too_large")
        return merchant, amount

    @staticmethod
    def _refund_split(
        purchase: Purchase, membership: Membership, amount: int, point_value: int
    ) -> policy.RefundSplit:
        shares = {
            "amount_minor": purchase.amount_minor,
            "points_spent": purchase.points_spent,
            "cashback_earned": purchase.cashback_minor,
            "already_refunded_minor": purchase.refunded_minor,
            "refund_minor": amount,
        }
        # The returned points first settle any clawback owed (see _credit); only the rest
        # is there to take the reversed cashback from.
        returned = policy.refund_split(**shares, balance=0, point_value=point_value)
        owed = min(membership.clawback_due_minor, returned.points_returned)
        return policy.refund_split(
            **shares, balance=membership.balance_minor - owed, point_value=point_value
        )

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
        membership = await self._lock_family(purchase.membership_id)
        value = merchant.point_value_minor
        split = self._refund_split(purchase, membership, amount, value)
        paid = policy.refund_paid(amount, split.points_returned, value)  # money, for spend
        # Returned points are a credit like any other: an unpaid clawback is settled first.
        await self._credit(
            membership, split.points_returned, LedgerReason.REFUND, now, purchase.id
        )
        taken = split.cashback_reversed - split.shortfall
        if taken:
            await self.ledger.post(
                membership,
                -taken,
                LedgerReason.CASHBACK_REVERSED,
                now,
                purchase_id=purchase.id,
            )
        was = purchase.refunded_minor
        purchase.refunded_minor += amount
        membership.lifetime_spend_minor = max(0, membership.lifetime_spend_minor - paid)
        fully = purchase.refunded_minor == purchase.amount_minor
        levels = await self._levels(merchant_id)
        reversed_for = await self._reverse_referrals(purchase, was, amount, now)
        lost_level: tuple[int, int] = (0, 0)
        if fully:
            lost_level = await self._undo_purchase_count(purchase, membership, levels, now)
        referrers = await self._told_referrers(reversed_for, lost_level)
        # A refund can take a level away: a level is what was paid for.
        membership.level_rank = rules.level_for(
            levels, membership.lifetime_spend_minor, membership.effective_referrals
        ).rank
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
            "refund",
            {
                "purchase_id": purchase.id,
                "amount": amount,
                "returned": split.points_returned,
                "reversed": taken,
                "cash": split.cash_refund_minor,  # the money handed back
                "kept": split.shortfall,  # money kept back for cashback already spent
                "level_reversed": extra,
                "balance": membership.balance_minor,
                "currency": merchant.currency,
            },
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
        )

    async def _undo_purchase_count(
        self,
        purchase: Purchase,
        membership: Membership,
        levels: Sequence[LevelInfo],
        now: datetime,
    ) -> tuple[int, int]:
        """A purchase refunded in full no longer counts. If it made the friend's referral
        effective, another open purchase of theirs carries that on; without one, the referral
        is no longer effective and their next purchase will be a first purchase again. Either
        way the referrer's purchases in between lose the level that referral gave them.
        Returns (the referrer's membership id, the level cashback taken back from them)."""
        membership.purchases_count = max(0, membership.purchases_count - 1)
        if not purchase.made_referral_effective:
            return 0, 0
        purchase.made_referral_effective = False
        other = await self.purchases.oldest_open(membership.id, exclude=purchase.id)
        if other is not None:
            other.made_referral_effective = True
            return await self._reprice_referrer(membership, purchase, other, levels, now)
        if membership.referrer_id is None:
            return 0, 0
        referrer = await self.memberships.lock(membership.referrer_id)
        if referrer is None:
            return 0, 0
        referrer.effective_referrals = max(0, referrer.effective_referrals - 1)
        referrer.level_rank = rules.level_for(
            levels, referrer.lifetime_spend_minor, referrer.effective_referrals
        ).rank
        return await self._reprice_referrer(membership, purchase, None, levels, now)

    async def _reprice_referrer(
        self,
        friend: Membership,
        was: Purchase,
        now_from: Purchase | None,
        levels: Sequence[LevelInfo],
        now: datetime,
    ) -> tuple[int, int]:
        """The friend's referral now counts from `now_from` (or not at all), not from `was`:
        (the referrer's membership id, the level cashback taken back from them)."""
        referrer = await self.memberships.lock(friend.referrer_id) if friend.referrer_id else None
        at = refund_levels.moment(was)
        if referrer is None or at is None:
            return 0, 0
        moved = refund_levels.moment(now_from) if now_from is not None else None
        merchant = await self.merchants.get(referrer.merchant_id)
        assert merchant is not None
        taken = await refund_levels.take_back_level_cashback(
            self.purchases,
            self.ledger,
            referrer,
            levels,
            now,
            referral_moved=(at, moved),
            point_value=merchant.point_value_minor,
        )
        return referrer.id, taken

    async def _told_referrers(
        self, reversed_for: list[tuple[Membership, Notice]], lost_level: tuple[int, int]
    ) -> list[Notice]:
        """The referrers' notices with their balances once everything of the refund is done,
        and the cashback of a level the refund took from one of them."""
        referrer_id, taken = lost_level
        told = []
        for ancestor, notice in reversed_for:
            data = {**notice.data, "balance": ancestor.balance_minor}
            if ancestor.id == referrer_id and taken:
                data["level_reversed"] = taken
            told.append(Notice(notice.telegram_id, notice.language, notice.kind, data))
        return told

    async def _reverse_referrals(
        self, purchase: Purchase, was: int, amount: int, now: datetime
    ) -> list[tuple[Membership, Notice]]:
        """Take back referral rewards in the refunded proportion; what was spent becomes a
        clawback recovered from the referrer's next credits. Each referrer is told why."""
        buyer = await self.memberships.get(purchase.membership_id)
        friend = await self.session.get(Customer, buyer.customer_id) if buyer else None
        notices: list[tuple[Membership, Notice]] = []
        earned: dict[int, int] = {}
        for entry in await self.ledger.by_purchase(purchase.id):
            if entry.reason in (LedgerReason.REFERRAL, LedgerReason.REFERRAL_BONUS):
                earned[entry.membership_id] = (
                    earned.get(entry.membership_id, 0) + entry.delta_minor
                )
        after = was + amount
        for membership_id, total in earned.items():
            share = policy.proportional(total, after, purchase.amount_minor) - policy.proportional(
                total, was, purchase.amount_minor
            )
            ancestor = await self.memberships.lock(membership_id)
            if ancestor is None or share <= 0:
                continue
            taken = min(share, ancestor.balance_minor)
            if taken:
                await self.ledger.post(
                    ancestor, -taken, LedgerReason.REFERRAL_REVERSED, now, purchase_id=purchase.id
                )
            ancestor.clawback_due_minor += share - taken
            owner = await self.session.get(Customer, ancestor.customer_id)
            if owner is not None and ancestor.deleted_at is None:
                direct = buyer is not None and buyer.referrer_id == ancestor.id
                notice = Notice(
                    owner.telegram_id,
                    owner.language,
                    "referral_reversed",
                    {
                        "friend": friend.first_name if direct and friend else None,
                        "points": share,
                        "owed": share - taken,
                        "balance": ancestor.balance_minor,
                    },
                )
                notices.append((ancestor, notice))
        return notices

    # --- ratings ---------------------------------------------------------------------------

    async def rate(self, purchase_id: int, telegram_id: int, stars: int) -> tuple[Notice, ...]:
        """The buyer rates a purchase once; 1 or 2 stars alert the merchant's admins."""
        if not 1 <= stars <= 5:
            raise RatingRefused("bad_value")
        async with self.session.begin():
            now = self.clock()
            purchase = await self.purchases.get(purchase_id)
            if purchase is None or purchase.status != PurchaseStatus.CONFIRMED:
                raise RatingRefused("not_found")
            membership = await self.memberships.get(purchase.membership_id)
            customer = await self.customers.by_telegram_id(telegram_id)
            if membership is None or customer is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if not await self.purchases.rate(purchase.id, membership.id, stars, now):
                raise RatingRefused("already_rated")
            if stars > 2:
                return ()
            return await self._low_rating_alerts(purchase, customer, stars, None)

    async def comment(self, purchase_id: int, telegram_id: int, text: str) -> tuple[Notice, ...]:
        """An optional comment after the stars; a low rating's comment goes to the admins."""
        async with self.session.begin():
            purchase = await self.purchases.get(purchase_id)
            customer = await self.customers.by_telegram_id(telegram_id)
            if purchase is None or customer is None or purchase.rating is None:
                raise RatingRefused("not_found")
            membership = await self.memberships.get(purchase.membership_id)
            if membership is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if purchase.rating_comment is not None:
                raise RatingRefused("already_rated")
            purchase.rating_comment = text.strip()[:1000]
            if purchase.rating > 2:
                return ()
            return await self._low_rating_alerts(
                purchase, customer, purchase.rating, purchase.rating_comment
            )

    async def _low_rating_alerts(
        self, purchase: Purchase, customer: Customer, stars: int, comment: str | None
    ) -> tuple[Notice, ...]:
        staff: Staff | None = await self.staff.any(
            purchase.merchant_id, purchase.staff_telegram_id
        )
        admins = await alert_recipients(self.staff, purchase.merchant_id, self.owner_ids)
        merchant = await self.merchants.get(purchase.merchant_id)
        assert merchant is not None
        data: dict[str, object] = {
            "stars": stars,
            "comment": comment,
            "purchase_id": purchase.id,
            "amount": purchase.amount_minor,
            "currency": merchant.currency,
            "customer": customer.first_name,
            "staff": staff.name if staff else str(purchase.staff_telegram_id),
            "confirmed_at": purchase.confirmed_at,
            "timezone": merchant.timezone,
        }
        alerts = tuple(Notice(a, None, "low_rating", data) for a in admins)
        stage = "comment" if comment is not None else "rating"
        await self._announce(purchase.merchant_id, alerts, f"{stage}:{purchase.id}")
        return alerts

    async def _announce(self, merchant_id: int, notices: Sequence[Notice], key: str) -> None:
        """Queue messages to others in this transaction: they go out only if it commits."""
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        await enqueue(
            self.session, merchant_id, notices, self.clock(), key, merchant.default_language
        )

    # --- reports for staff -----------------------------------------------------------------

    async def today(self, merchant_id: int, staff_id: int) -> DayReport:
        """Today's sales in the merchant's time zone: one's own, or everyone's for admins."""
        async with self.session.begin():
            now = self.clock()
            role = await self._seller(merchant_id, staff_id, now)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            tz = ZoneInfo(merchant.timezone)
            start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
            everyone = role in (StaffRole.OWNER, StaffRole.ADMIN)
            rows = await self.purchases.confirmed_between(
                merchant_id, start, start + timedelta(days=1), None if everyone else staff_id
            )
            names = {s.telegram_id: s.name for s in await self.staff.list_active(merchant_id)}
            lines = tuple(
                SaleLine(
                    p.id,
                    p.confirmed_at or p.created_at,
                    p.staff_telegram_id,
                    names.get(p.staff_telegram_id, str(p.staff_telegram_id)),
                    p.amount_minor,
                    p.points_spent,
                    p.refunded_minor,
                )
                for p in rows
            )
            per_staff: dict[str, tuple[int, int]] = {}
            for line in lines:
                count, amount = per_staff.get(line.staff_name, (0, 0))
                net = line.amount_minor - line.refunded_minor
                per_staff[line.staff_name] = (count + 1, amount + net)
            return DayReport(
                lines,
                merchant.currency,
                merchant.timezone,
                everyone,
                sum(amount for _, amount in per_staff.values()),
                tuple((name, c, a) for name, (c, a) in sorted(per_staff.items())),
            )
