"""Purchases at the till: /sale and Confirm through the production dispatcher, against a bare one.

    python -m bench.bench_purchases [--purchases N] [--concurrency C] [--db sqlite|postgres]
                                    [--pg-url URL] [--cashiers K] [--all] [--sender-apart]
                                    [--profile TOP]

One purchase is two updates from a cashier: `/sale <code> <amount>` (checks the seller, finds
the customer by their payment code, keeps a draft and answers with a preview) and a press on
its Confirm button (commits the sale, credits cashback and three referral shares, answers the
callback and edits the preview into a confirmation). The receipt to the buyer and a reward
notice to each of the three referrers go through the outbox: the production sender runs
alongside, as `loyalty-bot run` runs it in-process, but without its rate limit (Telegram's pace
is not this process's cost). On a tree whose Confirm handler still sends them itself, they are
sent within the Confirm update and no sender runs. Every buyer D sits at the bottom of a chain
of their own, A invites B invites C invites D, and buys once, so every purchase pays all three
referral levels and, being D's first, the referral bonus to C.

The Bot API is tests.telegram.RecordingSession (nothing leaves the process). The database is
a temporary SQLite file, or PostgreSQL at --pg-url whose tables are dropped and created again
(the bench skips PostgreSQL, with exit status 0, when it cannot connect). Setup is not timed:
the owner hires the cashiers through the bot (/staff, "Invite a cashier", /start i<token>),
members join through MemberService.join (each with the referral code of the one above), and
each buyer gets a payment code from CodeService.issue.

With --concurrency C, C workers run at once under asyncio.gather, each at its own till (its own
cashier unless --cashiers says fewer): worker k serves purchases k, k + C, k + 2C, ... one after
another. Latency is what the cashier waits for: both updates, from the /sale update entering
the dispatcher to the Confirm update leaving it (building the Confirm update, about 0.1 ms,
included). The phase, and so purchases/s, lasts until the last purchase is done and the outbox
is empty; the lag from each Confirm to its last message is reported apart.

--sender-apart leaves the sender out of the timed phase and drains the outbox after it (its
messages are checked as always; what it cost a purchase in CPU is printed): the figures are
then the dispatcher's own, as in a deployment whose sender is a process of its own
(IN_PROCESS_WORKER=false and `loyalty-bot worker`).

The baseline is the bare dispatcher of bench.bench_dispatcher (one handler that replies once)
fed 2N message updates at the same concurrency, in the same process; the median of three runs
is kept. A purchase is two updates, so the ratio, production purchases/s divided by half the
bare updates/s, is also production updates/s divided by bare updates/s.

After the timed phase: N confirmed purchases in the database, every balance equal to the sum
of its ledger, referral ledger entries at depths 1, 2 and 3 of every purchase, exactly one
message to each buyer and referrer, the cashier's answers as expected, and no error: no "Sorry,
something went wrong", no ERROR logged, no exception from the dispatcher, no failed outbox row,
no database error (SQLAlchemy's handle_error event), and in particular no "database is
locked". Any failure exits with status 1.

--all runs SQLite and PostgreSQL at concurrency 1 and 16, each on a fresh database, plus the
bare baseline at both concurrencies, in one process, and prints one table. N defaults to 400,
and to 256 with --all, to stay within about four minutes on a 2-CPU machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import inspect
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import db.engine as db_engine
import db.models  # noqa: F401  (registers every table on Base.metadata)
from bench.bench_dispatcher import (
    Result,
    SqlStats,
    TaggingSession,
    ThreadHops,
    _current_update,
    command_plan,
    message_update,
    print_profile,
    print_table,
    run_bare,
)
from bench.common import LogCounter, add_profile_option, bench_settings, start
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.heap import settle
from db.base import Base
from db.models import LedgerEntry, LedgerReason, Membership, Merchant, Purchase, PurchaseStatus
from handlers.i18n import CatalogI18n, create_i18n
from services.codes import CodeService
from services.members import MemberService
from tests.telegram import BOT_USER, TgUser, inline_buttons, text_of

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SINGLE = getattr(db_engine, "SINGLE_STATEMENT", "-")  # one statement outside a transaction
OWNER = 1
FIRST_CASHIER_ID = 800_000_001
FIRST_MEMBER_ID = 810_000_001
CHAIN = 4  # A invites B invites C invites D; D buys
SORRY = "Sorry, something went wrong"
LOCKED = "database is locked"
SETUP_LANES = 8
T = TypeVar("T")


def amount_text(i: int) -> str:
    """Check amounts from €10.00 to €49.99: every referral share is at least one point."""
    return f"{10 + i % 40}.{(i * 37) % 100:02d}"


class PurchaseSession(TaggingSession):
    """TaggingSession that also files each request under its tag as it is made, so a worker
    can read its own /sale preview while other workers' requests interleave."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: defaultdict[int, list[TelegramMethod[Any]]] = defaultdict(list)
        self.messages_to: defaultdict[int, list[float]] = defaultdict(list)  # chat -> times

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage):
            self.messages_to[int(method.chat_id)].append(time.perf_counter())
        tag = _current_update.get()
        if tag is not None:
            self.sent[tag].append(method)
        return result


