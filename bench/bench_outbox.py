"""The delivery outbox: queueing a push to many members, and the sender's pace.

    python -m bench.bench_outbox [--enqueue [N]] [--ceiling [M]] [--paced [SECONDS]]
                                 [--db sqlite|postgres] [--pg-url URL] [--repeat R]
                                 [--concurrency 1,4,16] [--in-flight K]
                                 [--paced-concurrency C]

With no part named, all three run at their defaults, one after another.

--enqueue N (default 100,000). One merchant and N members who opted in to marketing and can
be reached, written by two INSERT ... SELECT statements over a recursive counter (untimed; no
service is used for the setup). Timed: CampaignService(session, owner_ids=(1,)).queue() of a
push to segment "all" by the owner, which writes the campaign and one outbox row per
recipient with one INSERT ... SELECT (CampaignRepo.queue), and commits. R runs (--repeat,
default 3), the outbox and campaign tables emptied between runs (untimed), then one more run
under tracemalloc for memory. Memory: tracemalloc's peak (Python allocations only, all
threads, during the call) and the process's peak RSS during the call (VmHWM, reset through
/proc/self/clear_refs just before it; on SQLite this includes SQLite's page cache, which lives
in this process; on PostgreSQL the server's memory is not in it), plus ru_maxrss for the whole
process. Then, untimed, what the sender runs against such an outbox: its claim of 100 rows
(OutboxRepo.claim, in a transaction rolled back), the per-batch "is the campaign still
waiting?" probe (OutboxRepo.waiting) and the count made once it is done
(OutboxRepo.count_by_status for the campaign). Statements and transactions of the push are
printed.

--ceiling M (default 5000). M members, one push queued to them all (untimed), then the timed
`await sender.drain()` of a Sender with rate=1e9 and per_chat_interval=0 (the rate limit
lifted; --in-flight bounds the sends not yet marked, default the Sender's), at each
concurrency of --concurrency (default 1,4,16), each on a fresh database. The
Bot API is ZeroLatencySession: no socket, but aiogram's own request work is kept (each field
prepared as AiohttpSession.build_form_data prepares it, parse mode resolved from the bot's
defaults, the keyboard dumped to JSON) and Telegram's answer is a JSON text parsed by
BaseSession.check_response into a Message, as an HTTP answer would be. The renderer is the
production one, handlers.ui.notices.notice_text, with handlers.i18n.create_i18n(). The push's
summary to its author is sent at the end, so M + 1 messages. Printed: messages a second of
the wall time and of the process's CPU time, each also as a ratio to the fake session alone;
statements, transactions and (SQLite) calls into a database thread a message.

--paced SECONDS (default 60). ceil(30 * SECONDS * 1.2) members and one push to them; a
Sender(rate=30, per_chat_interval=1.0, concurrency 4 unless --paced-concurrency) runs
`sender.run(stop)` and `stop` is set after SECONDS. The fake session notes when it accepted
each message. Achieved rate = messages accepted before `stop` / SECONDS; also its share of
30/s, the most messages in any 1-second window (sliding, from each message; more than 30 is
reported, not failed), per-second buckets, the longest gaps between two messages, how late
the event loop woke up (a 10 ms sleep, watched throughout), on SQLite the longest calls into
aiosqlite's thread, how long the sender took to stop, and statements and transactions a
message.

Every part checks its result (rows queued = N and their statuses; every message accepted once;
no ERROR logged) and exits with status 1 otherwise. --db postgres uses --pg-url (default: a
database of its own, loyalty_bench_outbox, created when missing); its public schema is dropped
and created again, so the bench refuses a database named "test".
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import gc
import inspect
import itertools
import json
import logging
import math
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import String, case, cast, event, func, insert, literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import db.models  # noqa: F401  (registers every table on Base.metadata)
from bench.bench_purchases import machine_busy_seconds, till_settings
from bench.common import LogCounter, ThreadCalls, start
from bot.app import create_bot
from bot.delivery import Sender
from db.base import UtcDateTime
from db.engine import create_engine, create_session_factory
from db.models import Campaign, Customer, Membership, Merchant, Outbox, OutboxStatus
from db.repositories import OutboxRepo
from handlers.i18n import create_i18n
from handlers.ui.notices import notice_text
from services.campaigns import CampaignService
from services.campaigns.content import Segment
from services.clock import utc_now
from services.notices import Push
from tests.conftest import reset_schema
from tests.telegram import BOT_USER, RecordingSession

try:
    import asyncpg

    PG_ERROR: type[Exception] = asyncpg.PostgresError  # a wrong password, a missing role
except ImportError:  # pragma: no cover - asyncpg is a dependency of the project
    asyncpg = None
    PG_ERROR = OSError

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/loyalty_bench_outbox"
OWNER = 1
FIRST_MEMBER_TG = 900_000_001
PUSH_TEXT = (
    "<b>Spring menu is here!</b> Show this message at the till for a free cinnamon bun "
    "with any coffee until Sunday."
)
LIMIT = 30.0  # Telegram's "about 30 messages a second to different chats"


# ---------------------------------------------------------------------------- machinery


class ZeroLatencySession(RecordingSession):
    """A Bot API that answers at once, yet keeps aiogram's own work on both sides of HTTP.

    The request's fields are prepared as AiohttpSession.build_form_data prepares them (the
    parse mode resolved from the bot's defaults, a keyboard dumped to JSON); the answer is a
    JSON text that BaseSession.check_response parses into a Message. Only the socket and
    aiohttp are missing. Each accepted message is noted: its chat and perf_counter time.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chats: list[int] = []
        self.times: list[float] = []
        self._message_ids = itertools.count(1)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature is aiogram's
    ) -> TelegramType:
        files: dict[str, Any] = {}
        form = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                form[key] = prepared
        result: dict[str, Any] = {"ok": True, "result": True}
        if isinstance(method, SendMessage | SendPhoto):
            chat_id = int(form["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Member"},
                "from": BOT_USER.model_dump(exclude_none=True),
            }
            if isinstance(method, SendMessage):
                message["text"] = form.get("text", "")
            else:
                message["caption"] = form.get("caption", "")
            result["result"] = message
            self.chats.append(chat_id)
            self.times.append(time.perf_counter())
        response = self.check_response(
            bot=bot, method=method, status_code=200, content=json.dumps(result)
        )
        return response.result  # type: ignore[return-value]


