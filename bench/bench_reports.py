"""The merchant's reports over a big program: the full /stats report and the cohort chart.

    python -m bench.bench_reports [--members 100000] [--months 12] [--db sqlite|postgres]
                                  [--pg-url URL] [--sqlite-file PATH] [--repeat 3]
                                  [--rebuild] [--check]

Setup (untimed): an empty schema (every table and index of db/models/), the default
merchant (EUR, Europe/Warsaw), then `demo.generator.generate_demo_data` with the given members and
months (seed 1; about ten purchases a member a year), with "now" fixed at 2026-11-22 12:00
UTC. On SQLite the file is kept (--sqlite-file, default /tmp/loyalty-bench-reports.sqlite3)
and reused by the next run with the same size, since generating takes minutes; PostgreSQL
gets a throwaway database of its own (scripts/pg_database.py), dropped at the end, unless
--pg-reuse names one filled before. The generator fills the report summaries at its end
(db/models/summary.py); a program filled before they existed gets them from
`SummaryRebuild.rebuild`, as migration 0015 would, and the time it took is printed. ANALYZE
(VACUUM ANALYZE on PostgreSQL) runs after the load, as autovacuum would on a live server.
--rebuild writes the summaries again (timed); --check compares them with a recount (timed,
exit 1 if they differ), as `loyalty-bot rebuild-summaries [--check]` does.

Timed, each R times (--repeat) on a fresh session, by the owner (no cache anywhere):
- stats: `ReportService.dashboard()`, what /stats shows: every KPI of KPI.md for the last 30
  days and the 30 before (two snapshots);
- stats 365: the same for the last 365 days and the year before;
- cohorts: `ReportService.cohorts()` (12 monthly cohorts) and then its chart,
  `handlers.ui.charts.cohort_chart`, drawn to PNG as the handler draws it (English locale);
- the other /kpi reports once each (revenue series, ratings, points, campaigns) for the record.
For each: the median and the slowest of R in seconds, and, on one more run under
tracemalloc, the peak of Python allocations; the process's peak RSS is printed at the end
(on SQLite it includes SQLite's page cache, which lives in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import start
from db.base import Base
from db.engine import create_engine, create_session_factory
from db.models import MemberSummary
from db.repositories.summary_rebuild import SummaryRebuild
from demo.generator import generate_demo_data
from services.merchants import MerchantService
from services.reports import ReportService
from services.summaries import SummaryService

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OWNER = 1
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument(
        "--pg-reuse", metavar="URL", help="a database this bench filled before: kept, not dropped"
    )
    parser.add_argument("--sqlite-file", default="/tmp/loyalty-bench-reports.sqlite3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="write the report summaries again first (timed), as rebuild-summaries does",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the summaries with a recount before timing (timed); exit 1 if they differ",
    )
    return parser.parse_args(argv)


async def load(engine: AsyncEngine, members: int, months: int) -> int:
    """The schema, the merchant and the demo program; returns the merchant id."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with create_session_factory(engine)() as session:
        merchant = await MerchantService(session, lambda: NOW).ensure_default(
            slug="main",
            name="Bench Café",
            currency="EUR",
            timezone="Europe/Warsaw",
            language="en",
        )
        async with session.begin():
            existing = await session.scalar(
                text("SELECT count(*) FROM purchase WHERE merchant_id = :m"), {"m": merchant.id}
            )
    if existing:
        print(f"reusing the program already there: {existing:,} purchases")
        await summarise(engine, merchant.id)
        return merchant.id
    started = time.perf_counter()
    summary = await generate_demo_data(
        engine, merchant.id, members=members, months=months, seed=1, now=NOW
    )
    print(
        f"demo data: {summary.members:,} members, {summary.purchases:,} purchases, "
        f"{summary.ledger_entries:,} ledger entries, {summary.ratings:,} ratings, "
        f"{summary.outbox:,} outbox rows in {time.perf_counter() - started:.0f} s"
    )
    await analyze(engine)
    return merchant.id