class DbErrors:
    """Every error the driver raised (SQLAlchemy's handle_error event), and the locked ones."""

    def __init__(self) -> None:
        self.count, self.locked = 0, 0
        self.kinds: dict[str, int] = {}

    def __call__(self, context: Any) -> None:
        self.count += 1
        error = context.original_exception
        name = type(error).__name__
        self.kinds[name] = self.kinds.get(name, 0) + 1
        if LOCKED in str(error):
            self.locked += 1


class UpdateCounts:
    """Statements and transactions by who made them: the /sale update, the Confirm update, or
    anything else (the outbox sender, which runs outside any update). A transaction is a
    `begin` on a connection (SQLite's BEGIN IMMEDIATE or plain BEGIN, PostgreSQL's BEGIN);
    those that only read (db.engine.READ_ONLY) and autocommit ones (PostgreSQL's AUTOCOMMIT,
    SQLite's driver autocommit for db.engine.SINGLE_STATEMENT) are counted apart from the
    writing ones. The counts do not depend on load."""

    KINDS = ("sale", "confirm", "other")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.statements = dict.fromkeys(self.KINDS, 0)
        self.writes = dict.fromkeys(self.KINDS, 0)
        self.reads = dict.fromkeys(self.KINDS, 0)
        self.autocommits = dict.fromkeys(self.KINDS, 0)

    @staticmethod
    def kind() -> str:
        tag = _current_update.get()
        return "other" if tag is None else ("sale", "confirm")[tag % 2]

    def statement(self, *_: Any) -> None:
        self.statements[self.kind()] += 1

    def begin(self, conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(db_engine.READ_ONLY):
            self.reads[self.kind()] += 1
        elif options.get("isolation_level") == "AUTOCOMMIT" or options.get(SINGLE):
            self.autocommits[self.kind()] += 1
        else:
            self.writes[self.kind()] += 1

    def install(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self.statement)
        event.listen(engine.sync_engine, "begin", self.begin)

    def lines(self, n: int) -> list[str]:
        names = {"sale": "/sale update", "confirm": "Confirm update", "other": "sender & other"}
        out = []
        for kind in self.KINDS:
            out.append(
                f"  {names[kind]:<15} {self.statements[kind] / n:5.1f} statements, "
                f"{self.writes[kind] / n:4.1f} write transactions, "
                f"{self.reads[kind] / n:4.1f} read-only, "
                f"{self.autocommits[kind] / n:4.1f} autocommit (per purchase)"
            )
        both = sum(self.statements[k] for k in ("sale", "confirm"))
        both_tx = sum(self.writes[k] + self.reads[k] for k in ("sale", "confirm"))
        out.append(
            f"  both updates    {both / n:5.1f} statements, {both_tx / n:4.1f} transactions "
            "(the sender's apart)"
        )
        return out


class TurnStats:
    """SQLite only: how long transactions waited for their turn on the process's lock.

    `wait` is the time from asking for the lock to getting it (the factory's lock is swapped for
    a timed one); `enter` is the whole `async with session.begin()` entry, the wait plus BEGIN
    IMMEDIATE (db.engine._TakingTurns.__aenter__, wrapped during the bench only); `held` is
    from having the turn to giving it back, COMMIT included."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.enters: list[float] = []
        self.held = 0.0
        self._saved: tuple[Any, Any] | None = None

    def reset(self) -> None:
        self.waits, self.enters, self.held = [], [], 0.0

    def copy(self) -> TurnStats:
        seen = TurnStats()
        seen.waits, seen.enters, seen.held = list(self.waits), list(self.enters), self.held
        return seen

    def install(self, factory: async_sessionmaker[AsyncSession], take_turns: bool = True) -> None:
        """Time the turns; with take_turns=False (a diagnostic) nobody waits for a turn, and
        concurrent transactions queue in SQLite's busy handler instead."""
        stats = self
        session_class: Any = factory.class_

        class TimedLock(asyncio.Lock):
            async def acquire(self) -> Literal[True]:
                t0 = time.perf_counter()
                got = await super().acquire()
                stats.waits.append(time.perf_counter() - t0)
                return got

        class NoTurns(TimedLock):
            async def acquire(self) -> Literal[True]:
                stats.waits.append(0.0)
                return True

            def release(self) -> None:
                pass

        assert not session_class.write_lock.locked()
        session_class.write_lock = TimedLock() if take_turns else NoTurns()
        turns: Any = db_engine._TakingTurns
        enter, leave = turns.__aenter__, turns.__aexit__
        self._saved = (enter, leave)

        async def timed_enter(self: Any) -> Any:
            t0 = time.perf_counter()
            result = await enter(self)
            self.bench_t1 = time.perf_counter()
            stats.enters.append(self.bench_t1 - t0)
            return result

        async def timed_leave(self: Any, *exc: Any) -> None:
            try:
                await leave(self, *exc)
            finally:
                stats.held += time.perf_counter() - getattr(self, "bench_t1", time.perf_counter())

        turns.__aenter__, turns.__aexit__ = timed_enter, timed_leave

    def uninstall(self) -> None:
        if self._saved is not None:
            turns: Any = db_engine._TakingTurns
            turns.__aenter__, turns.__aexit__ = self._saved
            self._saved = None


@dataclass
class Chain:
    buyer_tg: int
    buyer_id: int  # membership ids below
    ancestors: tuple[int, ...]  # depth 1 (C), 2 (B), 3 (A)
    ancestor_tgs: tuple[int, ...]


@dataclass
class Run:
    """One combination: a backend at a concurrency."""

    db: str
    concurrency: int
    result: Result
    failures: dict[str, int]
    locked: int
    checks: dict[str, Any] = field(default_factory=dict)
    turns: TurnStats | None = None
    ratio: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


def machine_busy_seconds() -> float:
    """CPU time all processors spent busy since boot (Linux /proc/stat), for the share of the
    timed phase spent outside this process: the PostgreSQL server, and any other job."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def outbox_sender(bot: Bot, factory: async_sessionmaker[AsyncSession], i18n: CatalogI18n) -> Any:
    """The production outbox sender as the tests build it (no rate limit: Telegram's pace is
    not this process's cost), or None on a tree whose handlers still send notices themselves."""
    if "wake_sender" not in inspect.signature(create_dispatcher).parameters:
        return None
    from bot.delivery import Sender
    from handlers.ui.notices import notice_text

    return Sender(bot, factory, i18n, notice_text, rate=1000, per_chat_interval=0)


def till_settings(url: str) -> Settings:
    """The Bench Café with an owner; codes are issued before the timed phase, which may be
    long, so they last a day."""
    return bench_settings(url, owner_ids=(OWNER,), code_ttl_seconds=86_400)


async def open_database(url: str) -> AsyncEngine | None:
    """An engine on empty tables; None (after a message) when the server cannot be reached."""
    engine = db_engine.create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
    except (OSError, ConnectionError, ImportError, SQLAlchemyError) as exc:
        await engine.dispose()
        where = make_url(url).set(password=None).render_as_string()
        print(f"skipped: database {where} unreachable ({type(exc).__name__}: {exc})"[:300])
        return None
    return engine


async def hire_cashiers(dp: Dispatcher, bot: Bot, count: int) -> list[int]:
    """The owner invites each cashier with /staff; each accepts with /start i<token>."""
    owner = TgUser(dp, bot, OWNER, first_name="Olga")
    hired = []
    for k in range(count):
        cashier = TgUser(dp, bot, FIRST_CASHIER_ID + k, first_name=f"Till{k + 1}")
        staff = await owner.send("/staff")
        invite = await owner.press(staff.button("Invite a cashier"))
        link = invite.text.split()[-1]
        welcome = await cashier.send("/start " + link.split("start=")[1])
        if "Welcome to the team" not in welcome.text:
            raise SystemExit(f"setup: cashier {cashier.id} was not hired: {welcome.texts}")
        hired.append(cashier.id)
    return hired


async def in_lanes(
    factory: async_sessionmaker[AsyncSession],
    count: int,
    work: Callable[[AsyncSession, int], Awaitable[T]],
) -> list[T]:
    """work(session, i) for i in range(count), in SETUP_LANES sessions at once (PostgreSQL
    commits them in parallel; on SQLite they take turns). Results in the order of i."""
    out: list[Any] = [None] * count

    async def lane(k: int) -> None:
        async with factory() as s:
            for i in range(k, count, SETUP_LANES):
                out[i] = await work(s, i)

    await asyncio.gather(*(lane(k) for k in range(SETUP_LANES)))
    return out


async def join_chains(
    factory: async_sessionmaker[AsyncSession], merchant_id: int, chains: int
) -> list[Chain]:
    """`chains` chains A -> B -> C -> D, joined level by level with MemberService.join."""
    async with factory() as s, s.begin():
        version = (await s.get(Merchant, merchant_id)).rules_version  # type: ignore[union-attr]
    ids: list[list[int]] = []  # per level, membership ids in chain order
    codes: list[str | None] = [None] * chains

    def tg(level: int, c: int) -> int:
        return FIRST_MEMBER_ID + level * chains + c

    for level in range(CHAIN):

        async def join(
            s: AsyncSession, c: int, level: int = level, parents: list[str | None] = codes
        ) -> int:
            joined = await MemberService(s).join(
                telegram_id=tg(level, c),
                merchant_id=merchant_id,
                first_name=f"{'ABCD'[level]}{c}",
                consent_version=version,
                referral_code=parents[c],
            )
            if level and not joined.referrer_linked:
                raise SystemExit(f"setup: member {tg(level, c)} has no referrer")
            return joined.membership_id

        level_ids = await in_lanes(factory, chains, join)
        async with factory() as s, s.begin():
            rows = await s.execute(
                select(Membership.id, Membership.referral_code).where(Membership.id.in_(level_ids))
            )
            by_id = {m: code for m, code in rows.all()}
        codes = [by_id[m] for m in level_ids]
        ids.append(level_ids)
    return [
        Chain(
            buyer_tg=tg(3, c),
            buyer_id=ids[3][c],
            ancestors=(ids[2][c], ids[1][c], ids[0][c]),
            ancestor_tgs=(tg(2, c), tg(1, c), tg(0, c)),
        )
        for c in range(chains)
    ]


async def issue_codes(
    factory: async_sessionmaker[AsyncSession], merchant_id: int, chains: Sequence[Chain]
) -> list[str]:
    async def issue(s: AsyncSession, i: int) -> str:
        return (await CodeService(s).issue(merchant_id, chains[i].buyer_tg)).code

    return await in_lanes(factory, len(chains), issue)


def callback_update(bot: Bot, update_id: int, uid: int, data: str, message_id: int) -> Update:
    """A press on an inline button under the bot's message `message_id` in `uid`'s chat."""
    now = datetime.now(UTC)
    payload = {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": {"id": uid, "is_bot": False, "first_name": f"User{uid % 1000}"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": now,
                "chat": {"id": uid, "type": "private"},
                "from": BOT_USER,
                "text": "…",
            },
        },
    }
    return Update.model_validate(payload, context={"bot": bot})


