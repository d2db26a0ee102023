"""Who may read a merchant's reports (its admins and the owners), and which period they asked
for: the base of every report in this package."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from db.engine import reading
from db.reports import ReportRepo
from services.base import Service
from services.dto import MerchantView
from services.errors import NotStaff
from services.merchants import merchant_view
from services.reports.periods import Period, last_days, local_today
from services.staff import require_admin


class ReportAccess(Service):
    @cached_property
    def repo(self) -> ReportRepo:
        return ReportRepo(self.session)

    async def merchant(self, merchant_id: int, actor: int) -> MerchantView:
        """The merchant whose reports the actor may read (its admins and the owners); NotStaff
        if they may not."""
        async with reading(self.session):
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise NotStaff()
            return merchant_view(merchant)

    def is_owner(self, actor: int) -> bool:
        return actor in self.owner_ids

    async def today(self, merchant_id: int, actor: int) -> date:
        """The merchant's local date; checks the actor may read reports."""
        merchant = await self.merchant(merchant_id, actor)
        return local_today(self.clock(), merchant.timezone)

    async def _scope(
        self,
        merchant_id: int,
        actor: int,
        days: int,
        first: date | None = None,
        last: date | None = None,
    ) -> tuple[MerchantView, Period]:
        """The merchant (if the actor may read it) and the period asked for: two dates, or
        the last `days` days."""
        merchant = await self.merchant(merchant_id, actor)
        if first is not None and last is not None:
            return merchant, Period(first, last, merchant.timezone)
        today = local_today(self.clock(), merchant.timezone)
        return merchant, last_days(today, days, merchant.timezone)
