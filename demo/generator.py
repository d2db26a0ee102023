"""`generate_demo_data`: months of a café's loyalty program, so a merchant sees the reports
before going live and a benchmark has data to work on (`loyalty-bot demo-data`).

Deterministic for a seed. The plan of members comes first and is written at once; then the
simulation (demo/simulation.py) writes the activity in chunks as it goes; members' totals
(balance, lifetime spend, level...) are known only at the end and are written then. Speed:
100,000 members and about a million purchases in minutes (see demo/writer.py).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from db.models import Membership
from db.repositories.summary_rebuild import SummaryRebuild
from demo.accounts import Accounts
from demo.habits import Habits
from demo.people import People
from demo.program import add_menu, add_staff, load_program, taken_referral_codes
from demo.run import Run
from demo.simulation import simulate
from demo.timeline import Timeline
from demo.writer import (
    CAMPAIGN,
    CUSTOMER,
    LEDGER,
    MEMBERSHIP,
    NPS,
    OUTBOX,
    PREORDER,
    PURCHASE,
    REFUND,
    TableWriter,
)

logger = logging.getLogger(__name__)

SQLITE_CACHE_KIB = 128 * 1024  # see _grow_sqlite_cache


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What one run added, and how long it took."""

    merchant_id: int
    first_day: date  # the simulated period, in whole days of the merchant's time zone
    last_day: date
    start: datetime  # its first moment (UTC)
    end: datetime  # the moment after it: the merchant's last midnight before `now` (UTC)
    members: int
    erased: int
    purchases: int
    refunds: int
    ratings: int
    nps_answers: int
    ledger_entries: int
    birthday_bonuses: int
    campaigns: int
    pushes: int
    cart_reminders: int
    preorders: int
    outbox: int
    seconds: float


class ProgramNotEmpty(Exception):
    """The merchant already has members: demo data would mix with them."""

    def __init__(self, slug: str, members: int) -> None:
        super().__init__(slug, members)
        self.slug = slug
        self.members = members


def _since(moment: float) -> float:
    return time.perf_counter() - moment


async def _prepare(
    conn: AsyncConnection,
    second_conn: AsyncConnection | None,
    merchant_id: int,
    members: int,
    months: int,
    seed: int,
    now: datetime,
) -> tuple[Run, set[str]]:
    """The merchant, the period, the demo staff and menu, the ids to start from, and the
    members' plan (not yet written); with the referral codes already taken."""
    program = await load_program(conn, merchant_id)
    timeline = Timeline(program.tz, now, months)
    writer = TableWriter(conn, second_conn)
    await writer.load()
    codes_taken = await taken_referral_codes(conn)
    since = timeline.at(0) - timedelta(days=7)
    staff_ids = await add_staff(conn, program, since)
    menu = await add_menu(conn, program, since)
    rng = random.Random(seed)
    people = People(
        rng, timeline, program, members, writer.next_id[MEMBERSHIP], writer.next_id[CUSTOMER]
    )
    habits = Habits(rng, timeline, program, people)
    accounts = Accounts(people, timeline, program, writer)
    run = Run(rng, program, timeline, writer, people, habits, accounts, staff_ids, menu)
    return run, codes_taken


async def _grow_sqlite_cache(conn: AsyncConnection) -> int | None:
    """SQLite's default page cache is 2 MB. Inserts in time order touch the member indexes
    at random, so a chunk's dirty pages overflow it and are spilled to the WAL again and again
    (gigabytes written for a 500 MB file, half of the run). A bigger cache for this connection
    only, while it runs; the caller restores the returned size. PostgreSQL: nothing to do."""
    if conn.dialect.name != "sqlite":
        return None
    async with conn.begin():
        previous = (await conn.exec_driver_sql("PRAGMA cache_size")).scalar()
        await conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return int(previous or -2000)


async def generate_demo_data(
    engine: AsyncEngine,
    merchant_id: int,
    *,
    members: int = 2000,
    months: int = 12,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Add `members` demo members and `months` months of their activity to a merchant.

    Deterministic for a seed and the merchant's local date of `now` (default: the real UTC
    now); everything lies in whole local days before that date. Adds to whatever the merchant
    already has (ids continue after each table's maximum). The schema must be migrated.
    """
    if members < 1 or months < 1:
        raise ValueError("members and months must be at least 1")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        conn = await stack.enter_async_context(engine.connect())
        second = None
        if conn.dialect.name != "sqlite":
            second = await stack.enter_async_context(engine.connect())
        async with conn.begin():
            run, codes_taken = await _prepare(
                conn, second, merchant_id, members, months, seed, now
            )
        previous_cache = await _grow_sqlite_cache(conn)
        # Millions of short-lived rows and events would make the cyclic collector walk every
        # live object over and over (a tenth of the run); they hold no cycles, so it pauses.
        collecting = gc.isenabled()
        gc.disable()
        try:
            phase = time.perf_counter()
            run.people.plan(run.habits.plan)
            await run.people.write(run.writer, codes_taken)
            logger.info("demo data: %d members written in %.1f s", members, _since(phase))
            phase = time.perf_counter()
            await simulate(run)
            logger.info("demo data: activity simulated and written in %.1f s", _since(phase))
            phase = time.perf_counter()
            await run.accounts.write_totals()
            logger.info("demo data: member totals written in %.1f s", _since(phase))
        finally:
            await run.writer.close()
            if collecting:
                gc.enable()
            if previous_cache is not None:
                async with conn.begin():
                    await conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")
    phase = time.perf_counter()
    await _summarise(engine, merchant_id)
    logger.info("demo data: report summaries rebuilt in %.1f s", _since(phase))
    return _summary(run, started)


async def _summarise(engine: AsyncEngine, merchant_id: int) -> None:
    """The report summaries of the merchant counted again from what was written: the rows
    went in directly, past the use cases that keep them (db/repositories/summary.py)."""
    async with AsyncSession(engine) as session, session.begin():
        await SummaryRebuild(session).rebuild(merchant_id)


def _summary(run: Run, started: float) -> DemoSummary:
    timeline, added, counts = run.timeline, run.writer.added, run.counts
    return DemoSummary(
        merchant_id=run.program.merchant_id,
        first_day=timeline.first_day,
        last_day=timeline.last_day,
        start=timeline.at(0),
        end=timeline.at(timeline.end),
        members=run.people.n,
        erased=sum(1 for i in range(run.people.n) if run.people.erased(i)),
        purchases=added(PURCHASE),
        refunds=added(REFUND),
        ratings=counts["ratings"],
        nps_answers=added(NPS),
        ledger_entries=added(LEDGER),
        birthday_bonuses=counts["birthdays"],
        campaigns=added(CAMPAIGN),
        pushes=counts["pushes"],
        cart_reminders=counts["carts"],
        preorders=added(PREORDER),
        outbox=added(OUTBOX),
        seconds=time.perf_counter() - started,
    )


async def members_of(engine: AsyncEngine, merchant_id: int) -> int:
    """How many members the merchant has: demo data must not mix with real ones."""
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.merchant_id == merchant_id)
        )
    return int(count or 0)
