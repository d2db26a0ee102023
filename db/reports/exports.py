"""The CSV exports' queries (members, purchases, ledger), streamed a chunk at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select

from db.models import Customer, LedgerEntry, Membership, Purchase, PurchaseStatus, Staff
from db.reports.base import AnySelect, seller
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
