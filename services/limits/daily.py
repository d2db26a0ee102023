"""A day's purchases: the merchant's cap on what one customer may buy a day, and the
thresholds (a customer's purchases or amount, a seller's) that alert the admins at each
multiple crossed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import AuditRepo, StaffRepo
from db.repositories.limits import LimitRepo
from services.errors import DailyCapReached
from services.notices import (
    CustomerAmountFlag,
    CustomerPurchasesFlag,
    DailyFlag,
    Notice,
    StaffAmountFlag,
    StaffSalesFlag,
)
from services.program import Program
from services.staff import alert_place, alert_recipients


def multiple_crossed(before: int, after: int, threshold: int | None) -> int:
    """The highest multiple k of `threshold` that going from `before` to `after` reached or
    passed (k * threshold in (before, after]), or 0: each multiple is flagged once, when it is
    crossed; a sale that jumps several multiples is flagged once, with the highest."""
    if not threshold or threshold <= 0 or after <= before:
        return 0
    k = after // threshold
    return k if k > max(before, 0) // threshold else 0


def cap_left(cap: int | None, spent_today: int) -> int | None:
    """What a customer may still buy today under a cap (None: no cap)."""
    if cap is None:
        return None
    return max(0, cap - spent_today)


def local_day_start(now: datetime, timezone: str) -> datetime:
    return now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)


def refuse_over_cap(cap: int, before: int, amount_minor: int, currency: str) -> None:
    """Refuse a sale of `amount_minor` to a customer who bought `before` today (net of
    refunds), if together they pass the merchant's cap."""
    if before + amount_minor > cap:
        raise DailyCapReached(cap_left(cap, before) or 0, cap, currency)


@dataclass(frozen=True, slots=True)
class DaySale:
    """A sale just confirmed, as the day's thresholds see it."""

    purchase_id: int
    membership_id: int
    member: str | None  # the customer's first name
    staff_id: int
    staff: str | None  # the seller's name, if known (owners have none)
    amount_minor: int
    count_before: int  # the customer's confirmed purchases today before it
    amount_before: int  # and their amount, net of refunds


@dataclass(frozen=True, slots=True)
class _Crossing:
    flag: type[DailyFlag]
    limit: int
    count: int
    amount: int


def needs_day(program: Program) -> bool:
    """Whether a sale needs the day's purchases: a cap, or a threshold to flag."""
    return bool(
        program.daily_amount_cap_minor
        or program.daily_purchases_flag
        or program.daily_amount_flag_minor
        or program.staff_daily_purchases_flag
        or program.staff_daily_amount_flag_minor
    )


async def threshold_flags(
    session: AsyncSession,
    owner_ids: frozenset[int],
    program: Program,
    sale: DaySale,
    now: datetime,
) -> tuple[list[Notice], list[dict[str, Any]]]:
    """Alerts for each daily threshold this confirmed sale crossed, and their audit rows; the
    caller holds the buyer's row lock and queues them with the sale."""
    count, amount = sale.count_before + 1, sale.amount_before + sale.amount_minor
    checks: list[tuple[type[DailyFlag], int, int, int | None, int, int]] = [
        (CustomerPurchasesFlag, count - 1, count, program.daily_purchases_flag, count, amount),
        (
            CustomerAmountFlag,
            sale.amount_before,
            amount,
            program.daily_amount_flag_minor,
            count,
            amount,
        ),
    ]
    if program.staff_daily_purchases_flag or program.staff_daily_amount_flag_minor:
        repo = LimitRepo(session)
        await repo.lock_merchant(program.id)  # one seller's sales to many customers take turns
        start = local_day_start(now, program.merchant.timezone)
        sold, sold_amount = await repo.day_totals(
            program.id, start, staff_telegram_id=sale.staff_id
        )
        checks += [
            (
                StaffSalesFlag,
                sold - 1,
                sold,
                program.staff_daily_purchases_flag,
                sold,
                sold_amount,
            ),
            (
                StaffAmountFlag,
                sold_amount - sale.amount_minor,
                sold_amount,
                program.staff_daily_amount_flag_minor,
                sold,
                sold_amount,
            ),
        ]
    crossings = []
    for kind, before, after, threshold, n, total in checks:
        k = multiple_crossed(before, after, threshold)
        if k and threshold:
            crossings.append(_Crossing(kind, threshold, n, total))
    if not crossings:
        return [], []
    staff = StaffRepo(session)
    admins = await alert_recipients(staff, program.id, owner_ids)
    seller = sale.staff
    if seller is None and (row := await staff.any(program.id, sale.staff_id)) is not None:
        seller = row.name
    place = await alert_place(session, program.merchant.name)
    notices, audited = [], []
    for c in crossings:
        mine = c.flag.kind.startswith("staff_")
        target = str(sale.staff_id) if mine else str(sale.membership_id)
        audited.append(
            AuditRepo.row(
                program.id, sale.staff_id, "daily_flag", now, target=target, details=c.flag.kind
            )
        )
        flag = c.flag(
            count=c.count,
            amount=c.amount,
            limit=c.limit,
            currency=program.merchant.currency,
            member=sale.member,
            member_id=sale.membership_id,
            staff=seller,
            purchase_id=sale.purchase_id,
            place=place,
        )
        notices += [Notice(admin, None, flag) for admin in admins]
    return notices, audited
