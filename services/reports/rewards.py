"""/kpi rewards: what rewards cost and bring in a period (KPI.md, "Rewards" and "Promotions"):
vouchers claimed, redeemed, lapsed and open by source, the points spent on them and held in
open ones, full stamp cards, the rewards redeemed most, and each promotion's extra points,
purchases, revenue and the uplift of its hours.

Choices where KPI.md leaves room (and documents):
- A voucher counts as claimed, redeemed or lapsed in the period when that happened in it; it
  is open at the period's end when claimed before it and neither redeemed nor closed by then.
- Points spent on rewards: the points of the vouchers redeemed in the period (the reservation
  became a spend then); their cost is their value in money (KPI.md: "cost of rewards at their
  points value"). Points reserved: those of the vouchers open at the end; they are owed,
  so the outstanding liability is the balances plus them (stats.py).
- Redemption rate of vouchers: redeemed / (redeemed + lapsed), in the period.
- Cancelled vouchers (a member erased their data, staff withdrew one) are counted in the
  period they were cancelled in and listed beside the rest when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from db.engine import reading
from db.models import LedgerReason, Promotion, VoucherSource
from services import policy
from services.dto import MerchantView
from services.merchants import promotion_rule
from services.reports.figures import Ratio, ratio
from services.reports.periods import DEFAULT_DAYS, Period, local_midnight
from services.reports.promotion_hours import (
    BASELINE_DAYS,
    HoursUplift,
    Window,
    baseline,
    first_day,
    minutes,
    windows,
)
from services.reports.stats import StatsReports

SOURCES = (VoucherSource.CLAIM, VoucherSource.STAMPS, VoucherSource.WELCOME, VoucherSource.FRIEND)


@dataclass(frozen=True, slots=True)
class VoucherCounts:
    """Vouchers of one source (or of all: `source` None) in a period."""

    source: VoucherSource | None
    claimed: int = 0
    redeemed: int = 0
    lapsed: int = 0
    open: int = 0  # at the period's end
    spent: int = 0  # points of those redeemed
    reserved: int = 0  # points of those open at the end
    cancelled: int = 0  # withdrawn or erased in the period: with the rest, the claims add up

    @property
    def redemption_rate(self) -> Ratio:
        return redemption_rate(self.redeemed, self.lapsed)


def redemption_rate(redeemed: int, lapsed: int) -> Ratio:
    """Of the vouchers that were settled (redeemed or lapsed), the share redeemed."""
    return ratio(redeemed, redeemed + lapsed)


def total(rows: tuple[VoucherCounts, ...]) -> VoucherCounts:
    """The counts of every source together."""
    names = [f.name for f in fields(VoucherCounts) if f.name != "source"]
    return VoucherCounts(None, **{name: sum(getattr(r, name) for r in rows) for name in names})


def promotion_points(points: dict[str, int]) -> int:
    """Extra points promotions gave in a period, less those refunds took back."""
    return points.get(LedgerReason.PROMOTION, 0) + points.get(LedgerReason.PROMOTION_REVERSED, 0)


@dataclass(frozen=True, slots=True)
class PromotionFigures:
    name: str
    multiplier_pct: int
    extra_stamps: int
    purchases: int  # that earned under it in the period
    revenue: int
    hours: HoursUplift


@dataclass(frozen=True, slots=True)
class RewardsReport:
    merchant: MerchantView
    period: Period
    sources: tuple[VoucherCounts, ...]  # in SOURCES order, those with any voucher
    vouchers: VoucherCounts  # all sources
    balances: int  # points on balances at the period's end
    liability_minor: int  # balances and reserved points, in money
    spent_minor: int  # the cost of the rewards redeemed: their points' value in money
    cards_completed: int
    top: tuple[tuple[str, int], ...]  # reward name, redemptions
    promotion_points: int
    promotions: tuple[PromotionFigures, ...]
    promotion_minor: int = 0  # the extra points' value in money

    @property
    def liability(self) -> int:
        return self.balances + self.vouchers.reserved


class RewardsReports(StatsReports):
    async def rewards(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> RewardsReport:
        """/kpi rewards for the last `days` days (or first..last)."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            return await self.rewards_of(merchant, period)

    async def rewards_of(self, merchant: MerchantView, period: Period) -> RewardsReport:
        """The report for a period (no access check: callers do it)."""
        r, start, end = self.repo, period.start, period.end
        found = {source: rest for source, *rest in await r.vouchers(merchant.id, start, end)}
        sources = tuple(VoucherCounts(s, *found[s]) for s in SOURCES if s in found)
        points = await r.point_flows(merchant.id, start, end)
        balances = await r.liability(merchant.id, end)
        everything, value = total(sources), await r.point_value(merchant.id)
        extra = promotion_points(points)
        return RewardsReport(
            merchant=merchant,
            period=period,
            sources=sources,
            vouchers=everything,
            balances=balances,
            liability_minor=policy.points_worth(balances + everything.reserved, value),
            spent_minor=policy.points_worth(everything.spent, value),
            cards_completed=await r.cards_completed(merchant.id, start, end),
            top=tuple(await r.top_rewards(merchant.id, start, end)),
            promotion_points=extra,
            promotions=await self._promotions(merchant, period),
            promotion_minor=policy.points_worth(extra, value),
        )

    async def digest_rewards(self, merchant_id: int, period: Period) -> tuple[int, int]:
        """(Vouchers redeemed, stamp cards completed) in a period, for the weekly digest (no
        access check)."""
        rows = await self.repo.vouchers(merchant_id, period.start, period.end)
        cards = await self.repo.cards_completed(merchant_id, period.start, period.end)
        return sum(row[2] for row in rows), cards

    async def _promotions(
        self, merchant: MerchantView, period: Period
    ) -> tuple[PromotionFigures, ...]:
        """Each promotion that ran in the period: its sales, and its hours against the same
        hours of the four weeks before it began (one query for every window)."""
        r, tz = self.repo, merchant.timezone
        rows = await r.promotions_between(merchant.id, period.start, period.end)
        if not rows:
            return ()
        sales = await r.promotion_sales(merchant.id, period.start, period.end)
        first_sale = await r.first_sale(merchant.id)
        cuts: list[tuple[list[Window], list[Window], bool]] = []
        for row in rows:
            rule = promotion_rule(row)
            began = first_day(rule, row.created_at.astimezone(ZoneInfo(tz)).date())
            stop = min(period.end, self.clock(), row.ended_at or period.end)
            during = windows(rule, max(period.first_day, began), period.last_day, tz, stop)
            history = first_sale is not None and first_sale < local_midnight(
                began - timedelta(days=BASELINE_DAYS), tz
            )
            cuts.append((during, baseline(rule, began, tz), history))
        # Group 2i: promotion i's hours in the period; 2i + 1: the same hours before it.
        groups = [
            (2 * i + side, part) for i, cut in enumerate(cuts) for side, part in enumerate(cut[:2])
        ]
        counts = await r.sales_in(
            merchant.id, [(g, opens, closes) for g, part in groups for opens, closes in part]
        )
        return tuple(
            _figures(row, sales.get(row.id, (0, 0)), during, before, history, counts, index)
            for index, (row, (during, before, history)) in enumerate(zip(rows, cuts, strict=True))
            if during or row.id in sales
        )


def _figures(
    row: Promotion,
    sold: tuple[int, int],
    during: list[Window],
    before: list[Window],
    history: bool,
    counts: dict[int, int],
    index: int,
) -> PromotionFigures:
    return PromotionFigures(
        name=row.name,
        multiplier_pct=row.multiplier_pct,
        extra_stamps=row.extra_stamps,
        purchases=sold[0],
        revenue=sold[1],
        hours=HoursUplift(
            purchases=counts.get(2 * index, 0),
            minutes=minutes(during),
            baseline_purchases=counts.get(2 * index + 1, 0),
            baseline_minutes=minutes(before),
            history=history,
        ),
    )