async def summarise(engine: AsyncEngine, merchant_id: int, again: bool = False) -> None:
    """A program filled before the summaries existed gets them (as migration 0015 does); with
    `again`, any program."""
    async with create_session_factory(engine)() as session, session.begin():
        if await session.scalar(select(func.count()).select_from(MemberSummary)) and not again:
            return
        started = time.perf_counter()
        members, hours = await SummaryRebuild(session).rebuild(merchant_id)
    print(
        f"summaries rebuilt: {members:,} members, {hours:,} hours x kinds "
        f"in {time.perf_counter() - started:.1f} s"
    )
    await analyze(engine)


async def check(engine: AsyncEngine) -> bool:
    """The summaries against a recount of the purchases and the ledger (rebuild-summaries
    --check); True when they are equal."""
    started = time.perf_counter()
    async with create_session_factory(engine)() as session:
        found = await SummaryService(session).check()
    equal = not found.members and not found.hours
    print(
        f"summaries {'equal' if equal else 'differ from'} a recount "
        f"({found.members} member rows, {found.hours} hour rows apart) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return equal


async def analyze(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        # VACUUM (not allowed in a transaction) also sets the visibility map, which
        # index-only scans need; autovacuum would have done both on a live server.
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    else:
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))


async def timed(
    name: str, repeat: int, work: Callable[[], Awaitable[Any]]
) -> tuple[float, float, int]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - started)
    tracemalloc.start()
    await work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    median, worst = statistics.median(seconds), max(seconds)
    print(
        f"{name:<28} median {median:6.2f} s  slowest {worst:6.2f} s  peak {peak / 2**20:6.1f} MiB"
    )
    return median, worst, peak


async def run(engine: AsyncEngine, merchant_id: int, repeat: int) -> None:
    from handlers.i18n import create_i18n
    from handlers.ui.charts import cohort_chart

    factory = create_session_factory(engine)
    i18n = create_i18n("en")

    async def stats(days: int) -> None:
        async with factory() as session:
            await ReportService(session, (OWNER,), lambda: NOW).dashboard(merchant_id, OWNER, days)

    async def cohorts() -> None:
        async with factory() as session:
            report = await ReportService(session, (OWNER,), lambda: NOW).cohorts(
                merchant_id, OWNER
            )
        with i18n.context(), i18n.use_locale("en"):
            png = await asyncio.to_thread(cohort_chart, report)
        assert png.startswith(b"\x89PNG")

    async def cohorts_query() -> None:
        async with factory() as session:
            await ReportService(session, (OWNER,), lambda: NOW).cohorts(merchant_id, OWNER)

    async def other(method: str) -> None:
        async with factory() as session:
            await getattr(ReportService(session, (OWNER,), lambda: NOW), method)(
                merchant_id, OWNER
            )

    await stats(30)  # warm the caches once, as a server that has been running would be
    await timed("/stats (30 days + 30 before)", repeat, lambda: stats(30))
    await timed("/stats 365 (+ 365 before)", repeat, lambda: stats(365))
    await timed("cohorts: query", repeat, cohorts_query)
    await timed("cohorts: query + chart PNG", repeat, cohorts)
    for method in ("series", "feedback", "points", "campaigns"):
        await timed(f"/kpi {method}", 1, partial(other, method))


async def main_async(args: argparse.Namespace, url: str) -> int:
    engine = create_engine(url)
    try:
        merchant_id = await load(engine, args.members, args.months)
        if args.rebuild:
            await summarise(engine, merchant_id, again=True)
        if args.check and not await check(engine):
            return 1
        await run(engine, merchant_id, args.repeat)
    finally:
        await engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start(f"db={args.db} members={args.members} months={args.months} repeat={args.repeat}")
    if args.db == "sqlite":
        if os.path.exists(args.sqlite_file):
            print(f"SQLite file {args.sqlite_file} (delete it to generate again)")
        return asyncio.run(main_async(args, f"sqlite+aiosqlite:///{args.sqlite_file}"))
    if args.pg_reuse:
        return asyncio.run(main_async(args, args.pg_reuse))
    url = subprocess.check_output(
        [sys.executable, "scripts/pg_database.py", "create", args.pg_url], text=True
    ).strip()
    try:
        return asyncio.run(main_async(args, url))
    finally:
        subprocess.run([sys.executable, "scripts/pg_database.py", "drop", url], check=True)


if __name__ == "__main__":
    sys.exit(main())