def with_data(press: Update, data: str) -> Update:
    """A copy of a prepared press on a button, with the button's data."""
    query = press.callback_query
    assert query is not None
    return press.model_copy(update={"callback_query": query.model_copy(update={"data": data})})


def confirm_key(sent: Sequence[TelegramMethod[Any]]) -> str | None:
    for m in sent:
        for label, data in inline_buttons(m).items():
            if "Confirm" in label and data.startswith("sale:"):
                return data
    return None


def check_confirm(sent: Sequence[TelegramMethod[Any]]) -> bool:
    """What the cashier sees: the toast and the preview edited into a confirmation."""
    toasts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery)]
    edits = [m for m in sent if isinstance(m, EditMessageText) and "confirmed" in (m.text or "")]
    return toasts == ["Confirmed."] and len(edits) == 1


def check_deliveries(
    session: PurchaseSession, chains: Sequence[Chain], done_at: Sequence[float]
) -> tuple[int, list[float]]:
    """Purchases whose buyer and three referrers each got exactly one message, and for each
    purchase the lag from the Confirm update's end to its last message (0 if sent within)."""
    complete, lags = 0, []
    for chain, done in zip(chains, done_at, strict=True):
        times = [session.messages_to.get(c, []) for c in (chain.buyer_tg, *chain.ancestor_tgs)]
        if all(len(t) == 1 for t in times):
            complete += 1
            lags.append(max(0.0, max(t[0] for t in times) - done))
    return complete, lags


