"""The KPIs of /stats that the summaries serve, counted in plain Python from the purchases and
the ledger as KPI.md defines them: what the reports must equal, whatever they read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerEntry, Membership, Purchase, Voucher
from services.reports import ReportService
from services.reports.figures import Ratio
from services.reports.periods import Period
from services.reports.stats import CHURN_HORIZON, ISSUED, Snapshot

YEAR = timedelta(days=365)


def _distinct(sales: list[tuple[int, datetime, int]], start: datetime, end: datetime) -> set[int]:
    return {m for m, at, _ in sales if start <= at < end}


def expected(
    period: Period,
    sales: list[tuple[int, datetime, int]],
    entries: list[tuple[datetime, str, int]],
    stars: list[tuple[datetime, int]],
    balances: int,
    vouchers: Sequence[tuple[datetime, datetime | None, datetime | None, int]] = (),
) -> dict[str, object]:
    """What a snapshot of `period` shows, from (member, confirmed at, net revenue) of each
    purchase that counts, (created at, reason, delta) of each ledger entry, (rated at, stars)
    of each rating, the sum of balances now, and (claimed at, redeemed at, closed at, points)
    of each voucher: the points of those open at the period's end are owed too, and those
    redeemed in the period were spent (redeemed)."""
    start, end, before = period.start, period.end, period.previous().start
    bought = [(m, at, net) for m, at, net in sales if at < end]
    times: dict[int, list[datetime]] = defaultdict(list)
    for m, at, _ in bought:
        times[m].append(at)
    active = _distinct(sales, start, end)
    earlier = _distinct(sales, before, start)
    flows: dict[str, int] = defaultdict(int)
    for at, reason, delta in entries:
        if start <= at < end:
            flows[reason] += delta
    rated = [s for at, s in stars if start <= at < end]
    return {
        "purchases": sum(1 for _, at, _ in sales if start <= at < end),
        "revenue": sum(net for _, at, net in sales if start <= at < end),
        "active": len(active),
        "repeat_rate": Ratio(sum(len(t) >= 2 for t in times.values()), len(times)),
        "churn": Ratio(sum(max(t) < end - CHURN_HORIZON for t in times.values()), len(times)),
        "retention": Ratio(len(earlier & active), len(earlier)),
        "clv": Ratio(sum(net for _, _, net in bought), len(times)),
        "value_12m": Ratio(
            sum(net for _, at, net in bought if at >= end - YEAR),
            len(_distinct(sales, end - YEAR, end)),
        ),
        "issued_by_reason": tuple((str(r), flows.get(r, 0)) for r in ISSUED),
        "redeemed": -flows.get("redeem", 0)
        + sum(p for _, used, _, p in vouchers if used is not None and start <= used < end),
        "expired": -flows.get("expiry", 0),
        "liability": balances
        - sum(d for at, _, d in entries if at >= end)
        + sum(
            p
            for claimed, used, closed, p in vouchers
            if claimed < end and not ((settled := used or closed) and settled < end)
        ),
        "csat": Ratio(sum(rated), len(rated)),
    }


async def assert_reports_match_the_tables(
    session: AsyncSession, merchant_id: int, timezone: str, days: list[date]
) -> None:
    """Every period of one or more of `days` (first..last), and the one before each: the
    snapshot's figures equal the recount."""
    async with session.begin():
        sales = [
            (m, at, amount - refunded)
            for m, at, amount, refunded in await session.execute(
                select(
                    Purchase.membership_id,
                    Purchase.confirmed_at,
                    Purchase.amount_minor,
                    Purchase.refunded_minor,
                ).where(
                    Purchase.merchant_id == merchant_id,
                    Purchase.status == "confirmed",
                    Purchase.refunded_minor < Purchase.amount_minor,
                )
            )
            if at is not None
        ]
        entries = [
            (at, str(reason), delta)
            for at, reason, delta in await session.execute(
                select(LedgerEntry.created_at, LedgerEntry.reason, LedgerEntry.delta_minor)
                .join(Membership, Membership.id == LedgerEntry.membership_id)
                .where(Membership.merchant_id == merchant_id)
            )
        ]
        stars = [
            (at, s)
            for at, s in await session.execute(
                select(Purchase.rated_at, Purchase.rating).where(
                    Purchase.merchant_id == merchant_id, Purchase.rating.is_not(None)
                )
            )
            if at is not None and s is not None
        ]
        balances = int(
            await session.scalar(
                select(func.coalesce(func.sum(Membership.balance_minor), 0)).where(
                    Membership.merchant_id == merchant_id
                )
            )
            or 0
        )
        vouchers = [
            (claimed, redeemed, closed, points)
            for claimed, redeemed, closed, points in await session.execute(
                select(
                    Voucher.claimed_at, Voucher.redeemed_at, Voucher.closed_at, Voucher.points
                ).where(Voucher.merchant_id == merchant_id)
            )
        ]
    periods = [Period(first, last, timezone) for first in days for last in days if first <= last]
    async with session.begin():
        snapshots = await ReportService(session).snapshots(merchant_id, periods)
    for period, snapshot in zip(periods, snapshots, strict=True):
        want = expected(period, sales, entries, stars, balances, vouchers)
        got = {name: getattr(snapshot, name) for name in want}
        assert got == want, (period, _diff(snapshot, want))


def _diff(snapshot: Snapshot, want: dict[str, object]) -> dict[str, object]:
    return {k: (getattr(snapshot, k), v) for k, v in want.items() if getattr(snapshot, k) != v}