class Statements:
    """SQL statements and transactions (the engine's begin events) while installed."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements = 0
        self.transactions = 0
        self.by_kind: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._t0: list[float] = []

    def _before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        self._t0.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        kind = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.by_kind[kind] += 1
        if self._t0:
            self.seconds[kind] += time.perf_counter() - self._t0.pop()

    def _begin(self, conn: Any) -> None:
        self.transactions += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        event.listen(self.engine, "begin", self._begin)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        event.remove(self.engine, "begin", self._begin)


class SlowCalls(ThreadCalls):
    """SQLite only: the longest calls into a database thread (execute, commit, ...) while
    installed, to tell a database stall (a checkpoint's fsync) from a busy event loop."""

    def __init__(self) -> None:
        self.longest: dict[str, float] = {}
        self.over_100ms: Counter[str] = Counter()

    def took(self, fn: Any, seconds: float) -> None:
        name = getattr(fn, "__name__", "?")
        self.longest[name] = max(self.longest.get(name, 0.0), seconds)
        if seconds > 0.1:
            self.over_100ms[name] += 1

    def __enter__(self) -> SlowCalls:
        self.install()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.uninstall()


class Hops(ThreadCalls):
    """SQLite only: calls into a database thread while installed."""

    def __init__(self) -> None:
        self.calls = 0

    def took(self, fn: Any, seconds: float) -> None:
        self.calls += 1

    def __enter__(self) -> Hops:
        self.install()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.uninstall()


class LoopLag:
    """How late a 10 ms sleep wakes up: the event loop held up (CPU, or a blocking call)."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - t0 - 0.01)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def proc_status(field: str) -> int:
    """A /proc/self/status figure in kB (VmRSS, VmHWM), or -1 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def reset_peak_rss() -> bool:
    """Set VmHWM back to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def ru_maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def mib(kb: int) -> str:
    return f"{kb / 1024:.1f}" if kb >= 0 else "n/a"


def print_rows(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return " ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    print(line(headers))
    print("-" * len(line(headers)))
    for row in cells:
        print(line(row))


# ---------------------------------------------------------------------------- databases


async def ensure_pg_database(url: str) -> None:
    """Create the bench's own database when it is missing (asyncpg, on the same server)."""
    if asyncpg is None:
        raise ImportError("asyncpg is not installed")
    parsed = make_url(url)
    name = parsed.database or ""
    conn = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database="postgres",
    )
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        await conn.close()