async def timed_purchases(
    dp: Dispatcher,
    bot: Bot,
    session: PurchaseSession,
    chains: Sequence[Chain],
    codes: Sequence[str],
    cashiers: Sequence[int],
    concurrency: int,
    failures: dict[str, int],
    sender: Any = None,
    part: range | None = None,
) -> tuple[float, list[float], list[float], float]:
    """Wall time until every purchase of `part` (default: all) is done and (with the outbox)
    every message sent; latencies and when each purchase finished (0 outside `part`); how long
    the outbox took after the last one."""
    n = len(chains)
    part = range(n) if part is None else part
    # Worker k serves purchases k, k + C, k + 2C, ... at till k (its cashier).
    till = [cashiers[(i % concurrency) % len(cashiers)] for i in range(n)]
    sales = [
        message_update(bot, 10_000_000 + i, till[i], f"/sale {codes[i]} {amount_text(i)}")
        for i in range(n)
    ]
    # The presses too, as the bare dispatcher's updates are built before its clock starts;
    # each gets its button's data (known from the preview) in a copy.
    presses = {i: callback_update(bot, 20_000_000 + i, till[i], "", 30_000_000 + i) for i in part}
    latencies, done_at = [0.0] * n, [0.0] * n

    async def purchase(i: int) -> None:
        sale = sales[i]
        t0 = time.perf_counter()
        token = _current_update.set(2 * i)
        try:
            await dp.feed_update(bot, sale)
        finally:
            _current_update.reset(token)
        key = confirm_key(session.sent[2 * i])
        if key is not None:
            press = with_data(presses[i], key)
            token = _current_update.set(2 * i + 1)
            try:
                await dp.feed_update(bot, press)
            finally:
                _current_update.reset(token)
        done_at[i] = time.perf_counter()
        latencies[i] = done_at[i] - t0
        if key is None:
            failures["no preview"] += 1
        elif not check_confirm(session.sent[2 * i + 1]):
            failures["unexpected answer to Confirm"] += 1
        for tag in (2 * i, 2 * i + 1):
            if any(SORRY in text_of(m) for m in session.sent[tag]):
                failures["'Sorry, something went wrong'"] += 1

    async def worker(k: int) -> None:
        for i in range(part.start + k, part.stop, concurrency):
            try:
                await purchase(i)
            except Exception as exc:  # noqa: BLE001 - counted and reported, not hidden
                failures[f"exception {type(exc).__name__}"] += 1
                if LOCKED in str(exc):
                    failures["'database is locked' raised"] += 1

    stop = asyncio.Event()
    start = time.perf_counter()
    delivering = asyncio.create_task(sender.run(stop)) if sender is not None else None
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    purchases_done = time.perf_counter()
    end = purchases_done
    if sender is not None and delivering is not None:
        await sender.drain()
        end = time.perf_counter()
        stop.set()
        sender.wake()
        await delivering  # may sleep out its poll interval: not counted
        # A stopping loop halts its batch and gives the unsent rows back (as at a shutdown),
        # while the drain above found nothing left to claim: those go now, and count.
        await sender.drain()
        sent = [t for times in session.messages_to.values() for t in times]
        end = max([end, *sent])
    return end - start, latencies, done_at, end - purchases_done


