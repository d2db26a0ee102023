"""Points expiry: points older than the merchant's lifetime expire, oldest first, with warnings
7 days and 1 day before."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from db.models import LedgerReason
from db.repositories import MembershipRepo
from services.jobs.base import JobBase
from services.notices import ExpiryWarning, Notice, PointsExpired
from services.outbox import enqueue_keyed


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the 30th...)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


class PointsExpiry(JobBase):
    async def expire_points(self) -> int:
        """Points older than the merchant's lifetime expire, oldest first (spending uses the
        oldest points first, so what expires is what was never spent); warnings go out 7 days
        and 1 day before. Returns messages queued."""
        queued = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                months = merchant.points_lifetime_months
                if not months:
                    continue
                cutoffs = [months_before(now + timedelta(days=d), months) for d in (0, 1, 7)]
                flows = await self.jobs.point_flows(merchant.id, cutoffs)
                expiring = [f[0] for f in flows if max(0, f[4][0] - f[2] - f[3]) > 0]
                locked = await MembershipRepo(self.session).lock_many(expiring)
                notices: list[tuple[Notice, str]] = []
                for member_id, chat, debits, expired, credited in flows:
                    due_now, due_1, due_7 = (max(0, c - debits - expired) for c in credited)
                    if due_now:
                        membership = locked[member_id]
                        amount = min(due_now, membership.balance_minor)
                        await self.ledger.post(membership, -amount, LedgerReason.EXPIRY, now)
                        notice = Notice(
                            chat,
                            None,
                            PointsExpired(points=amount, balance=membership.balance_minor),
                        )
                        notices.append((notice, f"expired:{member_id}:{expired + amount}"))
                    # Each wave of points crossing a horizon warns once: the key is the total
                    # credited up to that horizon, which grows only with a new wave.
                    for days, due, total in ((7, due_7, credited[2]), (1, due_1, credited[1])):
                        soon = due - due_now
                        if soon > 0:
                            notice = Notice(chat, None, ExpiryWarning(points=soon, days=days))
                            notices.append((notice, f"expiry{days}:{member_id}:{total}"))
                queued += await enqueue_keyed(
                    self.session, merchant.id, notices, now, merchant.default_language
                )
        return queued
