"""The report summaries (db/models/summary.py) stay equal to a recount of the purchases and the
ledger after any history of sales, refunds (and their dry runs), ratings, erasures and joins
again, on SQLite and PostgreSQL; `loyalty-bot rebuild-summaries` finds and mends a difference;
the reports cut local days where the merchant's timezone does, whole hours or not."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_session_factory
from db.models import Merchant, Purchase
from db.repositories.summary_rebuild import SummaryRebuild
from services.errors import DomainError
from services.members import MemberService
from services.reports.periods import local_today
from services.sales import SaleService
from tests.conftest import FakeClock, fresh_engine
from tests.factories import buy, make_member, make_merchant, make_staff
from tests.report_oracle import assert_reports_match_the_tables

CASHIER = 900
MEMBERS = 5
GAPS = st.sampled_from([0, 7, 45, 600, 3000])  # minutes between steps: same hour, next days


@dataclass(frozen=True)
class Buy:
    member: int
    amount: int
    spend: float  # share of the points the till allows
    gap: int


@dataclass(frozen=True)
class Refund:
    purchase: int  # index into the purchases so far
    share: float  # of what is left; 1.0 refunds the rest
    dry: bool  # only the preview, which does the refund and rolls it back
    gap: int


@dataclass(frozen=True)
class Rate:
    purchase: int
    stars: int
    gap: int


@dataclass(frozen=True)
class Erase:
    member: int  # who joins again at their next purchase, as new
    gap: int


steps = st.lists(
    st.one_of(
        st.builds(
            Buy, st.integers(0, MEMBERS - 1), st.integers(1, 40_000), st.sampled_from([0, 1]), GAPS
        ),
        st.builds(Refund, st.integers(0, 30), st.sampled_from([0.3, 1.0]), st.booleans(), GAPS),
        st.builds(Rate, st.integers(0, 30), st.integers(1, 5), GAPS),
        st.builds(Erase, st.integers(0, MEMBERS - 1), GAPS),
    ),
    min_size=1,
    max_size=16,
)


async def assert_summaries_equal_a_recount(session: AsyncSession) -> None:
    async with session.begin():
        found = await SummaryRebuild(session).differences()
    assert (found.members, found.hours) == (0, 0), found.examples


async def history(url: str, referrers: list[int | None], ops: list[object], timezone: str) -> None:
    engine = await fresh_engine(url)
    clock = FakeClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    try:
        async with create_session_factory(engine)() as session:
            merchant = await make_merchant(session, clock)
            async with session.begin():
                await session.execute(update(Merchant).values(timezone=timezone))
            await make_staff(session, clock, merchant, CASHIER)
            members = MemberService(session, clock)
            for i, ref in enumerate(referrers):
                code = None
                if ref is not None and ref < i:
                    code = (await members.card(merchant.id, 100 + ref)).referral_code
                await make_member(session, clock, merchant, 100 + i, referral_code=code)
            sales = SaleService(session, (), clock)
            purchases: list[tuple[int, int]] = []  # (purchase id, buyer's telegram id)
            erased: set[int] = set()
            for op in ops:
                clock.advance(minutes=op.gap)  # type: ignore[attr-defined]
                try:
                    if isinstance(op, Buy):
                        tg = 100 + op.member
                        if tg in erased:
                            await make_member(session, clock, merchant, tg)
                            erased.discard(tg)
                        sale = await buy(
                            session, clock, merchant, CASHIER, tg, op.amount, op.spend
                        )
                        purchases.append((sale.purchase_id, tg))
                    elif isinstance(op, Refund) and purchases:
                        pid, _ = purchases[op.purchase % len(purchases)]
                        async with session.begin():
                            p = await session.get(Purchase, pid, populate_existing=True)
                            assert p is not None
                            left = p.amount_minor - p.refunded_minor
                        amount = left if op.share == 1.0 else max(1, int(left * op.share))
                        text = f"{amount // 100}.{amount % 100:02d}"
                        if op.dry:
                            await sales.refund_preview(merchant.id, CASHIER, pid, text)
                        else:
                            await sales.refund(merchant.id, CASHIER, pid, text)
                    elif isinstance(op, Rate) and purchases:
                        pid, tg = purchases[op.purchase % len(purchases)]
                        await sales.rate(pid, tg, op.stars)
                    elif isinstance(op, Erase) and 100 + op.member not in erased:
                        await members.erase(merchant.id, 100 + op.member)
                        erased.add(100 + op.member)
                except DomainError:
                    pass  # refused as a till would refuse it: nothing written
                await assert_summaries_equal_a_recount(session)
            first, last = date(2026, 5, 1), local_today(clock(), timezone)
            days = sorted({first, first + (last - first) / 2, last - timedelta(days=1), last})
            await assert_reports_match_the_tables(session, merchant.id, timezone, days)
    finally:
        await engine.dispose()


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("SUMMARY_EXAMPLES", "20")),
    phases=tuple(Phase) if os.environ.get("SUMMARY_SHRINK", "1") == "1" else [Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    referrers=st.lists(
        st.one_of(st.none(), st.integers(0, MEMBERS)), min_size=MEMBERS, max_size=MEMBERS
    ),
    ops=steps,
    timezone=st.sampled_from(["Europe/Warsaw", "Asia/Kathmandu", "America/St_Johns"]),
)
def test_summaries_equal_a_recount_after_any_history(
    referrers: list[int | None], ops: list[object], timezone: str
) -> None:
    """...and the reports read from them equal the KPIs counted from the tables, for periods
    of local days in a whole-hour timezone and in two that are not (+05:45, -03:30)."""
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{folder}/s.sqlite3"
        asyncio.run(history(url, referrers, ops, timezone))
