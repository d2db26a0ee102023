"""Confirming a sale: a draft becomes a purchase exactly once, settled by the policy (points
spent, cashback, referral rewards up the chain, levels: services/policy/settlement.py) and
written with its notices to the buyer, the referrers and the admins, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from db.models import Customer, Membership, Merchant, PreorderStatus, Purchase, PurchaseStatus
from db.repositories import CatalogRepo, SummaryRepo
from services import grants, limits, policy
from services.dto import LevelInfo
from services.errors import SaleRefused
from services.ledger import member_state, states, write
from services.notices import Notice, Receipt, ReferralReward
from services.policy import settlement
from services.policy.settlement import PurchaseSettlement
from services.seller import DRAFT_TTL, SellerBase


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


class PurchaseService(SellerBase):
    """Confirm a draft made at the till (services/till.py): the one step a sale pays in."""

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
            return await self._confirmed_before(purchase, merchant)
        if purchase.status != PurchaseStatus.DRAFT:
            raise SaleRefused("not_found")
        if purchase.created_at + DRAFT_TTL < now:
            raise SaleRefused("expired_draft")
        if not await self.purchases.transition(
            purchase.id, PurchaseStatus.DRAFT, PurchaseStatus.CONFIRMED, now
        ):
            # Another press or another cashier confirmed it between our read and update.
            await self.session.refresh(purchase)
            return await self._confirmed_before(purchase, merchant)
        if not await self.codes.use(purchase.membership_id, purchase.payment_code, now):
            row = await self.codes.find_any(merchant_id, purchase.payment_code)
            expired = row is not None and row.used_at is None and row.expires_at <= now
            raise SaleRefused("code_expired" if expired else "code_used")
        purchase.status, purchase.confirmed_at = PurchaseStatus.CONFIRMED, now
        rows, chain = await self._lock_family(purchase.membership_id)
        membership = rows[purchase.membership_id]
        await limits.check_daily_cap(
            self.session, merchant, membership.id, purchase.amount_minor, now, counted=True
        )
        levels = await self._levels(merchant_id)
        done = await self._settle_purchase(merchant, purchase, rows, chain, levels, now)
        await SummaryRepo(self.session).on_purchase(
            merchant_id, membership.id, purchase.amount_minor, now
        )
        order = await CatalogRepo(self.session).open_order(
            purchase.membership_id, purchase.payment_code
        )
        if order is not None:
            order.status, order.purchase_id = PreorderStatus.COMPLETED, purchase.id
        cashback, before, value = done.cashback, done.level_before, merchant.point_value_minor
        purchase.cashback_minor = cashback
        purchase.made_referral_effective = done.made_referral_effective
        purchase.level_before, purchase.level_after = before, membership.level_rank
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        notices = await self._referrers_told(done, rows, customer, levels)
        self.audit.add(merchant_id, staff_id, "sale", now, target=str(purchase.id))
        notices += await self._daily_flag(merchant, membership, purchase, now)
        await self.session.flush()
        receipt = Notice(
            customer.telegram_id,
            customer.language,
            Receipt(
                purchase_id=purchase.id,
                merchant=merchant.name,
                amount=purchase.amount_minor,
                spent=purchase.points_spent,
                earned=cashback,
                balance=membership.balance_minor,
                currency=merchant.currency,
                point_value=value,
                level_up=membership.level_rank > before,
                level=self._level_name(levels, membership.level_rank),
            ),
        )
        await self._announce(merchant_id, (receipt, *notices), f"sale:{purchase.id}")
        return self._result(purchase, membership, merchant, False, (receipt, *notices))

    async def _settle_purchase(
        self,
        merchant: Merchant,
        purchase: Purchase,
        rows: dict[int, Membership],
        chain: Sequence[int],
        levels: Sequence[LevelInfo],
        now: datetime,
    ) -> PurchaseSettlement:
        """Settle the purchase by the policy and write its postings and counters."""
        membership = rows[purchase.membership_id]
        buyer, referrers = member_state(membership), states(rows, chain)
        value = merchant.point_value_minor
        level = settlement.priced_level(levels, buyer.level_rank)
        if purchase.points_spent > policy.max_redeemable(
            purchase.amount_minor, level, buyer.balance, value
        ):
            raise SaleRefused("balance_changed")
        first = settlement.opens_referral(buyer, referrers) and await self._first_referral(
            merchant.id, await self.session.get(Customer, membership.customer_id), now
        )
        done = settlement.settle_purchase(
            levels,
            buyer,
            referrers,
            amount_minor=purchase.amount_minor,
            points_spent=purchase.points_spent,
            rates_bp=merchant.referral_rates_bp,
            referral_bonus_minor=merchant.referral_bonus_minor,
            first_referral=first,
            point_value=value,
        )
        try:
            await write(self.ledger, rows, done.postings, done.members, now, purchase.id)
        except ValueError:  # the points spent are no longer there
            raise SaleRefused("balance_changed") from None
        return done

    async def _first_referral(
        self, merchant_id: int, friend: Customer | None, now: datetime
    ) -> bool:
        """Once per person: a friend who left and joined again through the same link has
        made their referral effective already."""
        if friend is None:
            return False
        marker = grants.marker(self.marker_key, merchant_id, friend.telegram_id)
        return await grants.grant_once(self.session, merchant_id, marker, grants.REFERRAL, now)

    async def _referrers_told(
        self,
        done: PurchaseSettlement,
        rows: dict[int, Membership],
        friend: Customer,
        levels: Sequence[LevelInfo],
    ) -> list[Notice]:
        """A notice to each referrer who earned something or rose a level."""
        friend_name = friend.first_name
        notices: list[Notice] = []
        for r in done.rewards:
            depth, share, bonus, before = r.depth, r.share, r.bonus, r.level_before
            ancestor = rows[r.member.id]
            if r.news:
                owner = await self.session.get(Customer, ancestor.customer_id)
                if owner is not None:
                    notices.append(
                        Notice(
                            owner.telegram_id,
                            owner.language,
                            ReferralReward(
                                friend=friend_name if depth == 1 else None,
                                depth=depth,
                                points=share + bonus,
                                bonus=bonus,
                                balance=ancestor.balance_minor,
                                level_up=ancestor.level_rank > before,
                                level=self._level_name(levels, ancestor.level_rank),
                            ),
                        )
                    )
        return notices

    async def _daily_flag(
        self, merchant: Merchant, membership: Membership, purchase: Purchase, now: datetime
    ) -> list[Notice]:
        """Each daily threshold of the merchant, flagged every time it is crossed."""
        return await limits.threshold_flags(
            self.session, self.owner_ids, merchant, membership, purchase, now
        )

    @staticmethod
    def _level_name(levels: Sequence[LevelInfo], rank: int) -> str:
        return next((lv.name for lv in levels if lv.rank == rank), levels[-1].name)

    async def _confirmed_before(self, purchase: Purchase, merchant: Merchant) -> SaleResult:
        """A second press or a retry: the purchase as it was confirmed, nothing done again."""
        membership = await self.memberships.get(purchase.membership_id)
        assert membership is not None
        return self._result(purchase, membership, merchant, True, ())

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
