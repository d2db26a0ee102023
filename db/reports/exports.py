"""The CSV exports' queries (members, purchases, ledger, reward vouchers, promotions),
streamed a chunk at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import and_, func, select

from db.models import (
    Customer,
    LedgerEntry,
    LedgerReason,
    Membership,
    Promotion,
    Purchase,
    PurchaseStatus,
    Reward,
    Staff,
    Voucher,
)
from db.reports.base import AnySelect, counted, net_revenue, seller
from db.repositories.base import Repo


class ExportRepo(Repo):
    async def stream(self, query: AnySelect, chunk: int = 5_000) -> AsyncIterator[Sequence[Any]]:
        result = await self.s.stream(query.execution_options(yield_per=chunk))
        async for partition in result.partitions(chunk):
            yield partition

    def members_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                Membership.id,
                Membership.joined_at,
                Membership.source,
                Membership.referrer_id,
                Membership.level_rank,
                Membership.balance_minor,
                Membership.lifetime_spend_minor,
                Membership.purchases_count,
                Membership.effective_referrals,
                Membership.marketing_opt_in,
                Membership.deleted_at,
                Customer.telegram_id,
                Customer.first_name,
                Customer.phone,
                Customer.birthday_day,
                Customer.birthday_month,
                Customer.birthday_year,
                Customer.language,
                Customer.bot_blocked,
            )
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id)
            .order_by(Membership.id)
        )

    def purchases_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                Purchase.id,
                Purchase.membership_id,
                Purchase.confirmed_at,
                Purchase.amount_minor,
                Purchase.refunded_minor,
                Purchase.points_spent,
                Purchase.cashback_minor,
                Purchase.receipt_no,
                Staff.name,
                Purchase.rating,
                Purchase.rating_comment,
            )
            .outerjoin(Staff, seller())
            .where(
                Purchase.merchant_id == merchant_id, Purchase.status == PurchaseStatus.CONFIRMED
            )
            .order_by(Purchase.id)
        )

    def ledger_query(self, merchant_id: int) -> AnySelect:
        return (
            select(
                LedgerEntry.id,
                LedgerEntry.membership_id,
                LedgerEntry.created_at,
                LedgerEntry.delta_minor,
                LedgerEntry.balance_after_minor,
                LedgerEntry.reason,
                LedgerEntry.purchase_id,
            )
            .join(Membership, Membership.id == LedgerEntry.membership_id)
            .where(Membership.merchant_id == merchant_id)
            .order_by(LedgerEntry.id)
        )

    def vouchers_query(self, merchant_id: int) -> AnySelect:
        """The merchant's vouchers with their reward's name and who redeemed them."""
        return (
            select(
                Voucher.id,
                Voucher.membership_id,
                Reward.name.label("reward"),
                Voucher.source,
                Voucher.status,
                Voucher.points,
                Voucher.claimed_at,
                Voucher.expires_at,
                Voucher.redeemed_at,
                Voucher.closed_at,
                Voucher.purchase_id,
                Staff.name.label("staff"),
                Voucher.redeemed_by,
            )
            .select_from(Voucher)
            .join(Reward, Reward.id == Voucher.reward_id)
            .outerjoin(
                Staff,
                and_(
                    Staff.merchant_id == Voucher.merchant_id,
                    Staff.telegram_id == Voucher.redeemed_by,
                ),
            )
            .where(Voucher.merchant_id == merchant_id)
            .order_by(Voucher.id)
        )

    def promotions_query(self, merchant_id: int) -> AnySelect:
        """The merchant's promotions, each with the purchases that earned under it, their
        revenue, and the extra points it gave less those refunds took back."""
        under = and_(
            Purchase.merchant_id == Promotion.merchant_id,
            Purchase.promotion_id == Promotion.id,
            counted(),
        )
        purchases = select(func.count()).where(under).correlate(Promotion).scalar_subquery()
        revenue = (
            select(func.coalesce(func.sum(net_revenue()), 0))
            .where(under)
            .correlate(Promotion)
            .scalar_subquery()
        )
        extra = (
            select(func.coalesce(func.sum(LedgerEntry.delta_minor), 0))
            .join(Purchase, Purchase.id == LedgerEntry.purchase_id)
            .where(
                Purchase.merchant_id == Promotion.merchant_id,
                Purchase.promotion_id == Promotion.id,
                LedgerEntry.reason.in_((LedgerReason.PROMOTION, LedgerReason.PROMOTION_REVERSED)),
            )
            .correlate(Promotion)
            .scalar_subquery()
        )
        return (
            select(
                Promotion.id,
                Promotion.name,
                Promotion.multiplier_pct,
                Promotion.extra_stamps,
                Promotion.weekdays,
                Promotion.start_minute,
                Promotion.end_minute,
                Promotion.starts_on,
                Promotion.ends_on,
                Promotion.min_level_rank,
                Promotion.created_at,
                Promotion.ended_at,
                purchases.label("purchases"),
                revenue.label("revenue"),
                extra.label("extra_points"),
            )
            .where(Promotion.merchant_id == merchant_id)
            .order_by(Promotion.id)
        )
