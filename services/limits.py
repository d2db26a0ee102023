"""Limits at the till: wrong codes pause whoever typed them and can lock code entry at a whole
merchant; a day's purchases are flagged at each multiple of a threshold and capped per customer.

Where the state lives: a person's pause is their latest `staff_paused` audit row (ten minutes
from it), so it works for owners, who have no staff row, with no table to keep in step. The
merchant-wide lock is derived from the `wrong_code` audit rows of the last hour (counted from
an admin's resume, if later); the merchant row keeps when the lock was last announced, so each
lock alerts once.

Race safety on PostgreSQL: a code lookup first locks the merchant's row (`SELECT ... FOR
UPDATE`), so lookups at one merchant take turns: the counts a lookup sees include every
committed wrong code, and no two lookups both slip under a limit. A confirmation holds the
buyer's row lock (SaleService._lock_family) before it checks the daily cap and the customer's
thresholds, and also the merchant's row when a per-cashier threshold is set. On SQLite every
writing transaction takes turns anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Membership, Merchant, Purchase
from db.repositories import AuditRepo, StaffRepo
from db.repositories.limits import LimitRepo
from services.clock import Clock, utc_now
from services.dto import Notice
from services.errors import CodeInvalid, CodesLocked, DailyCapReached, StaffPaused
from services.outbox import enqueue
from services.staff import alert_recipients, require_admin

WRONG_CODES_LIMIT = 5  # a person's wrong codes ...
WRONG_CODES_WINDOW = timedelta(minutes=10)  # ... within this window ...
PAUSE = timedelta(minutes=10)  # ... pause them this long
MERCHANT_WINDOW = timedelta(hours=1)  # a merchant's wrong codes count over this window
TICK = timedelta(microseconds=1)

# Notice kinds of the daily thresholds: customer purchases, customer amount, seller's sales,
# seller's amount.
THRESHOLD_KINDS = ("daily_flag", "daily_amount_flag", "staff_daily_flag", "staff_amount_flag")


# --- pure policy ---------------------------------------------------------------------------


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


def lock_since(now: datetime, resumed_at: datetime | None) -> datetime:
    """Where a merchant's count of wrong codes starts: just after an hour ago (a code typed
    at 12:00 no longer counts at 13:00), or just after the last resume."""
    start = now - MERCHANT_WINDOW + TICK
    return max(start, resumed_at + TICK) if resumed_at is not None else start


def pause_since(now: datetime, last_pause: datetime | None) -> datetime:
    """Where a person's count of wrong codes starts: the window, after their last pause."""
    start = now - WRONG_CODES_WINDOW
    return max(start, last_pause + TICK) if last_pause is not None else start


def local_day_start(now: datetime, timezone: str) -> datetime:
    return now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)


# --- code entry ----------------------------------------------------------------------------


