"""/stats: every KPI of ../shared/KPI.md for a period, by the five loyalty factors, and the
same for the period before it.

Choices where KPI.md leaves room (README "Reports" says the same to merchants):
- A purchase counts when it is confirmed and not wholly refunded; its revenue is its amount
  less refunds, counted on the day of the purchase.
- A member who erased their data is no longer a member from that moment, but their
  purchases stay in revenue and in the purchase-based rates: erasing personal data does
  not rewrite the merchant's sales history.
- Profile completion and reachability are today's values of the members at the period end
  (the bot keeps no history of a birthday or a phone being added).
- Outstanding liability is what the program owes in points at the period end: the balances
  and the points reserved in vouchers still open then (a claimed reward not yet handed over
  is owed as much as the points were). Points issued include a promotion's extra points and
  a friend's gift, gross like cashback (what a refund takes back is not taken off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from db.engine import reading
from db.models import SALE, LedgerReason
from db.reports import DAY, points_of, stars_of
from services import policy
from services.dto import MerchantView
from services.reports.access import ReportAccess
from services.reports.figures import Nps, Ratio, csat_of, nps_of, ratio
from services.reports.periods import DEFAULT_DAYS, Period

CHURN_HORIZON = timedelta(days=90)
CONVERSION_WINDOW = 30 * DAY
YEAR = 365 * DAY
ISSUED = (
    LedgerReason.WELCOME,
    LedgerReason.CASHBACK,
    LedgerReason.REFERRAL,
    LedgerReason.REFERRAL_BONUS,
    LedgerReason.BIRTHDAY,
    LedgerReason.MANUAL,
    # Staff's adjustments (net: taking points off counts against) and goodwill (services/care/).
    LedgerReason.ADJUSTMENT,
    LedgerReason.GOODWILL,
    # Rewards (issue 15): a promotion's extra cashback, an invited friend's gift in points.
    LedgerReason.PROMOTION,
    LedgerReason.FRIEND_GIFT,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every KPI of one period, by the five loyalty factors."""

    period: Period
    # Registration
    members: int
    new_members: int
    new_by_source: tuple[tuple[str, int], ...]  # "referral" for friends' links, "" for none
    with_birthday: Ratio
    with_phone: Ratio
    opted_in: Ratio
    reachable: int
    # Frequency
    active: int
    purchases: int
    revenue: int
    average_check: Ratio
    frequency: Ratio
    # Conversion
    first_purchase: Ratio
    repeat_rate: Ratio
    retention: Ratio
    churn: Ratio
    # Advocacy
    referral_joins: int
    effective_referrals: Ratio
    referral_repeat: Ratio  # of those who joined through a friend, bought twice or more
    csat: Ratio
    csat_good: Ratio
    nps: Nps
    # Rewarding
    issued: int
    issued_by_reason: tuple[tuple[str, int], ...]
    redeemed: int
    expired: int
    liability: int
    redemption_rate: Ratio
    # Lifetime value
    clv: Ratio
    value_12m: Ratio
    liability_minor: int = 0  # the money the outstanding points are worth


@dataclass(frozen=True, slots=True)
class Totals:
    """A period's totals over time, read from the hour summary for every period at once."""

    purchases: int
    revenue: int
    revenue_to_date: int  # of every purchase before the period's end
    year_revenue: int  # of the purchases in the 365 days before the end
    points: dict[str, int]  # ledger reason -> points moved in the period
    stars: dict[int, int]  # stars -> purchases rated so in the period
    liability: int  # points outstanding at the end, with those reserved in open vouchers
    point_value: int
    rewards_spent: int = 0  # points of the vouchers redeemed in the period


@dataclass(frozen=True, slots=True)
class Dashboard:
    merchant: MerchantView
    current: Snapshot
    previous: Snapshot


