"""A day's purchases: the merchant's cap on what one customer may buy a day, and the
thresholds (a customer's purchases or amount, a seller's) that alert the admins at each
multiple crossed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Membership, Merchant, Purchase
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
from services.staff import alert_recipients


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


async def check_daily_cap(
    session: AsyncSession,
    merchant: Merchant,
    membership_id: int,
    amount_minor: int,
    now: datetime,
    counted: bool = False,
) -> None:
    """Refuse a sale that would take the customer's checks today (net of refunds) over the
    merchant's cap. `counted`: the sale is already among today's confirmed purchases."""
    cap = merchant.daily_amount_cap_minor
    if not cap:
        return
    start = local_day_start(now, merchant.timezone)
    _, total = await LimitRepo(session).day_totals(merchant.id, start, membership_id=membership_id)
    before = total - amount_minor if counted else total
    if before + amount_minor > cap:
        raise DailyCapReached(cap_left(cap, before) or 0, cap, merchant.currency)


@dataclass(frozen=True, slots=True)
class _Crossing:
    flag: type[DailyFlag]
    limit: int
    count: int
    amount: int


async def threshold_flags(
    session: AsyncSession,
    owner_ids: frozenset[int],
    merchant: Merchant,
    membership: Membership,
    purchase: Purchase,
    now: datetime,
) -> list[Notice]:
    """Alerts for each daily threshold this confirmed purchase crossed, audited; the caller
    holds the buyer's row lock and queues them with the sale."""
    repo = LimitRepo(session)
    staff_id = purchase.staff_telegram_id
    if merchant.staff_daily_purchases_flag or merchant.staff_daily_amount_flag_minor:
        await repo.lock_merchant(merchant.id)  # one seller's sales to many customers take turns
    await session.flush()
    start = local_day_start(now, merchant.timezone)
    count, amount = await repo.day_totals(merchant.id, start, membership_id=membership.id)
    crossings = []
    checks: list[tuple[type[DailyFlag], int, int, int | None, int, int]] = [
        (CustomerPurchasesFlag, count - 1, count, merchant.daily_purchases_flag, count, amount),
        (
            CustomerAmountFlag,
            amount - purchase.amount_minor,
            amount,
            merchant.daily_amount_flag_minor,
            count,
            amount,
        ),
    ]
    if merchant.staff_daily_purchases_flag or merchant.staff_daily_amount_flag_minor:
        sold, sold_amount = await repo.day_totals(merchant.id, start, staff_telegram_id=staff_id)
        checks += [
            (
                StaffSalesFlag,
                sold - 1,
                sold,
                merchant.staff_daily_purchases_flag,
                sold,
                sold_amount,
            ),
            (
                StaffAmountFlag,
                sold_amount - purchase.amount_minor,
                sold_amount,
                merchant.staff_daily_amount_flag_minor,
                sold,
                sold_amount,
            ),
        ]
    for kind, before, after, threshold, n, total in checks:
        k = multiple_crossed(before, after, threshold)
        if k and threshold:
            crossings.append(_Crossing(kind, threshold, n, total))
    if not crossings:
        return []
    staff_repo = StaffRepo(session)
    admins = await alert_recipients(staff_repo, merchant.id, owner_ids)
    customer = await session.get(Customer, membership.customer_id)
    seller = await staff_repo.any(merchant.id, staff_id)
    audit = AuditRepo(session)
    notices = []
    for c in crossings:
        mine = c.flag.kind.startswith("staff_")
        target = str(staff_id) if mine else str(membership.id)
        audit.add(merchant.id, staff_id, "daily_flag", now, target=target, details=c.flag.kind)
        flag = c.flag(
            count=c.count,
            amount=c.amount,
            limit=c.limit,
            currency=merchant.currency,
            member=customer.first_name if customer else None,
            member_id=membership.id,
            staff=seller.name if seller is not None else None,
            purchase_id=purchase.id,
        )
        notices += [Notice(admin, None, flag) for admin in admins]
    return notices