class TillGuard:
    """Pauses and the merchant-wide lock, inside SaleService.find_customer's transaction."""

    def __init__(self, session: AsyncSession, owner_ids: frozenset[int]) -> None:
        self.session = session
        self.owner_ids = owner_ids
        self.repo = LimitRepo(session)
        self.staff = StaffRepo(session)
        self.audit = AuditRepo(session)

    async def check_pause(self, merchant_id: int, actor: int, now: datetime) -> None:
        last = await self.repo.last_action(merchant_id, actor, "staff_paused")
        if last is not None and last + PAUSE > now:
            raise StaffPaused(last + PAUSE)

    async def locked_until(self, merchant: Merchant, now: datetime) -> datetime | None:
        """When code entry reopens if it is locked now, else None."""
        limit = merchant.wrong_codes_hour_limit
        if limit <= 0:
            return None
        since = lock_since(now, merchant.codes_resumed_at)
        wrong = await self.repo.count_actions(merchant.id, "wrong_code", since)
        if wrong < limit:
            return None
        oldest = await self.repo.nth_action_since(
            merchant.id, "wrong_code", since, wrong - limit + 1
        )
        return (oldest or now) + MERCHANT_WINDOW

    async def before_lookup(self, merchant_id: int, actor: int, now: datetime) -> Merchant:
        """Take the merchant's turn, then refuse a paused person or a locked merchant."""
        merchant = await self.repo.lock_merchant(merchant_id)
        assert merchant is not None
        await self.check_pause(merchant_id, actor, now)
        until = await self.locked_until(merchant, now)
        if until is not None:
            raise CodesLocked(until)
        return merchant

    async def after_miss(
        self, merchant: Merchant, actor: int, action: str, reason: str, now: datetime
    ) -> CodeInvalid:
        """A wrong code was just audited: pause the person, lock the merchant, alert."""
        if action != "wrong_code":
            return CodeInvalid(reason)
        last = await self.repo.last_action(merchant.id, actor, "staff_paused")
        wrong = await self.repo.count_actions(
            merchant.id, "wrong_code", pause_since(now, last), actor
        )
        admins = await alert_recipients(self.staff, merchant.id, self.owner_ids)
        until = None
        stamp = f"{now:%Y%m%d%H%M%S%f}"
        if wrong >= WRONG_CODES_LIMIT:
            until = now + PAUSE
            self.audit.add(merchant.id, actor, "staff_paused", now)
            staff = await self.staff.active(merchant.id, actor)
            name = staff.name if staff is not None else None  # owners have no staff row
            await self._alert(
                merchant,
                [Notice(a, None, "staff_paused", {"staff": name}) for a in admins],
                f"pause:{merchant.id}:{actor}:{stamp}",
                now,
            )
        locked = await self._maybe_lock(merchant, actor, admins, now, stamp)
        return CodeInvalid(reason, paused=until is not None, until=until, locked_until=locked)

    async def _maybe_lock(
        self, merchant: Merchant, actor: int, admins: Sequence[int], now: datetime, stamp: str
    ) -> datetime | None:
        """When code entry reopens, if this wrong code left it locked; alerts once a lock."""
        until = await self.locked_until(merchant, now)
        if until is None:
            return None
        since = lock_since(now, merchant.codes_resumed_at)
        if merchant.codes_locked_at is not None and merchant.codes_locked_at >= since:
            return until  # this lock was announced already
        merchant.codes_locked_at = now
        self.audit.add(merchant.id, actor, "codes_locked", now)
        data: dict[str, object] = {
            "merchant_id": merchant.id,
            "merchant": merchant.name,
            "limit": merchant.wrong_codes_hour_limit,
        }
        await self._alert(
            merchant,
            [Notice(a, None, "codes_locked", data) for a in admins],
            f"codelock:{merchant.id}:{stamp}",
            now,
        )
        return until

    async def _alert(
        self, merchant: Merchant, notices: Sequence[Notice], key: str, now: datetime
    ) -> None:
        await enqueue(self.session, merchant.id, notices, now, key, merchant.default_language)


class LimitService:
    """What owners and admins do about the limits: resume code entry after a lock."""

    def __init__(
        self, session: AsyncSession, owner_ids: Sequence[int] = (), clock: Clock = utc_now
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock

    async def resume_codes(self, merchant_id: int, actor: int) -> bool:
        """Reopen code entry at once; False when it was not locked (a second press). Raises
        NotStaff for anyone but the owners and the merchant's admins."""
        async with self.session.begin():
            guard = TillGuard(self.session, self.owner_ids)
            await require_admin(guard.staff, merchant_id, actor, self.owner_ids)
            merchant = await guard.repo.lock_merchant(merchant_id)
            now = self.clock()
            if merchant is None or await guard.locked_until(merchant, now) is None:
                return False
            merchant.codes_resumed_at = now
            guard.audit.add(merchant_id, actor, "codes_resumed", now)
            return True


# --- a day's purchases ---------------------------------------------------------------------


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
    kind: str
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
    checks = [
        ("daily_flag", count - 1, count, merchant.daily_purchases_flag, count, amount),
        (
            "daily_amount_flag",
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
                "staff_daily_flag",
                sold - 1,
                sold,
                merchant.staff_daily_purchases_flag,
                sold,
                sold_amount,
            ),
            (
                "staff_amount_flag",
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
        mine = c.kind.startswith("staff_")
        target = str(staff_id) if mine else str(membership.id)
        audit.add(merchant.id, staff_id, "daily_flag", now, target=target, details=c.kind)
        data: dict[str, object] = {
            "count": c.count,
            "amount": c.amount,
            "limit": c.limit,
            "currency": merchant.currency,
            "member": customer.first_name if customer else None,
            "member_id": membership.id,
            "staff": seller.name if seller is not None else None,
            "purchase_id": purchase.id,
        }
        notices += [Notice(admin, None, c.kind, data) for admin in admins]
    return notices
