"""Who is writing, in one statement per update: their customer row, where they work, the
merchant they talk to with its program version, their membership there, and whether this
update was handled before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Membership, Merchant, ProcessedUpdate, Staff
from db.reads import single_read


@dataclass(frozen=True, slots=True)
class Who:
    handled: bool  # a delivery of this update committed its work before
    merchant_id: int
    program_version: int
    customer_id: int | None
    bot_blocked: bool
    telegram_language: str | None
    language: str | None
    membership_id: int | None
    consent_version: int
    hired: int | None  # the merchant where they work, if they are staff
    hired_program_version: int | None


async def find(
    session: AsyncSession,
    telegram_id: int,
    default_merchant_id: int,
    update: tuple[int, int],
    *,
    at_default: bool = False,
) -> Who | None:
    """One read outside any transaction. The merchant is the customer's current one, else the
    one they work at, else the default (`at_default`: the default whatever); None when that
    merchant is gone."""
    bot_id, update_id = update
    hired = (
        select(Staff.merchant_id)
        .where(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
        .order_by(Staff.id)
        .limit(1)
        .scalar_subquery()
    )
    work = Merchant.__table__.alias("work")
    handled = exists().where(
        ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id
    )
    customer = select(Customer).where(Customer.telegram_id == telegram_id).subquery()
    merchant_id = (
        literal(default_merchant_id)
        if at_default
        else func.coalesce(customer.c.current_merchant_id, hired, default_merchant_id)
    )
    query = (
        select(
            handled.label("handled"),
            Merchant.id.label("merchant_id"),
            Merchant.program_version.label("program_version"),
            customer.c.id.label("customer_id"),
            customer.c.bot_blocked.label("bot_blocked"),
            customer.c.telegram_language.label("telegram_language"),
            customer.c.language.label("language"),
            Membership.id.label("membership_id"),
            Membership.consent_version.label("consent_version"),
            hired.label("hired"),
            select(work.c.program_version)
            .where(work.c.id == hired)
            .scalar_subquery()
            .label("hired_program_version"),
        )
        .select_from(Merchant)
        .outerjoin(customer, true())
        .outerjoin(
            Membership,
            and_(Membership.customer_id == customer.c.id, Membership.merchant_id == Merchant.id),
        )
        .where(Merchant.id == merchant_id)
    )
    row = await single_read(session, query)
    if row is None:
        return None
    found = dict(row._mapping)
    found["handled"] = bool(found["handled"])
    found["bot_blocked"] = bool(found["bot_blocked"])
    found["consent_version"] = found["consent_version"] or 0
    return Who(**found)
