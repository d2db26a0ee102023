"""Who is writing, in one statement per update: their customer row, where they work (and in
how many merchants they may), the merchant they talk to with its program version, their
membership there (with what their card shows), and whether this update was handled before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Customer,
    Membership,
    Merchant,
    ProcessedUpdate,
    Reward,
    Staff,
    Workplace,
)
from db.reads import remember, single_read

# What a card shows, in MembershipRepo.card's order.
CARD_COLUMNS = (
    "first_name",
    "balance_minor",
    "level_rank",
    "lifetime_spend_minor",
    "effective_referrals",
    "referral_code",
    "stamps",
    "stamp_reward",
)


def stamp_reward(reward_id: Any) -> Any:
    """The name of the stamp card's reward (`reward_id`: the merchant's column), for a card."""
    return select(Reward.name).where(Reward.id == reward_id).scalar_subquery()


def card_key(telegram_id: int, merchant_id: int) -> tuple[str, int, int]:
    """Under which db.reads.remember keeps the card this statement saw."""
    return ("card", telegram_id, merchant_id)


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
    hired: int | None  # the merchant they work in, if they are staff or an owner
    hired_program_version: int | None
    hired_name: str | None
    workplaces: int  # how many merchants they may work in (all of them for an owner)


def _hired(telegram_id: BindParameter[int], owner: BindParameter[bool]) -> Any:
    """The merchant they work in: the one they chose (/merchant) while they are active staff
    there or an owner, else where they were first hired and still work, else (owners) the
    default one."""
    active = and_(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
    chosen = (
        select(Workplace.merchant_id)
        .where(
            Workplace.telegram_id == telegram_id,
            or_(owner, exists().where(active, Staff.merchant_id == Workplace.merchant_id)),
        )
        .scalar_subquery()
    )
    first = select(Staff.merchant_id).where(active).order_by(Staff.id).limit(1).scalar_subquery()
    owners_default: BindParameter[int] = bindparam("owner_merchant_id", type_=Integer)
    return func.coalesce(chosen, first, owners_default)


def _workplaces(telegram_id: BindParameter[int], owner: BindParameter[bool]) -> Any:
    every = Merchant.__table__.alias("every")
    return case(
        (owner, select(func.count()).select_from(every).scalar_subquery()),
        else_=select(func.count())
        .select_from(Staff)
        .where(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
        .scalar_subquery(),
    )


def _query(at_default: bool) -> Select[*tuple[Any, ...]]:
    """The statement, built once per process: building it is dearer than running it."""
    telegram_id: BindParameter[int] = bindparam("telegram_id")
    owner: BindParameter[bool] = bindparam("owner", type_=Boolean)
    hired = _hired(telegram_id, owner)
    work = Merchant.__table__.alias("work")
    handled = exists().where(
        ProcessedUpdate.bot_id == bindparam("bot_id"),
        ProcessedUpdate.update_id == bindparam("update_id"),
    )
    default: BindParameter[int] = bindparam("default_merchant_id")
    merchant_id = (
        default if at_default else func.coalesce(Customer.current_merchant_id, hired, default)
    )
    return (
        select(
            handled.label("handled"),
            Merchant.id.label("merchant_id"),
            Merchant.program_version.label("program_version"),
            Customer.id.label("customer_id"),
            Customer.bot_blocked.label("bot_blocked"),
            Customer.telegram_language.label("telegram_language"),
            Customer.language.label("language"),
            Membership.id.label("membership_id"),
            Membership.consent_version.label("consent_version"),
            Customer.first_name.label("first_name"),
            Membership.balance_minor.label("balance_minor"),
            Membership.level_rank.label("level_rank"),
            Membership.lifetime_spend_minor.label("lifetime_spend_minor"),
            Membership.effective_referrals.label("effective_referrals"),
            Membership.referral_code.label("referral_code"),
            Membership.stamps.label("stamps"),
            stamp_reward(Merchant.stamp_reward_id).label("stamp_reward"),
            work.c.id.label("hired"),
            work.c.program_version.label("hired_program_version"),
            work.c.name.label("hired_name"),
            _workplaces(telegram_id, owner).label("workplaces"),
        )
        .select_from(Merchant)
        .outerjoin(Customer, Customer.telegram_id == telegram_id)
        .outerjoin(
            Membership,
            and_(Membership.customer_id == Customer.id, Membership.merchant_id == Merchant.id),
        )
        .outerjoin(work, work.c.id == hired)
        .where(Merchant.id == merchant_id)
    )


_QUERIES = {at_default: _query(at_default) for at_default in (False, True)}


async def find(
    session: AsyncSession,
    telegram_id: int,
    default_merchant_id: int,
    update: tuple[int, int],
    *,
    at_default: bool = False,
    owner: bool = False,
) -> Who | None:
    """One read outside any transaction. The merchant is the customer's current one, else the
    one they work in, else the default (`at_default`: the default whatever); None when that
    merchant is gone. `owner`: they hold every merchant (OWNER_IDS). A member's card is
    remembered (MembershipRepo.card_seen)."""
    bot_id, update_id = update
    row = await single_read(
        session,
        _QUERIES[at_default],
        {
            "telegram_id": telegram_id,
            "default_merchant_id": default_merchant_id,
            "owner": owner,
            "owner_merchant_id": default_merchant_id if owner else None,
            "bot_id": bot_id,
            "update_id": update_id,
        },
    )
    if row is None:
        return None
    found = dict(row._mapping)
    card = tuple(found.pop(column) for column in CARD_COLUMNS)
    if found["membership_id"] is not None:  # the card, for this update's use cases: no read
        remember(session, card_key(telegram_id, found["merchant_id"]), card)
    found["handled"] = bool(found["handled"])
    found["bot_blocked"] = bool(found["bot_blocked"])
    found["consent_version"] = found["consent_version"] or 0
    found["workplaces"] = int(found["workplaces"] or 0)
    return Who(**found)
