"""The day report for staff: today's sales in the merchant's time zone, one's own or, for
admins and owners, everyone's, with totals per seller net of refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.models import StaffRole
from services.seller import SellerBase


@dataclass(frozen=True, slots=True)
class SaleLine:
    purchase_id: int
    confirmed_at: datetime
    staff_telegram_id: int
    staff_name: str
    amount_minor: int
    points_spent: int
    refunded_minor: int


@dataclass(frozen=True, slots=True)
class DayReport:
    lines: tuple[SaleLine, ...]
    currency: str
    timezone: str
    everyone: bool  # an admin's view of all staff
    total_minor: int  # net of refunds
    per_staff: tuple[tuple[str, int, int], ...]  # (name, sales, net amount), by name


class DayReportService(SellerBase):
    async def today(self, merchant_id: int, staff_id: int) -> DayReport:
        """Today's sales in the merchant's time zone: one's own, or everyone's for admins."""
        async with self.session.begin():
            now = self.clock()
            role = await self._seller(merchant_id, staff_id, now)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            tz = ZoneInfo(merchant.timezone)
            start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
            everyone = role in (StaffRole.OWNER, StaffRole.ADMIN)
            rows = await self.purchases.confirmed_between(
                merchant_id, start, start + timedelta(days=1), None if everyone else staff_id
            )
            names = {s.telegram_id: s.name for s in await self.staff.list_active(merchant_id)}
            lines = tuple(
                SaleLine(
                    p.id,
                    p.confirmed_at or p.created_at,
                    p.staff_telegram_id,
                    names.get(p.staff_telegram_id, str(p.staff_telegram_id)),
                    p.amount_minor,
                    p.points_spent,
                    p.refunded_minor,
                )
                for p in rows
            )
            per_staff: dict[str, tuple[int, int]] = {}
            for line in lines:
                count, amount = per_staff.get(line.staff_name, (0, 0))
                net = line.amount_minor - line.refunded_minor
                per_staff[line.staff_name] = (count + 1, amount + net)
            return DayReport(
                lines,
                merchant.currency,
                merchant.timezone,
                everyone,
                sum(amount for _, amount in per_staff.values()),
                tuple((name, c, a) for name, (c, a) in sorted(per_staff.items())),
            )
