"""Vouchers past their time lapse, their points come back, and each member is told."""

from __future__ import annotations

from itertools import groupby

from db.repositories.vouchers import VoucherRepo
from services.jobs.base import JobBase
from services.notices import Notice, VoucherLapsed
from services.outbox import enqueue_keyed
from services.rewards.lapse import return_points


class VoucherLapses(JobBase):
    async def lapse_vouchers(self) -> int:
        """Every open voucher past expires_at lapses in one UPDATE; the points come back
        in one more; a notice per voucher (keyed by it, so once). Returns messages queued."""
        queued = 0
        async with self.session.begin():
            now = self.clock()
            repo = VoucherRepo(self.session)
            lapsed = await repo.lapse_due(now)
            if not lapsed:
                return 0
            await return_points(self.session, lapsed, now)
            people = await repo.addressees([row.id for row in lapsed])
            merchants = {m.id: m for m in await self.jobs.merchants()}
            for merchant_id, rows in groupby(
                sorted(lapsed, key=lambda r: r.merchant_id), key=lambda r: r.merchant_id
            ):
                notices = []
                for row in rows:
                    if row.id not in people:
                        continue
                    chat, name, balance = people[row.id]
                    body = VoucherLapsed(reward=name, points=row.points, balance=balance)
                    notice = Notice(chat, None, body)
                    notices.append((notice, f"voucher_lapsed:{row.id}"))
                merchant = merchants.get(merchant_id)
                language = merchant.default_language if merchant is not None else "en"
                queued += await enqueue_keyed(self.session, merchant_id, notices, now, language)
        return queued