async def fresh_database(
    kind: str, pg_url: str, tmp: Path, label: str
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]] | None:
    """Empty tables from Base.metadata: a new SQLite file, or PostgreSQL's schema remade."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / f'outbox-{label}.sqlite3'}"
    else:
        url = pg_url
        try:
            await ensure_pg_database(url)
        except (OSError, ImportError, PG_ERROR) as exc:
            where = make_url(url).set(password=None).render_as_string()
            print(f"skipped: PostgreSQL {where} unreachable ({type(exc).__name__}: {exc})"[:300])
            return None
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await reset_schema(conn)
    except (OSError, ConnectionError, SQLAlchemyError) as exc:
        await engine.dispose()
        print(f"skipped: {type(exc).__name__}: {exc}"[:300])
        return None
    return engine, create_session_factory(engine)


async def seed_members(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession], n: int
) -> int:
    """One merchant and n opted-in, reachable members; returns the merchant id.

    Customers and memberships are each written by one INSERT ... SELECT over a recursive
    counter, so the setup holds no per-member Python objects. Languages vary so that the
    audience's coalesce(chosen, Telegram's, merchant's) has work: a third chose Polish, the
    rest have Telegram's Russian or English.
    """
    now = utc_now()
    async with factory() as s, s.begin():
        merchant = Merchant(
            slug="main",
            name="Bench Café",
            currency="EUR",
            timezone="Europe/Warsaw",
            default_language="en",
            created_at=now,
        )
        s.add(merchant)
        await s.flush()
        merchant_id = merchant.id

    seq = select(literal(1).label("i")).cte("seq", recursive=True)
    seq = seq.union_all(select((seq.c.i + 1).label("i")).where(seq.c.i < n))
    i = seq.c.i
    stamp = literal(now, UtcDateTime())
    customers = insert(Customer).from_select(
        ["id", "telegram_id", "language", "telegram_language", "bot_blocked", "created_at"],
        select(
            i,
            i + FIRST_MEMBER_TG - 1,
            case((i % 3 == 0, literal("pl")), else_=None),
            case((i % 2 == 0, literal("ru")), else_=literal("en")),
            literal(False),
            stamp,
        ),
    )
    memberships = insert(Membership).from_select(
        [
            "id",
            "customer_id",
            "merchant_id",
            "referral_code",
            "consent_version",
            "consented_at",
            "marketing_opt_in",
            "joined_at",
        ],
        select(
            i,
            i,
            literal(merchant_id),
            literal("B") + cast(i, String),
            literal(1),
            stamp,
            literal(True),
            stamp,
        ),
    )
    async with engine.begin() as conn:
        await conn.execute(customers)
        await conn.execute(memberships)
        if conn.dialect.name == "postgresql":
            # Autovacuum would have analysed tables this size in production.
            await conn.execute(text("ANALYZE customer"))
            await conn.execute(text("ANALYZE membership"))
    async with factory() as s, s.begin():
        count = await s.scalar(
            select(func.count()).where(
                Membership.merchant_id == merchant_id, Membership.marketing_opt_in.is_(True)
            )
        )
    if count != n:
        raise SystemExit(f"setup: {count} members written, {n} wanted")
    return merchant_id


async def queue_push(
    factory: async_sessionmaker[AsyncSession], merchant_id: int, key: str
) -> tuple[int, float]:
    """CampaignService.queue to segment "all" by the owner: (campaign id, recipients)."""
    async with factory() as s:
        service = CampaignService(s, owner_ids=(OWNER,), clock=utc_now)
        stats = await service.queue(
            merchant_id, OWNER, Push(text=PUSH_TEXT), Segment("all"), None, key
        )
    return stats.id, stats.recipients


# ---------------------------------------------------------------------------- 1. enqueue


@dataclass
class EnqueueRun:
    label: str
    seconds: float
    rows: int
    insert_s: float
    statements: int
    transactions: int
    traced_peak_mib: float | None
    hwm_mib: float
    rss_before_mib: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


async def bench_enqueue(args: argparse.Namespace, tmp: Path) -> bool:
    n = args.enqueue
    print(f"\n=== 1. enqueue: a push to {n} members, {args.db} ===")
    opened = await fresh_database(args.db, args.pg_url, tmp, "enqueue")
    if opened is None:
        return True
    engine, factory = opened
    ok = True
    try:
        t0 = time.perf_counter()
        merchant_id = await seed_members(engine, factory, n)
        print(f"setup: {n} members in {time.perf_counter() - t0:.1f} s (not timed)")
        runs: list[EnqueueRun] = []
        campaign_id = 0
        for k in range(args.repeat + 1):
            traced = k == args.repeat
            if k:
                async with engine.begin() as conn:  # untimed: back to an empty outbox
                    if conn.dialect.name == "postgresql":
                        await conn.execute(text("TRUNCATE outbox, campaign"))
                    else:
                        await conn.execute(text("DELETE FROM outbox"))
                        await conn.execute(text("DELETE FROM campaign"))
            gc.collect()
            rss_before = proc_status("VmRSS")
            can_reset = reset_peak_rss()
            if traced:
                tracemalloc.start()
            with Statements(engine) as sql:
                t0 = time.perf_counter()
                campaign_id, recipients = await queue_push(factory, merchant_id, f"bench-{k}")
                seconds = time.perf_counter() - t0
            peak = None
            if traced:
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            hwm = proc_status("VmHWM") if can_reset else -1
            async with factory() as s, s.begin():
                rows = await s.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.campaign_id == campaign_id, Outbox.status == "pending")
                )
            if rows != n or recipients != n:
                print(f"FAILED: {rows} pending rows, campaign says {recipients}; {n} wanted")
                ok = False
            label = f"run {k + 1}" + (" (tracemalloc on)" if traced else "")
            runs.append(
                EnqueueRun(
                    label,
                    seconds,
                    int(rows or 0),
                    sql.seconds["INSERT"],
                    sql.statements,
                    sql.transactions,
                    peak,
                    hwm / 1024 if hwm >= 0 else -1.0,
                    rss_before / 1024,
                )
            )

        # What the sender then runs against this outbox: its claim, the probe after every
        # batch that tells whether the campaign is done, and the count at its end.
        query_ms = [("", *await sender_queries(factory, campaign_id, n))]
        if engine.dialect.name == "postgresql":
            # Right after the INSERT the planner has no statistics for the new rows;
            # autovacuum analyses the table within about a minute.
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE outbox"))
            query_ms.append(
                (" after ANALYZE outbox", *await sender_queries(factory, campaign_id, n))
            )

        print()
        print_rows(
            [
                "run",
                "rows",
                "seconds",
                "rows/s",
                "INSERT s",
                "statements",
                "transactions",
                "tracemalloc peak MiB",
                "peak RSS MiB",
                "RSS before MiB",
            ],
            [
                (
                    r.label,
                    r.rows,
                    f"{r.seconds:.3f}",
                    f"{r.rate:.0f}",
                    f"{r.insert_s:.3f}",
                    r.statements,
                    r.transactions,
                    f"{r.traced_peak_mib:.2f}" if r.traced_peak_mib is not None else "-",
                    f"{r.hwm_mib:.1f}" if r.hwm_mib >= 0 else "n/a",
                    f"{r.rss_before_mib:.1f}",
                )
                for r in runs
            ],
        )
        plain = [r.seconds for r in runs if r.traced_peak_mib is None]
        median = statistics.median(plain)
        print(
            f"\nenqueue, {args.db}: median of {len(plain)} runs {median:.3f} s = "
            f"{n / median:.0f} rows/s; {runs[0].statements} statements and "
            f"{runs[0].transactions} transactions a push ({runs[0].statements / n:.5f} and "
            f"{runs[0].transactions / n:.5f} a message); tracemalloc peak "
            f"{runs[-1].traced_peak_mib:.2f} MiB; peak RSS during the call up to "
            f"{max(r.hwm_mib for r in runs):.1f} MiB (it was "
            f"{max(r.rss_before_mib for r in runs):.1f} MiB before); "
            f"process ru_maxrss {ru_maxrss_mib():.1f} MiB (imports and setup included)"
        )
        for when, claim_ms, waiting_ms, count_ms, right in query_ms:
            print(
                f"against {n} pending rows{when}: OutboxRepo.claim (100 rows, rolled back) "
                f"{claim_ms:.1f} ms, waiting(campaign) {waiting_ms:.2f} ms, "
                f"count_by_status(campaign) {count_ms:.1f} ms (mean of 5, each)"
            )
            ok &= right
    finally:
        await engine.dispose()
    return ok


class RolledBack(Exception):
    """Leaves a transaction without committing it."""


async def sender_queries(
    factory: async_sessionmaker[AsyncSession], campaign_id: int, n: int
) -> tuple[float, float, float, bool]:
    """Mean ms, 5 of each, of what the sender runs against this outbox: its claim of 100 rows
    (OutboxRepo.claim, each in a transaction rolled back), the "is the campaign done?" probe
    after every batch (OutboxRepo.waiting) and the status count it makes once, at the end."""
    claim_s = 0.0
    claimed = 0
    for _ in range(5):
        with contextlib.suppress(RolledBack):
            async with factory() as s, s.begin():
                t0 = time.perf_counter()
                claimed = len(await OutboxRepo(s).claim(utc_now(), 100, "bench"))
                claim_s += time.perf_counter() - t0
                raise RolledBack
    async with factory() as s, s.begin():
        repo = OutboxRepo(s)
        t0 = time.perf_counter()
        for _ in range(5):
            waiting = await repo.waiting(campaign_id)
        waiting_ms = (time.perf_counter() - t0) / 5 * 1000
        t0 = time.perf_counter()
        for _ in range(5):
            counts = await repo.count_by_status(campaign_id)
        count_ms = (time.perf_counter() - t0) / 5 * 1000
    right = claimed == min(100, n) and waiting and counts.get(OutboxStatus.PENDING) == n
    if not right:
        print(f"FAILED: the claim took {claimed} rows, waiting {waiting}, counts {counts}")
    return claim_s / 5 * 1000, waiting_ms, count_ms, right


# ---------------------------------------------------------------------------- 2. ceiling


def in_flight_of(args: argparse.Namespace) -> int:
    """--in-flight, else the Sender's default."""
    default: int = inspect.signature(Sender).parameters["in_flight"].default
    return default if args.in_flight is None else args.in_flight