@dataclass
class Apart:
    """The outbox drained after the timed phase, as a sender in a process of its own would."""

    sent: int
    seconds: float
    cpu: float

    def line(self, purchases: int) -> str:
        per_cpu = self.sent / self.cpu if self.cpu else float("inf")
        return (
            f"sent by the production sender after the timed phase (--sender-apart: as "
            f"`loyalty-bot worker` sends in a process of its own), unthrottled; {self.sent} "
            f"sent in {self.seconds:.2f} s, {per_cpu:.0f} messages a CPU second: "
            f"{self.cpu / purchases * 1000:.1f} ms of CPU a purchase on top of the figures below"
        )


async def drain_apart(sender: Any) -> Apart:
    """Send what the timed phase queued, untimed, measuring what it cost."""
    sent0, cpu0, t0 = sender.stats.sent, time.process_time(), time.perf_counter()
    await sender.drain()
    return Apart(sender.stats.sent - sent0, time.perf_counter() - t0, time.process_time() - cpu0)


async def verify(
    factory: async_sessionmaker[AsyncSession], chains: Sequence[Chain]
) -> dict[str, Any]:
    """What the database holds after the timed phase."""
    by_buyer = {c.buyer_id: c for c in chains}
    async with factory() as s, s.begin():
        statuses = dict(
            (
                await s.execute(select(Purchase.status, func.count()).group_by(Purchase.status))
            ).all()
        )
        sums = dict(
            (
                await s.execute(
                    select(LedgerEntry.membership_id, func.sum(LedgerEntry.delta_minor)).group_by(
                        LedgerEntry.membership_id
                    )
                )
            ).all()
        )
        balances = dict((await s.execute(select(Membership.id, Membership.balance_minor))).all())
        bought = dict(
            (
                await s.execute(
                    select(Purchase.id, Purchase.membership_id).where(
                        Purchase.status == "confirmed"
                    )
                )
            ).all()
        )
        entries = (
            await s.execute(
                select(LedgerEntry.purchase_id, LedgerEntry.membership_id, LedgerEntry.reason)
            )
        ).all()
    credited: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
    for purchase_id, membership_id, reason in entries:
        if purchase_id is not None:
            credited[(purchase_id, reason)].add(membership_id)
    depths = {1: 0, 2: 0, 3: 0}
    complete = bonus = cashback = 0
    for purchase_id, buyer in bought.items():
        chain = by_buyer[buyer]
        referred = credited[(purchase_id, LedgerReason.REFERRAL)]
        found = [d for d, m in enumerate(chain.ancestors, 1) if m in referred]
        for d in found:
            depths[d] += 1
        complete += found == [1, 2, 3] and len(referred) == 3
        bonus += credited[(purchase_id, LedgerReason.REFERRAL_BONUS)] == {chain.ancestors[0]}
        cashback += credited[(purchase_id, LedgerReason.CASHBACK)] == {buyer}
    wrong = [m for m, b in balances.items() if b != int(sums.get(m, 0))]
    return {
        "confirmed": statuses.get(PurchaseStatus.CONFIRMED, 0),
        "other statuses": {k: v for k, v in statuses.items() if k != "confirmed"},
        "balances": len(balances),
        "balances != ledger": len(wrong),
        "buyers off": sum(1 for m in wrong if m in by_buyer),
        "referral entries at depth": depths,
        "purchases with depths 1-3": complete,
        "referral bonuses": bonus,
        "cashback entries": cashback,
    }