class StatsReports(ReportAccess):
    async def dashboard(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> Dashboard:
        """/stats: every KPI for the period and the one before it."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            current, previous = await self.snapshots(merchant_id, [period, period.previous()])
        return Dashboard(merchant, current, previous)

    async def snapshots(self, merchant_id: int, periods: Sequence[Period]) -> list[Snapshot]:
        """Every KPI of KPI.md for each period (no access check: callers do it). Who bought
        when comes from one pass over the member summaries, totals over time from one read of
        the hour summary, for all periods at once."""
        r = self.repo
        year = timedelta(seconds=YEAR)
        revenue, histories = await r.history(
            merchant_id,
            [(p.start, p.end, p.previous().start) for p in periods],
            int(CHURN_HORIZON.total_seconds()),
            YEAR,
        )
        n = len(periods)
        flows = await r.flows(
            merchant_id, [(p.start, p.end) for p in periods] + [(p.end, None) for p in periods]
        )
        years = await r.flows(merchant_id, [(p.end - year, p.end) for p in periods], SALE)
        alive = await r.members_at(merchant_id, [p.end for p in periods])
        balances, value = await r.balances(merchant_id), await r.point_value(merchant_id)
        reserved = await r.reserved_at(merchant_id, [p.end for p in periods])
        spent = await r.spent_in(merchant_id, [(p.start, p.end) for p in periods])
        snapshots = []
        for i, period in enumerate(periods):
            within, since, last_year = flows[i], flows[n + i], years[i]
            totals = Totals(
                purchases=within.get(SALE, (0, 0))[0],
                revenue=within.get(SALE, (0, 0))[1],
                revenue_to_date=revenue - since.get(SALE, (0, 0))[1],
                year_revenue=last_year.get(SALE, (0, 0))[1],
                points=points_of(within),
                stars=stars_of(within),
                liability=balances - sum(points_of(since).values()) + reserved[i],
                point_value=value,
                rewards_spent=spent[i],
            )
            snapshots.append(
                await self._snapshot(merchant_id, period, histories[i], alive[i], totals)
            )
        return snapshots

    async def snapshot(self, merchant_id: int, period: Period) -> Snapshot:
        return (await self.snapshots(merchant_id, [period]))[0]

    async def _snapshot(
        self,
        merchant_id: int,
        period: Period,
        history: Sequence[int],
        alive: Sequence[int],
        totals: Totals,
    ) -> Snapshot:
        r = self.repo
        start, end = period.start, period.end
        buyers, repeaters, churned, year_active, active, was_active, retained = history
        members, birthday, phone, opted, reachable = alive
        joins = await r.new_members(merchant_id, start, end)
        by_source: dict[str, int] = {}
        for source, via_friend, count in joins:
            key = "referral" if via_friend else source
            by_source[key] = by_source.get(key, 0) + count
        purchases, revenue = totals.purchases, totals.revenue
        mature, converted, young_converted = await r.first_purchases(
            merchant_id, start, end, CONVERSION_WINDOW
        )
        referred, effective, referred_again = await r.referrals(merchant_id, start, end)
        csat, csat_good = csat_of(totals.stars)
        flows = totals.points
        issued_by = tuple((str(reason), flows.get(reason, 0)) for reason in ISSUED)
        issued = sum(n for _, n in issued_by)
        # Gross, like issued: points given back by a refund are not taken off (they may
        # belong to a redemption of an earlier period). Points spent on rewards count when
        # their voucher is redeemed (its reservation became a spend).
        redeemed = -flows.get(LedgerReason.REDEEM, 0) + totals.rewards_spent
        expired = -flows.get(LedgerReason.EXPIRY, 0)
        liability = totals.liability
        return Snapshot(
            period=period,
            members=members,
            new_members=sum(n for _, _, n in joins),
            new_by_source=tuple(sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))),
            with_birthday=ratio(birthday, members),
            with_phone=ratio(phone, members),
            opted_in=ratio(opted, members),
            reachable=reachable,
            active=active,
            purchases=purchases,
            revenue=revenue,
            average_check=ratio(revenue, purchases),
            frequency=ratio(purchases, active),
            first_purchase=ratio(converted + young_converted, mature + young_converted),
            repeat_rate=ratio(repeaters, buyers),
            retention=ratio(retained, was_active),
            churn=ratio(churned, buyers),
            referral_joins=referred,
            effective_referrals=ratio(effective, referred),
            referral_repeat=ratio(referred_again, referred),
            csat=csat,
            csat_good=csat_good,
            nps=nps_of(await r.nps(merchant_id, start, end)),
            issued=issued,
            issued_by_reason=issued_by,
            redeemed=redeemed,
            expired=expired,
            liability=liability,
            redemption_rate=ratio(redeemed, issued),
            clv=ratio(totals.revenue_to_date, buyers),
            # average check x purchases per active customer in the last 365 days
            value_12m=ratio(totals.year_revenue, year_active),
            liability_minor=policy.points_worth(liability, totals.point_value),
        )

    async def period_snapshot(
        self,
        merchant_id: int,
        actor: int,
        days: int,
        first: date | None = None,
        last: date | None = None,
    ) -> Snapshot:
        """Every KPI of the last `days` days (or first..last), without the comparison."""
        _, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            return await self.snapshot(merchant_id, period)