async def fake_only_rate(n: int) -> tuple[float, float]:
    """Messages a second of the fake session alone (bot.send_message in a loop, no
    database): of the wall time, and of this process's CPU time."""
    fake = ZeroLatencySession()
    bot = create_bot(till_settings("sqlite+aiosqlite://"), session=fake)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for k in range(n):
        await bot.send_message(FIRST_MEMBER_TG + k, PUSH_TEXT)
    return n / (time.perf_counter() - t0), n / (time.process_time() - cpu0)


@dataclass
class CeilingRun:
    concurrency: int
    messages: int
    seconds: float
    statements: int
    transactions: int
    cpu: float
    others: float
    hops: int  # calls into a database thread (SQLite only)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_rate(self) -> float:
        """Messages per second of this process's CPU: what a quiet core would reach."""
        return self.messages / self.cpu


async def bench_ceiling(args: argparse.Namespace, tmp: Path) -> bool:
    m = args.ceiling
    print(
        f"\n=== 2. ceiling: {m} messages, rate limit lifted, at most {in_flight_of(args)} "
        f"unmarked, {args.db} ==="
    )
    ok = True
    i18n = create_i18n("en")
    runs: list[CeilingRun] = []
    # aiogram and pydantic build some validators on first use (about 0.1-0.3 s): once per
    # process, not per message, so not in the timed drain.
    await fake_only_rate(50)
    for c in args.concurrency:
        opened = await fresh_database(args.db, args.pg_url, tmp, f"ceiling-{c}")
        if opened is None:
            return True
        engine, factory = opened
        try:
            merchant_id = await seed_members(engine, factory, m)
            campaign_id, _ = await queue_push(factory, merchant_id, f"ceiling-{c}")
            fake = ZeroLatencySession()
            bot = create_bot(till_settings("sqlite+aiosqlite://"), session=fake)
            sender = Sender(
                bot,
                factory,
                i18n,
                notice_text,
                rate=1e9,
                per_chat_interval=0,
                concurrency=c,
                in_flight=in_flight_of(args),
            )
            gc.collect()
            hops = Hops()
            with (
                Statements(engine) as sql,
                hops if args.db == "sqlite" else contextlib.nullcontext(),
            ):
                cpu0, busy0 = time.process_time(), machine_busy_seconds()
                t0 = time.perf_counter()
                await sender.drain()
                seconds = time.perf_counter() - t0
                cpu = time.process_time() - cpu0
                others = machine_busy_seconds() - busy0 - cpu
            async with factory() as s, s.begin():
                statuses = await OutboxRepo(s).count_by_status()
                done = await s.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
            messages = len(fake.chats)
            repeated = messages - len(set(fake.chats))
            expected = {"sent": m + 1}  # the push, then its summary to the owner
            if statuses != expected or messages != m + 1 or repeated or done != "done":
                print(
                    f"FAILED: statuses {statuses}, {messages} messages ({repeated} repeated), "
                    f"campaign {done}; wanted {expected}"
                )
                ok = False
            run = CeilingRun(
                c, messages, seconds, sql.statements, sql.transactions, cpu, others, hops.calls
            )
            runs.append(run)
            print(
                f"concurrency {c}: {messages} messages in {seconds:.2f} s = {run.rate:.0f}/s; "
                f"{sql.statements / messages:.2f} statements and "
                f"{sql.transactions / messages:.3f} transactions a message "
                f"({dict(sql.by_kind.most_common())}"
                + (
                    f", {hops.calls / messages:.2f} calls into a database thread"
                    if hops.calls
                    else ""
                )
                + f"); process CPU {cpu / seconds:.0%} of the wall time = "
                f"{run.cpu_rate:.0f} messages a CPU second; rest of the machine "
                f"{others / seconds:.2f} CPU s/s"
            )
        finally:
            await engine.dispose()
    alones = [await fake_only_rate(2000) for _ in range(3)]
    alone = statistics.median(a for a, _ in alones)
    alone_cpu = statistics.median(c for _, c in alones)
    print()
    print_rows(
        [
            "concurrency",
            "messages",
            "seconds",
            "messages/s",
            "of fake alone",
            "msg/CPU s",
            "of fake alone",
            "SQL/msg",
            "transactions/msg",
            "thread calls/msg",
            "process CPU",
            "others CPU s/s",
        ],
        [
            (
                r.concurrency,
                r.messages,
                f"{r.seconds:.2f}",
                f"{r.rate:.0f}",
                f"{r.rate / alone:.2f}",
                f"{r.cpu_rate:.0f}",
                f"{r.cpu_rate / alone_cpu:.2f}",
                f"{r.statements / r.messages:.2f}",
                f"{r.transactions / r.messages:.3f}",
                f"{r.hops / r.messages:.2f}" if r.hops else "-",
                f"{r.cpu / r.seconds:.0%}",
                f"{r.others / r.seconds:.2f}",
            )
            for r in runs
        ]
        + [
            (
                "fake session alone",
                2000,
                "",
                f"{alone:.0f}",
                "1",
                f"{alone_cpu:.0f}",
                "1",
                "0",
                "0",
                "0",
                "",
                "",
            )
        ],
    )
    for r in runs:
        print(
            f"ceiling, {args.db}, concurrency {r.concurrency}, at most {in_flight_of(args)} "
            f"unmarked: {r.rate:.0f} messages/s = {r.rate / alone:.2f} of the fake session "
            f"alone ({alone:.0f}/s); per CPU second {r.cpu_rate:.0f} = "
            f"{r.cpu_rate / alone_cpu:.2f} of it; {r.statements / r.messages:.2f} statements "
            f"and {r.transactions / r.messages:.3f} transactions a message"
        )
    return ok


