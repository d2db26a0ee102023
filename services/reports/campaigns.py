"""/campaigns: the pushes of a period and the automatic messages (birthday offers, cart
reminders), each with the purchases that followed within a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.engine import reading
from db.reports import DAY
from services.dto import MerchantView
from services.reports.access import ReportAccess
from services.reports.figures import Ratio, ratio
from services.reports.periods import Period

CART_WINDOW = 48 * 3600
CAMPAIGN_WINDOW = 7 * DAY


@dataclass(frozen=True, slots=True)
class CampaignResult:
    campaign_id: int
    created_at: datetime
    segment: str
    recipients: int
    delivered: int
    blocked: int
    failed: int
    purchases: int  # by recipients within 7 days of delivery
    revenue: int


@dataclass(frozen=True, slots=True)
class AutoResult:
    kind: str  # birthday, cart_reminder
    queued: int
    delivered: int
    blocked: int
    purchases: int


@dataclass(frozen=True, slots=True)
class CampaignsReport:
    merchant: MerchantView
    period: Period
    pushes: tuple[CampaignResult, ...]
    automatic: tuple[AutoResult, ...]
    cart_recovery: Ratio


class CampaignReports(ReportAccess):
    async def campaigns(
        self, merchant_id: int, actor: int, days: int = 90, limit: int = 10
    ) -> CampaignsReport:
        """/campaigns: pushes of the period and the automatic messages, with what followed."""
        merchant, period = await self._scope(merchant_id, actor, days)
        r = self.repo
        async with reading(self.session):
            pushes = await r.campaigns(merchant_id, period.start, CAMPAIGN_WINDOW, limit)
            automatic = [
                AutoResult(
                    kind,
                    *await r.kind_deliveries(
                        merchant_id, kind, period.start, period.end, CAMPAIGN_WINDOW
                    ),
                )
                for kind in ("birthday", "cart_reminder")
            ]
            reminded, recovered = await r.cart_recovery(
                merchant_id, period.start, period.end, CART_WINDOW
            )
        return CampaignsReport(
            merchant=merchant,
            period=period,
            pushes=tuple(CampaignResult(*row) for row in pushes),
            automatic=tuple(automatic),
            cart_recovery=ratio(recovered, reminded),
        )
