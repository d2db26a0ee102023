"""How the report summaries are kept and mended: what a sale writes to them, sales at once,
the rebuild and its check (in the service and at `loyalty-bot rebuild-summaries`), the demo
generator and the migration that fill them, and local days on a half-hour offset."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_session_factory
from db.migrate import downgrade, upgrade
from db.models import HourSummary, MemberSummary, Merchant
from demo.generator import generate_demo_data
from services.dto import MerchantView
from services.members import MemberService
from services.reports import ReportService
from services.sales import SaleService
from services.summaries import SummaryService
from tests.conftest import FakeClock, database_url
from tests.factories import in_own_session, issue_code, make_member, make_merchant, make_staff
from tests.sql_counts import counting
from tests.test_cli import ROOT, run
from tests.test_migrations import _clean as clean

CASHIER, OWNER = 900, 1


async def sell(
    session: AsyncSession, clock: FakeClock, merchant: MerchantView, tg: int, amount: int
) -> str:
    """A draft at the till for member `tg`: the key its Confirm button carries."""
    code = await issue_code(session, clock, merchant, tg)
    draft = await SaleService(session, (), clock).prepare(
        merchant.id, CASHIER, code, amount, 0, None
    )
    return draft.key


async def differences(session: AsyncSession) -> tuple[int, int]:
    found = await SummaryService(session).check()
    return found.members, found.hours


async def test_a_sale_writes_each_summary_in_one_statement(engine, session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, CASHIER)
    await make_member(session, clock, merchant, 101)
    key = await sell(session, clock, merchant, 101, 2_500)
    with counting(engine) as cost:
        await SaleService(session, (), clock).confirm(merchant.id, CASHIER, key)
    touching = [s for s in cost.statements if "_summary" in s]
    assert [s.split()[2] for s in touching] == ["member_summary", "hour_summary"], touching
    async with session.begin():
        row = await session.scalar(select(MemberSummary))
        assert row is not None
        assert (row.purchases, row.revenue_minor, row.first_at, row.second_at, row.last_at) == (
            1,
            2_500,
            clock(),
            None,
            clock(),
        )
        kinds = dict((await session.execute(select(HourSummary.kind, HourSummary.count))).all())
    assert kinds == {"sale": 1, "cashback": 1}
    assert await differences(session) == (0, 0)


async def test_sales_and_refunds_at_once_keep_the_summaries_whole(
    session_factory: async_sessionmaker[AsyncSession], session, clock
) -> None:
    """Members buy at once, in one hour (the same hour rows on PostgreSQL, each transaction
    adding to them at its commit), while an earlier sale is refunded."""
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, CASHIER)
    await make_member(session, clock, merchant, 100)
    ref = (await MemberService(session, clock).card(merchant.id, 100)).referral_code
    first = await sell(session, clock, merchant, 100, 4_000)
    sold = await SaleService(session, (), clock).confirm(merchant.id, CASHIER, first)
    keys = []
    for tg in range(110, 118):  # half of them friends (their rows locked with 100's)
        await make_member(session, clock, merchant, tg, referral_code=ref if tg < 114 else None)
        keys.append(await sell(session, clock, merchant, tg, 1_000 + tg))

    def confirm(key: str) -> Any:
        return lambda s: SaleService(s, (), clock).confirm(merchant.id, CASHIER, key)

    def refund(s: AsyncSession) -> Any:
        return SaleService(s, (), clock).refund(merchant.id, CASHIER, sold.purchase_id, None)

    results = await asyncio.gather(
        *(in_own_session(session_factory, work) for work in [refund, *map(confirm, keys)])
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert await differences(session) == (0, 0)
    async with session.begin():
        sales = await session.scalar(select(HourSummary.count).where(HourSummary.kind == "sale"))
    assert sales == len(keys)  # the refunded sale no longer counts


async def test_the_check_finds_what_the_rebuild_mends(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, CASHIER)
    for tg in (101, 102):
        await make_member(session, clock, merchant, tg)
        key = await sell(session, clock, merchant, tg, 1_500)
        await SaleService(session, (), clock).confirm(merchant.id, CASHIER, key)
        clock.advance(hours=2)
    clock.now = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    before = await ReportService(session, (OWNER,), clock).dashboard(merchant.id, OWNER)
    async with session.begin():
        await session.execute(update(MemberSummary).values(revenue_minor=1))
        await session.execute(delete(HourSummary).where(HourSummary.kind == "cashback"))
    found = await SummaryService(session).check()
    assert (found.members, found.hours) == (4, 2)  # each side of two members and two hours
    assert any("member kept" in line for line in found.examples)
    members, hours, after = await SummaryService(session).rebuild()
    assert (members, hours, after.members, after.hours) == (2, 4, 0, 0)
    again = await ReportService(session, (OWNER,), clock).dashboard(merchant.id, OWNER)
    assert again == before


async def test_a_merchant_on_a_half_hour_offset_gets_its_local_days(session, clock) -> None:
    """Kathmandu is UTC+05:45: its midnight falls in the middle of a UTC hour, so a day's
    first and last quarter hours are read from the purchases and the ledger."""
    merchant = await make_merchant(session, clock)
    async with session.begin():
        await session.execute(update(Merchant).values(timezone="Asia/Kathmandu"))
    await make_staff(session, clock, merchant, CASHIER)
    await make_member(session, clock, merchant, 101)
    sales = SaleService(session, (), clock)

    def local(day: int, hour: int, minute: int) -> datetime:
        return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=5, minutes=45)

    bought, earned = {}, {}
    for at, amount in [
        (local(8, 23, 50), 1_000),  # the day before
        (local(9, 0, 10), 2_000),
        (local(9, 23, 55), 4_000),
        (local(10, 0, 5), 8_000),  # the day after
    ]:
        clock.now = at
        key = await sell(session, clock, merchant, 101, amount)
        sale = await sales.confirm(merchant.id, CASHIER, key)
        bought[amount], earned[amount] = sale.purchase_id, sale.cashback
    clock.now = local(9, 23, 58)
    await sales.rate(bought[4_000], 101, 5)
    clock.now = local(10, 12, 0)
    report = await ReportService(session, (OWNER,), clock).dashboard(
        merchant.id, OWNER, first=date(2026, 3, 9), last=date(2026, 3, 9)
    )
    s, q = report.current, report.previous
    assert (s.purchases, s.revenue, s.active) == (2, 6_000, 1)
    assert (q.purchases, q.revenue, q.active) == (1, 1_000, 1)
    assert dict(s.issued_by_reason)["cashback"] == earned[2_000] + earned[4_000] > 0
    assert s.csat.num == 5 and s.csat.den == 1
    assert s.clv.num == 7_000 and s.retention.num == 1  # to date: not the day after's 80.00


async def test_demo_data_and_the_migration_fill_the_summaries(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    if url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3"
    await clean(url)  # an empty database, as a deployment starts from
    engine = create_engine(url)
    try:
        await asyncio.to_thread(upgrade, url)
        async with create_session_factory(engine)() as session:
            merchant = await make_merchant(session, FakeClock(datetime(2026, 3, 10, tzinfo=UTC)))
        now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
        await generate_demo_data(engine, merchant.id, members=120, months=3, seed=5, now=now)
        async with create_session_factory(engine)() as session:
            assert await differences(session) == (0, 0)
            async with session.begin():
                kept = await session.scalar(select(func.count()).select_from(MemberSummary))
            assert kept and kept > 50
        await asyncio.to_thread(downgrade, url, "-1")  # the tables go with the summaries
        await asyncio.to_thread(upgrade, url)  # and come back counted from the data
        async with create_session_factory(engine)() as session:
            assert await differences(session) == (0, 0)
            async with session.begin():
                again = await session.scalar(select(func.count()).select_from(MemberSummary))
            assert again == kept
    finally:
        await asyncio.to_thread(downgrade, url, "base")
        await engine.dispose()


def test_the_command_checks_and_rebuilds(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    env = {"PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    assert run("-m", "bot", "migrate", cwd=tmp_path, env=env).returncode == 0

    async def sale_then_tamper() -> None:
        engine = create_engine(url)
        clock = FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
        async with create_session_factory(engine)() as session:
            merchant = await make_merchant(session, clock)
            await make_staff(session, clock, merchant, CASHIER)
            await make_member(session, clock, merchant, 101)
            key = await sell(session, clock, merchant, 101, 990)
            await SaleService(session, (), clock).confirm(merchant.id, CASHIER, key)
            async with session.begin():
                await session.execute(update(MemberSummary).values(purchases=3))
        await engine.dispose()

    asyncio.run(sale_then_tamper())
    check = run("-m", "bot", "rebuild-summaries", "--check", cwd=tmp_path, env=env)
    assert check.returncode == 1, check.stderr
    assert "differ from a recount: 2 member rows, 0 hour rows" in check.stderr
    assert "member kept" in check.stderr and "member counted" in check.stderr
    rebuilt = run("-m", "bot", "rebuild-summaries", cwd=tmp_path, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "summaries written: 1 member rows, 2 hour rows" in rebuilt.stdout
    assert "equal a recount" in rebuilt.stdout
    again = run("-m", "bot", "rebuild-summaries", "--check", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "equal a recount" in again.stdout


async def test_ledger_rows_inserted_in_one_statement_are_noted_too(session, clock) -> None:
    """A set-based writer (a multi-row INSERT of ledger entries) notes its rows with
    note_entries; the hour summary has them at the commit, and a rollback drops them."""
    from sqlalchemy import insert

    from db.models import LedgerEntry, LedgerReason, Membership
    from db.repositories.flows import note_entries

    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 101)

    async def post(*deltas: int) -> None:
        member = await session.scalar(select(Membership).with_for_update())
        assert member is not None
        rows, balance = [], member.balance_minor
        for delta in deltas:
            balance += delta
            rows.append(
                {
                    "membership_id": member.id,
                    "delta_minor": delta,
                    "balance_after_minor": balance,
                    "reason": LedgerReason.MANUAL,
                    "note": None,
                    "purchase_id": None,
                    "created_at": clock(),
                }
            )
        member.balance_minor = balance
        await session.execute(insert(LedgerEntry).values(rows))
        note_entries(session, rows)

    async with session.begin():
        await post(100, 250)
    try:
        async with session.begin():
            await post(999)
            raise RuntimeError("the use case fails after writing")
    except RuntimeError:
        pass
    async with session.begin():
        row = await session.scalar(select(HourSummary))
        assert row is not None and (row.kind, row.count, row.amount_minor) == ("manual", 2, 350)
    assert await differences(session) == (0, 0)