# ---------------------------------------------------------------------------- 3. paced


def max_in_window(times: Sequence[float], window: float = 1.0) -> tuple[int, int]:
    """The most messages in any [t, t + window) starting at a message, and that message."""
    best, where = 0, 0
    for k, t in enumerate(times):
        count = bisect.bisect_left(times, t + window, lo=k) - k
        if count > best:
            best, where = count, k
    return best, where


async def bench_paced(args: argparse.Namespace, tmp: Path) -> bool:
    seconds = args.paced
    rows = math.ceil(LIMIT * seconds * 1.2)
    c = args.paced_concurrency
    print(
        f"\n=== 3. paced: rate {LIMIT:.0f}/s, per-chat interval 1 s, concurrency {c}, "
        f"{seconds:g} s, {rows} queued messages to distinct chats, {args.db} ==="
    )
    opened = await fresh_database(args.db, args.pg_url, tmp, "paced")
    if opened is None:
        return True
    engine, factory = opened
    ok = True
    try:
        merchant_id = await seed_members(engine, factory, rows)
        await queue_push(factory, merchant_id, "paced")
        fake = ZeroLatencySession()
        bot = create_bot(till_settings("sqlite+aiosqlite://"), session=fake)
        sender = Sender(
            bot,
            factory,
            create_i18n("en"),
            notice_text,
            rate=LIMIT,
            per_chat_interval=1.0,
            concurrency=c,
            in_flight=in_flight_of(args),
        )
        stop = asyncio.Event()
        lag = LoopLag()
        sqlite = engine.dialect.name == "sqlite"
        slow = SlowCalls() if sqlite else None
        with Statements(engine) as sql, slow or contextlib.nullcontext():
            lag.start()
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            task = asyncio.create_task(sender.run(stop))
            await asyncio.sleep(seconds)
            stop.set()
            t_stop = time.perf_counter()
            await task
            t_end = time.perf_counter()
            cpu = time.process_time() - cpu0
            await lag.stop()
        times = list(fake.times)
        inside = [t for t in times if t <= t_stop]
        elapsed = t_stop - t0
        achieved = len(inside) / elapsed
        steady = (len(inside) - 1) / (inside[-1] - inside[0]) if len(inside) > 1 else 0.0
        worst, worst_at = max_in_window(times)
        buckets = Counter(int(t - t0) for t in inside)
        full = [buckets.get(s, 0) for s in range(int(elapsed))]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        repeated = len(fake.chats) - len(set(fake.chats))
        # The longest gaps, by the number of the message that ended them (batches are 100).
        longest = sorted(range(len(gaps)), key=lambda k: gaps[k], reverse=True)[:5]
        # Sends that came right after the one before: slots handed out on time, sent late.
        bunched = sum(1 for g in gaps if g < 0.010)
        window_gaps = gaps[worst_at : worst_at + worst - 1]
        first_ms = (times[0] - t0) * 1000 if times else float("nan")
        print(
            f"{len(inside)} messages accepted in {elapsed:.2f} s = {achieved:.2f}/s, "
            f"{achieved / LIMIT:.1%} of {LIMIT:.0f}/s; first message {first_ms:.0f} ms after the "
            f"start; first to last {steady:.2f}/s ({steady / LIMIT:.1%})"
        )
        print(
            f"most in any 1-second window: {worst}; whole seconds from the start: min "
            f"{min(full)}, max {max(full)}, counts {Counter(full).most_common()}; "
            f"longest gap {max(gaps) * 1000:.0f} ms, median gap "
            f"{statistics.median(gaps) * 1000:.1f} ms; the 5 longest before message #: "
            + ", ".join(f"{gaps[k] * 1000:.0f} ms #{k + 1}" for k in sorted(longest))
        )
        print(
            f"the fullest 1-second window starts at message #{worst_at + 1} "
            f"({times[worst_at] - t0:.2f} s); its shortest gaps "
            + ", ".join(f"{g * 1000:.1f}" for g in sorted(window_gaps)[:4])
            + f" ms; in the whole run {bunched} messages came less than 10 ms after the one "
            "before"
        )
        print(
            f"stop: run() returned {t_end - t_stop:.2f} s after stop was set, having sent "
            f"{len(times) - len(inside)} more (the batch in hand); {repeated} repeated; "
            f"{sql.statements / max(1, len(times)):.2f} statements and "
            f"{sql.transactions / max(1, len(times)):.3f} transactions a message; process CPU "
            f"{cpu / (t_end - t0):.0%}"
        )
        lags = lag.lags or [0.0]
        print(
            f"event loop: a 10 ms sleep woke up late by at most {max(lags) * 1000:.0f} ms "
            f"(p99 {sorted(lags)[int(0.99 * (len(lags) - 1))] * 1000:.1f} ms, "
            f"{sum(1 for x in lags if x > 0.05)} times over 50 ms)"
            + (
                "; longest calls into a database thread: "
                + ", ".join(
                    f"{name} {t * 1000:.0f} ms"
                    for name, t in sorted(slow.longest.items(), key=lambda kv: -kv[1])[:3]
                )
                + f"; over 100 ms: {dict(slow.over_100ms) or 0}"
                if slow is not None
                else ""
            )
        )
        print()
        print_rows(
            [
                "rate",
                "seconds",
                "sent",
                "achieved/s",
                "share of 30/s",
                "max in 1 s",
                "min/max per s",
            ],
            [
                (
                    f"{LIMIT:.0f}/s, C={c}",
                    f"{elapsed:.2f}",
                    len(inside),
                    f"{achieved:.2f}",
                    f"{achieved / LIMIT:.1%}",
                    worst,
                    f"{min(full)}/{max(full)}",
                )
            ],
        )
        if worst > LIMIT:
            print(
                f"note: {worst} messages within one sliding second, over {LIMIT:.0f} (the "
                "limiter spaces the slots it hands out, not the sends; reported, not a failure)"
            )
        if repeated or not inside:
            print(f"FAILED: {repeated} repeated, {len(inside)} sent")
            ok = False
    finally:
        await engine.dispose()
    return ok


