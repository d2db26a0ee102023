"""Vouchers past their time lapse, their points come back, and each member is told; members
whose vouchers lapse within two days are reminded once, with the days really left (not for a
voucher claimed already inside those two days: they were just told when it lapses)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby
from math import ceil

from db.repositories.vouchers import VoucherRepo
from services.jobs.base import JobBase
from services.notices import Notice, VoucherExpiring, VoucherLapsed
from services.outbox import enqueue_keyed
from services.rewards.lapse import return_points

WARN_DAYS = 2  # before a voucher lapses


class VoucherLapses(JobBase):
    async def lapse_vouchers(self) -> int:
        """Every open voucher past expires_at lapses in one UPDATE; the points come back
        in one more; a notice per voucher (keyed by it, so once). Returns messages queued."""
        queued = 0
        async with self.session.begin():
            now = self.clock()
            repo = VoucherRepo(self.session)
            languages = {m.id: m.default_language for m in await self.jobs.merchants()}
            queued += await self._warn(repo, now, languages)
            lapsed = await repo.lapse_due(now)
            if not lapsed:
                return queued
            owed: dict[int, int] = {}
            await return_points(self.session, lapsed, now, owed)
            people = await repo.addressees([row.id for row in lapsed])
            for merchant_id, rows in groupby(
                sorted(lapsed, key=lambda r: r.merchant_id), key=lambda r: r.merchant_id
            ):
                notices = []
                for row in rows:
                    if row.id not in people:
                        continue
                    chat, name, balance = people[row.id]
                    body = VoucherLapsed(
                        reward=name, points=row.points, balance=balance, owed=owed.get(row.id, 0)
                    )
                    notice = Notice(chat, None, body)
                    notices.append((notice, f"voucher_lapsed:{row.id}"))
                language = languages.get(merchant_id, "en")
                queued += await enqueue_keyed(self.session, merchant_id, notices, now, language)
        return queued

    async def _warn(self, repo: VoucherRepo, now: datetime, languages: dict[int, str]) -> int:
        """A reminder per voucher lapsing within WARN_DAYS days, once (keyed by it)."""
        queued = 0
        window = timedelta(days=WARN_DAYS)
        expiring = await repo.expiring(now, now + window)
        for merchant_id, rows in groupby(expiring, key=lambda r: r.merchant_id):
            notices = [
                (
                    Notice(
                        row.telegram_id,
                        None,
                        VoucherExpiring(reward=row.name, days=days_left(now, row.expires_at)),
                    ),
                    f"voucher_expiring:{row.id}",
                )
                for row in rows
                if row.expires_at - row.claimed_at > window
            ]
            language = languages.get(merchant_id, "en")
            queued += await enqueue_keyed(self.session, merchant_id, notices, now, language)
        return queued


def days_left(now: datetime, expires_at: datetime) -> int:
    """Whole days until a voucher lapses, a part of a day counted as one (at least 1)."""
    return max(1, ceil((expires_at - now) / timedelta(days=1)))
