"""The till's statements around a sale's people: who may sell (the seller's staff row and
last pause), and the draft's family (its buyer and their referrers) read and locked before the
sale is confirmed (TillRepo.draft_family). Built once per shape, with bound parameters."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, literal, select
from sqlalchemy.orm import aliased

from db.models import AuditLog, Customer, Membership, Preorder, Purchase, PurchaseStatus, Staff
from db.repositories.preorders import WAITING

PAUSED = "staff_paused"  # the audit action that pauses whoever typed wrong codes


def active_staff() -> ColumnElement[bool]:
    return and_(
        Staff.merchant_id == bindparam("merchant_id"),
        Staff.telegram_id == bindparam("actor"),
        Staff.revoked_at.is_(None),
    )


def seller_columns() -> list[Any]:
    """The seller's active staff row (outer-joined by the caller) and their last pause."""
    last_pause = (
        select(func.max(AuditLog.created_at))
        .where(
            AuditLog.actor_telegram_id == bindparam("actor"),
            AuditLog.action == PAUSED,
            AuditLog.merchant_id == bindparam("merchant_id"),
        )
        .scalar_subquery()
    )
    return [
        Staff.role.label("role"),
        Staff.paused_until.label("paused_until"),
        Staff.name.label("staff_name"),
        last_pause.label("last_pause"),
    ]


def confirmed_here(p: Any) -> tuple[ColumnElement[bool], ...]:
    return p.merchant_id == bindparam("merchant_id"), p.status == PurchaseStatus.CONFIRMED


@cache
def family_statement(day: bool) -> Select[Any]:
    """TillRepo.draft_family's statement, with or without whether the buyer was stamped on
    the day."""
    anchor = aliased(Purchase, name="anchor")
    chain = (
        select(anchor.membership_id.label("id"), literal(0).label("depth"))
        .where(
            anchor.idempotency_key == bindparam("key"),
            anchor.merchant_id == bindparam("merchant_id"),
        )
        .cte("chain", recursive=True)
    )
    up = aliased(Membership, name="up")
    chain = chain.union_all(
        select(up.referrer_id, chain.c.depth + 1)
        .join(chain, up.id == chain.c.id)
        .where(chain.c.depth < bindparam("depth"), up.referrer_id.is_not(None))
    )
    p = aliased(Purchase, name="p")
    order = (
        select(Preorder.id)
        .where(
            Preorder.membership_id == p.membership_id,
            Preorder.code == p.payment_code,
            Preorder.status.in_(WAITING),
        )
        .limit(1)
        .scalar_subquery()
    )
    extra: list[Any] = []
    if day:
        earlier = aliased(Purchase, name="earlier")
        extra.append(
            select(earlier.id)
            .where(
                *confirmed_here(earlier),
                earlier.membership_id == p.membership_id,
                earlier.confirmed_at >= bindparam("day_start"),
                earlier.stamps_earned > 0,
                earlier.refunded_minor < earlier.amount_minor,
            )
            .exists()
            .label("stamped_today")
        )
    return (
        select(
            chain.c.depth,
            Membership.id,
            Membership.balance_minor,
            Membership.clawback_due_minor,
            Membership.lifetime_spend_minor,
            Membership.purchases_count,
            Membership.effective_referrals,
            Membership.level_rank,
            Membership.stamps,
            Membership.deleted_at,
            Membership.blocked_at,
            Customer.telegram_id,
            Customer.first_name,
            Customer.language,
            Customer.telegram_language,
            Customer.bot_blocked,
            p.id.label("purchase_id"),
            p.status,
            p.created_at,
            p.amount_minor,
            p.points_spent,
            p.cashback_minor,
            p.payment_code,
            p.staff_telegram_id,
            p.certificate_id,
            p.certificate_minor,
            Membership.customer_id,
            order.label("order_id"),
            *seller_columns(),
            *extra,
        )
        .select_from(chain)
        .join(Membership, Membership.id == chain.c.id)
        .outerjoin(Customer, Customer.id == Membership.customer_id)
        .join(
            p,
            and_(p.idempotency_key == bindparam("key"), p.merchant_id == bindparam("merchant_id")),
        )
        .outerjoin(Staff, active_staff())
        .order_by(Membership.id, chain.c.depth)
        .with_for_update(of=Membership)
    )