# ---------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace) -> int:
    errors = LogCounter()
    logging.getLogger().addHandler(errors)
    started = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-outbox-") as tmp:
        if args.enqueue:
            ok &= await bench_enqueue(args, Path(tmp))
        if args.ceiling:
            ok &= await bench_ceiling(args, Path(tmp))
        if args.paced:
            ok &= await bench_paced(args, Path(tmp))
    load = os.getloadavg()
    print(
        f"\nwall time {time.perf_counter() - started:.0f} s (imports not included); load "
        f"average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; ru_maxrss {ru_maxrss_mib():.1f} MiB"
    )
    if errors.count:
        print(f"FAILED: {errors.count} ERROR records logged")
        ok = False
    return 0 if ok else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])

    def positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
        def check(value: str) -> Any:
            number = kind(value)
            if number <= 0:
                raise argparse.ArgumentTypeError("must be positive")
            return number

        return check

    parser.add_argument(
        "--enqueue",
        type=positive(int),
        nargs="?",
        const=100_000,
        default=None,
        metavar="N",
        help="time CampaignService.queue of a push to N members (default 100000)",
    )
    parser.add_argument(
        "--ceiling",
        type=positive(int),
        nargs="?",
        const=5000,
        default=None,
        metavar="M",
        help="time sender.drain() of M messages with the rate limit lifted (default 5000)",
    )
    parser.add_argument(
        "--paced",
        type=positive(float),
        nargs="?",
        const=60.0,
        default=None,
        metavar="SECONDS",
        help="run the sender at 30/s for SECONDS and measure the achieved rate (default 60)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help=f"PostgreSQL (default {PG_DEFAULT})")
    parser.add_argument(
        "--repeat",
        type=positive(int),
        default=3,
        help="timed enqueue runs before the one under tracemalloc (default 3)",
    )
    parser.add_argument(
        "--concurrency",
        default="1,4,16",
        help="sender concurrencies for --ceiling, comma-separated (default 1,4,16)",
    )
    parser.add_argument(
        "--in-flight",
        type=positive(int),
        default=None,
        help="messages handed to Telegram and not yet marked, at most (default: the Sender's)",
    )
    parser.add_argument(
        "--paced-concurrency",
        type=positive(int),
        default=4,
        help="sender concurrency for --paced (default 4, the production default)",
    )
    args = parser.parse_args(argv)
    if args.enqueue is None and args.ceiling is None and args.paced is None:
        args.enqueue, args.ceiling, args.paced = 100_000, 5000, 60.0
    try:
        args.concurrency = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        parser.error("--concurrency takes numbers separated by commas")
    if any(c < 1 for c in args.concurrency):
        parser.error("--concurrency must be positive")
    if args.db == "postgres" and make_url(args.pg_url).database in ("test", "postgres"):
        parser.error("the bench drops the schema of --pg-url: give it a database of its own")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = os.getloadavg()
    start(
        f"db={args.db}"
        + (
            f" pg-url={make_url(args.pg_url).set(password=None).render_as_string()}"
            if args.db == "postgres"
            else ""
        )
        + f"; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        note=f", {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    )
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
