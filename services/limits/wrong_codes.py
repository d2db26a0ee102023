"""Wrong codes at the till: five within ten minutes pause whoever typed them; the merchant's
hourly limit locks code entry there until an hour passes or an admin resumes it.

Where the state lives: a person's pause is their latest `staff_paused` audit row (ten minutes
from it), so it works for owners, who have no staff row, with no table to keep in step. The
merchant-wide lock is derived from the `wrong_code` audit rows of the last hour (counted from
an admin's resume, if later); the merchant row keeps when the lock was last announced, so each
lock alerts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property

from db.models import Merchant
from db.repositories.limits import LimitRepo
from services.base import Service
from services.errors import CodeInvalid, CodesLocked, StaffPaused
from services.notices import CodesLockedAlert, Notice, StaffPausedAlert
from services.outbox import enqueue
from services.staff import alert_place, alert_recipients, require_admin

WRONG_CODES_LIMIT = 5  # a person's wrong codes ...
WRONG_CODES_WINDOW = timedelta(minutes=10)  # ... within this window ...
PAUSE = timedelta(minutes=10)  # ... pause them this long
MERCHANT_WINDOW = timedelta(hours=1)  # a merchant's wrong codes count over this window
TICK = timedelta(microseconds=1)


def lock_since(now: datetime, resumed_at: datetime | None) -> datetime:
    """Where a merchant's count of wrong codes starts: just after an hour ago (a code typed
    at 12:00 no longer counts at 13:00), or just after the last resume."""
    start = now - MERCHANT_WINDOW + TICK
    return max(start, resumed_at + TICK) if resumed_at is not None else start


def pause_since(now: datetime, last_pause: datetime | None) -> datetime:
    """Where a person's count of wrong codes starts: the window, after their last pause."""
    start = now - WRONG_CODES_WINDOW
    return max(start, last_pause + TICK) if last_pause is not None else start


class TillGuard(Service):
    """Pauses and the merchant-wide lock, in the transaction of a code lookup at the till
    that found nobody (services/till_lookup.py)."""

    @cached_property
    def repo(self) -> LimitRepo:
        return LimitRepo(self.session)

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
            place = await alert_place(self.session, merchant.name)
            await self._alert(
                merchant,
                [Notice(a, None, StaffPausedAlert(staff=name, place=place)) for a in admins],
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
        alert = CodesLockedAlert(
            merchant_id=merchant.id, merchant=merchant.name, limit=merchant.wrong_codes_hour_limit
        )
        await self._alert(
            merchant,
            [Notice(a, None, alert) for a in admins],
            f"codelock:{merchant.id}:{stamp}",
            now,
        )
        return until

    async def _alert(
        self, merchant: Merchant, notices: Sequence[Notice], key: str, now: datetime
    ) -> None:
        await enqueue(self.session, merchant.id, notices, now, key, merchant.default_language)


class LimitService(Service):
    """What owners and admins do about the limits: resume code entry after a lock."""

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