async def run_combination(
    kind: str,
    concurrency: int,
    args: argparse.Namespace,
    tmp: Path,
    errors: LogCounter,
    locked_log: LogCounter,
) -> Run | None:
    url = f"sqlite+aiosqlite:///{tmp / f'bench-{concurrency}.sqlite3'}"
    if kind == "postgres":
        url = args.pg_url
    print(
        f"\n=== {kind}, concurrency {concurrency}, {args.purchases} purchases "
        f"(after {args.warmup} untimed) ==="
    )
    engine = await open_database(url)
    if engine is None:
        return None
    settings = till_settings(url)
    sql, db_errors, per_update = SqlStats(), DbErrors(), UpdateCounts()
    per_update.install(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", sql.before)
    event.listen(engine.sync_engine, "after_cursor_execute", sql.after)
    event.listen(engine.sync_engine, "connect", sql.connected)
    event.listen(engine.sync_engine, "handle_error", db_errors)
    sqlite = engine.dialect.name == "sqlite"
    hops, turns = ThreadHops(), TurnStats()
    session = PurchaseSession()
    bot = create_bot(settings, session=session)
    factory = db_engine.create_session_factory(engine)
    errors.count, locked_log.count = 0, 0
    try:
        if sqlite:
            hops.install()
            turns.install(factory, take_turns=not args.no_turns)
        i18n = create_i18n(settings.default_language)
        sender = outbox_sender(bot, factory, i18n)
        if sender is None:
            dp = create_dispatcher(settings, factory, i18n=i18n)
        else:
            dp = create_dispatcher(settings, factory, i18n=i18n, wake_sender=sender.wake)
        t0 = time.perf_counter()
        cashiers = await hire_cashiers(dp, bot, args.cashiers or concurrency)
        async with factory() as s, s.begin():
            merchant_id = await s.scalar(select(Merchant.id).where(Merchant.slug == "main"))
        assert merchant_id is not None
        warm = args.warmup
        chains = await join_chains(factory, merchant_id, warm + args.purchases)
        codes = await issue_codes(factory, merchant_id, chains)
        print(
            f"setup: {len(cashiers)} cashier(s) hired through the bot, {CHAIN * len(chains)} "
            f"members joined with MemberService.join in {len(chains)} chains of {CHAIN}, "
            f"{len(codes)} payment codes issued; {time.perf_counter() - t0:.1f} s (not timed)"
        )
        if sender is not None:
            await sender.drain()  # what setup queued: "your friend joined" to each inviter
        session.messages_to.clear()  # only the purchases' messages are checked
        if errors.count or db_errors.count:
            raise SystemExit(f"setup: {errors.count} errors logged, {db_errors.count} DB errors")

        failures: defaultdict[str, int] = defaultdict(int)
        alongside = sender if not args.sender_apart else None
        # Untimed, as the bare dispatcher's warm-up: each statement compiled once, caches filled.
        till = (dp, bot, session, chains, codes, cashiers, concurrency, failures, alongside)
        _, _, warm_done, _ = await timed_purchases(*till, range(warm))
        if sender is not None and alongside is None:
            await sender.drain()  # the warm-up's messages: what is drained apart is the timed
        sql.reset()
        per_update.reset()
        hops.count, hops.seconds = 0, 0.0
        turns.reset()
        since = len(session.requests)
        settle()  # as bot/runner.py does before it serves
        cpu0, busy0 = time.process_time(), machine_busy_seconds()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        part = range(warm, len(chains))
        seconds, latencies, done_at, drain_s = await timed_purchases(*till, part)
        latencies, done_at = latencies[warm:], warm_done[:warm] + done_at[warm:]
        if profiler is not None:
            profiler.disable()
        cpu = time.process_time() - cpu0
        others = machine_busy_seconds() - busy0 - cpu
        apart = await drain_apart(sender) if args.sender_apart and sender is not None else None
        sql_seen = (sql.count, sql.begin_s, sql.other_s, sql.connects)
        per_update_seen = per_update.lines(len(part))
        hops_seen = (hops.count, hops.seconds)
        turns_seen = turns.copy()
        requests = len(session.requests) - since

        checks = await verify(factory, chains)
        n, timed = len(chains), len(part)  # the checks cover the warm-up's purchases too
        delivered, lags = check_deliveries(session, chains, done_at)
        if delivered != n:
            failures["receipt or referral notice missing or repeated"] += n - delivered
        if sender is not None and (sender.stats.failed or sender.stats.blocked):
            failures["outbox rows failed or blocked"] += sender.stats.failed + sender.stats.blocked
        if checks["confirmed"] != n or checks["other statuses"]:
            failures["purchases not confirmed"] += n - checks["confirmed"]
        if checks["balances != ledger"]:
            failures["balances != ledger"] += checks["balances != ledger"]
        for what in ("purchases with depths 1-3", "referral bonuses", "cashback entries"):
            if checks[what] != n:
                failures[f"missing {what}"] += n - checks[what]
        if errors.count:
            failures["ERROR logged"] += errors.count
        if db_errors.count:
            failures["database errors"] += db_errors.count
        locked = (
            db_errors.locked + locked_log.count + failures.get("'database is locked' raised", 0)
        )

        name = f"{kind} C={concurrency}" + (" apart" if apart is not None else "")
        result = Result(name, timed, seconds, latencies, requests)
        print(
            f"check: {checks['confirmed']}/{n} purchases confirmed"
            f"{' ' + str(checks['other statuses']) if checks['other statuses'] else ''}; "
            "balances equal to their ledger: "
            f"{checks['balances'] - checks['balances != ledger']}/{checks['balances']} "
            f"(buyers off: {checks['buyers off']}); referral entries by depth "
            f"{checks['referral entries at depth']}, all three in "
            f"{checks['purchases with depths 1-3']}; "
            f"referral bonuses {checks['referral bonuses']}; "
            f"cashback entries {checks['cashback entries']}"
        )
        lag = Result("lag", len(lags), 1.0, lags or [0.0], 0)
        print(
            f"delivery: {delivered}/{n} purchases with one message to the buyer and to each of "
            f"the 3 referrers; "
            + (
                "sent by the outbox sender running alongside (production's in-process worker, "
                f"unthrottled: rate {sender.limiter.rate:.0f}/s, no per-chat interval); "
                f"{sender.stats.sent} sent; outbox drained {drain_s:.2f} s after the last "
                f"purchase; lag from Confirm to the last message p50 {lag.pct(0.5):.1f} ms, "
                f"p99 {lag.pct(0.99):.1f} ms"
                if sender is not None and apart is None
                else apart.line(timed)
                if apart is not None
                else "sent within the Confirm update"
            )
        )
        print(
            f"errors: {sum(failures.values())} failures"
            f"{' ' + str(dict(failures)) if failures else ''}; "
            f"'{LOCKED}': {locked} (driver errors {db_errors.locked}, log records "
            f"{locked_log.count}); {requests} Bot API requests ({requests / timed:.1f}/purchase)"
        )
        count, begin_s, other_s, connects = sql_seen
        print(
            f"SQL: {count} statements ({count / timed:.1f}/purchase); summed wall time: BEGIN "
            f"{begin_s:.2f} s, others {other_s:.2f} s (COMMIT not included); "
            f"{connects} new connections; process CPU {cpu:.1f} s in {seconds:.1f} s "
            f"({cpu / seconds:.0%})"
            + f"; rest of the machine busy {others:.1f} CPU s (the PostgreSQL server, other jobs)"
        )
        print("SQL by update, per purchase (counts do not depend on load):")
        for line in per_update_seen:
            print(line)
        if sqlite:
            print(
                f"aiosqlite thread calls: {hops_seen[0]} ({hops_seen[0] / timed:.1f}/purchase), "
                f"awaited {hops_seen[1]:.2f} s summed ({hops_seen[1] / seconds:.0%} of the phase)"
            )
            seen = turns_seen
            waits = seen.waits or [0.0]
            print(
                f"turns: {len(seen.waits)} transactions ({len(seen.waits) / timed:.1f}/purchase); "
                f"wait for the turn max {max(waits) * 1000:.1f} ms, mean "
                f"{statistics.fmean(waits) * 1000:.2f} ms; entry into session.begin() max "
                f"{max(seen.enters or [0.0]) * 1000:.1f} ms; lock held {seen.held:.1f} s "
                f"({seen.held / seconds:.0%} of the phase)"
            )
        if profiler is not None:
            print_profile(profiler, args.profile)
        return Run(
            kind,
            concurrency,
            result,
            dict(failures),
            locked,
            checks,
            turns_seen if sqlite else None,
        )
    finally:
        turns.uninstall()
        hops.uninstall()
        await bot.session.close()
        await engine.dispose()


async def run_baseline(n: int, concurrency: int, seed: int) -> Result:
    """Bare dispatcher, one reply, 2N updates: the median of three runs by throughput."""
    texts = command_plan(2 * n, seed)
    ns = argparse.Namespace(warmup=100, users=200, concurrency=concurrency)
    settings = till_settings("sqlite+aiosqlite://")
    runs = [await run_bare(settings, texts, ns, reply=True) for _ in range(3)]
    best = sorted(runs, key=lambda r: r.rate)[1]
    best.scenario = f"bare C={concurrency}"
    print(
        f"bare (one reply), C={concurrency}, {2 * n} updates: "
        + ", ".join(f"{r.rate:.0f}" for r in runs)
        + " updates/s; median kept"
    )
    return best


async def main_async(args: argparse.Namespace) -> int:
    errors = LogCounter()
    locked_log = LogCounter(logging.WARNING, mentioning=LOCKED)  # any level from WARNING up
    logging.getLogger().addHandler(errors)
    logging.getLogger().addHandler(locked_log)
    plan = (
        [(db, c) for db in ("sqlite", "postgres") for c in (1, 16)]
        if args.all
        else [(args.db, args.concurrency)]
    )
    started = time.perf_counter()
    baselines: dict[int, Result] = {}
    for c in sorted({c for _, c in plan}):
        baselines[c] = await run_baseline(args.purchases, c, args.seed)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as tmp:
        for kind, c in plan:
            run = await run_combination(kind, c, args, Path(tmp), errors, locked_log)
            if run is not None:
                run.ratio = run.result.rate / (baselines[c].rate / 2)
                runs.append(run)
    print()
    print_table(list(baselines.values()))
    print()
    if runs:
        print_table(
            [r.result for r in runs],
            unit="purchases",
            rate_digits=1,
            extra=[
                ("vs bare", lambda r: f"{next(x.ratio for x in runs if x.result is r):.4f}"),
                ("locked", lambda r: str(next(x.locked for x in runs if x.result is r))),
                ("failures", lambda r: str(next(x.failed for x in runs if x.result is r))),
            ],
        )
        print()
        for run in runs:
            bare = baselines[run.concurrency]
            print(
                f"{run.result.scenario}: {run.result.rate:.1f} purchases/s = "
                f"{2 * run.result.rate:.1f} updates/s; bare at C={run.concurrency}: "
                f"{bare.rate:.0f} updates/s = {bare.rate / 2:.0f} purchases/s; ratio "
                f"{run.ratio:.4f} ({1 / run.ratio:.0f}x the cost per update)"
            )
    print(f"\nwall time {time.perf_counter() - started:.0f} s (imports not included)")
    failed = [r for r in runs if r.failed or r.locked]
    if failed:
        print("FAILED: " + ", ".join(f"{r.result.scenario} {r.failures}" for r in failed))
        return 1
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--purchases", type=int, default=0, help="timed purchases (default 400; 256 with --all)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="purchases in flight at once (default 1)"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help=f"PostgreSQL (default {PG_DEFAULT})")
    parser.add_argument(
        "--cashiers",
        type=int,
        default=0,
        help="cashiers hired (default: one per concurrent purchase; else shared round robin)",
    )
    parser.add_argument(
        "--no-turns",
        action="store_true",
        help="diagnostic, SQLite: transactions do not take turns on the process's lock, so "
        "concurrent ones wait in SQLite's busy handler (as before turn-taking)",
    )
    parser.add_argument(
        "--all", action="store_true", help="sqlite and postgres at concurrency 1 and 16, one table"
    )
    parser.add_argument(
        "--sender-apart",
        action="store_true",
        help="the outbox is sent after the timed phase (untimed, its CPU reported), as a sender "
        "in a process of its own (loyalty-bot worker) would: the figures are the dispatcher's",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=-1,
        help="untimed purchases first, as the bare dispatcher's 100 warm-up updates: each "
        "statement compiled once, caches filled (default: 2 per till)",
    )
    parser.add_argument("--seed", type=int, default=1, help="order of the baseline's command mix")
    add_profile_option(parser, "the timed phase")
    args = parser.parse_args(argv)
    args.purchases = args.purchases or (256 if args.all else 400)
    args.warmup = 2 * (16 if args.all else args.concurrency) if args.warmup < 0 else args.warmup
    if args.purchases < 1 or args.concurrency < 1 or args.cashiers < 0:
        parser.error("--purchases and --concurrency must be positive")
    if args.all and args.profile:
        parser.error("--profile profiles one combination; leave out --all")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start(
        f"purchases={args.purchases} "
        + ("--all" if args.all else f"db={args.db} concurrency={args.concurrency}")
        + f" cashiers={args.cashiers or 'one per concurrent purchase'}"
        + (" --no-turns (SQLite transactions do not take turns)" if args.no_turns else "")
        + (" --sender-apart (the outbox sent after the timed phase)" if args.sender_apart else "")
    )
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
