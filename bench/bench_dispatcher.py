"""Dispatcher throughput: the production dispatcher on SQLite against a bare aiogram dispatcher.

    python -m bench.bench_dispatcher [--updates N] [--users U] [--concurrency C] [--seed S]

N realistic updates from U members (/card, /code, /invite and /start in the ratio 4:3:2:1) go
through create_dispatcher() with tests.telegram.RecordingSession as the Bot API (every request
is recorded and answered locally, nothing leaves the process) and a temporary SQLite file.
The same N updates then go through a bare Dispatcher with one trivial handler, once without a
reply and once with one reply. The table shows updates per second and per-update latency;
the last lines give the production/bare ratio.

Only dispatch is timed: Update objects are built beforehand, members join in an untimed
warm-up. With --concurrency C > 1, updates are fed in batches of C with asyncio.gather, as
aiogram's polling handles updates as concurrent tasks; latency then includes the wait for
the database lock and the event loop.

Each production update must get its expected answer (a card message, a photo with a QR code,
the welcome-back messages); any other outcome, or an error logged, exits with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import cProfile
import io
import logging
import math
import pstats
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update
from sqlalchemy import event

from bench.common import LogCounter, ThreadCalls, add_profile_option, bench_settings, start
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.heap import settle
from db.base import Base
from db.engine import create_engine, create_session_factory
from tests.telegram import RecordingSession, TgUser, inline_buttons, text_of

# Per 10 updates: 4 /card, 3 /code, 2 /invite, 1 /start (a member's /start shows the card).
MIX: tuple[tuple[str, int], ...] = (("/card", 4), ("/code", 3), ("/invite", 2), ("/start", 1))
FIRST_USER_ID = 700_000_001

# Which timed update a Bot API request belongs to, also under asyncio.gather.
_current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "bench_update", default=None
)


class TaggingSession(RecordingSession):
    """A RecordingSession that also notes which timed update made each request."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[int | None] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        self.tags.append(_current_update.get())
        return await super().make_request(bot, method, timeout)

    def by_update(self, n: int, since: int) -> list[list[TelegramMethod[Any]]]:
        out: list[list[TelegramMethod[Any]]] = [[] for _ in range(n)]
        for tag, method in zip(self.tags[since:], self.requests[since:], strict=True):
            if tag is not None:
                out[tag].append(method)
        return out


class SqlStats:
    """Statements executed, and the wall time spent in them (BEGIN IMMEDIATE waits for the
    write lock; the time includes a hand-off to a thread and back, where there is one)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count, self.begin_s, self.other_s, self.connects = 0, 0.0, 0.0, 0

    def connected(self, *_: Any) -> None:
        self.connects += 1

    def before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.count += 1
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        started = conn.info.get("bench_t0")
        if not started:
            return
        took = time.perf_counter() - started.pop()
        if statement.startswith("BEGIN"):
            self.begin_s += took
        else:
            self.other_s += took


class ThreadHops(ThreadCalls):
    """Calls into a database thread and the wall time the event loop awaited them, summed."""

    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0

    def took(self, fn: Any, seconds: float) -> None:
        self.count += 1
        self.seconds += seconds


@dataclass
class Result:
    scenario: str
    updates: int
    seconds: float
    latencies: list[float]
    requests: int
    cpu: float = 0.0  # process CPU seconds (all threads) in the timed phase

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))  # nearest rank
        return ordered[index] * 1000


def command_plan(n: int, seed: int) -> list[str]:
    """N command texts in the MIX proportions, in a shuffled but reproducible order."""
    total = sum(weight for _, weight in MIX)
    plan: list[str] = []
    for text, weight in MIX:
        plan += [text] * (n * weight // total)
    plan += [MIX[0][0]] * (n - len(plan))  # rounding leftovers go to /card
    random.Random(seed).shuffle(plan)
    return plan


def build_updates(
    bot: Bot, texts: Sequence[str], users: int, first_id: int = 1_000_000
) -> list[Update]:
    """Message updates from users FIRST_USER_ID.., cycling, each text a bot command."""
    now = datetime.now(UTC)
    return [
        message_update(bot, first_id + i, FIRST_USER_ID + i % users, text, now)
        for i, text in enumerate(texts)
    ]


def message_update(
    bot: Bot, update_id: int, uid: int, text: str, now: datetime | None = None
) -> Update:
    """A private message from user `uid`; a leading /command is marked as a bot command."""
    command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else None
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": now or datetime.now(UTC),
            "chat": {"id": uid, "type": "private", "first_name": f"User{uid % 1000}"},
            "from": {
                "id": uid,
                "is_bot": False,
                "first_name": f"User{uid % 1000}",
                "language_code": "en",
            },
            "text": text,
            "entities": entities,
        },
    }
    return Update.model_validate(payload, context={"bot": bot})


async def feed_all(
    dp: Dispatcher, bot: Bot, updates: Sequence[Update], concurrency: int
) -> tuple[float, list[float]]:
    """Feed every update, one after another or in gathered batches; wall time and latencies."""
    latencies = [0.0] * len(updates)

    async def one(i: int) -> None:
        token = _current_update.set(i)
        try:
            t0 = time.perf_counter()
            await dp.feed_update(bot, updates[i])
            latencies[i] = time.perf_counter() - t0
        finally:
            _current_update.reset(token)

    start = time.perf_counter()
    if concurrency <= 1:
        for i in range(len(updates)):
            await one(i)
    else:
        for base in range(0, len(updates), concurrency):
            batch = range(base, min(base + concurrency, len(updates)))
            await asyncio.gather(*(one(i) for i in batch))
    return time.perf_counter() - start, latencies


def expected_answer(text: str, sent: list[TelegramMethod[Any]]) -> bool:
    """Did this production update get what a member sees for this command?"""
    messages = [m for m in sent if isinstance(m, SendMessage)]
    photos = [m for m in sent if isinstance(m, SendPhoto)]
    if not messages and not photos:
        return False
    if text in ("/code", "/invite"):
        return len(photos) == 1 and not messages
    if text == "/card":
        return len(messages) == 1 and "loyalty card" in text_of(messages[0])
    if text == "/start":
        return any("Welcome back" in text_of(m) for m in messages) and any(
            "loyalty card" in text_of(m) for m in messages
        )
    return False


async def join_members(dp: Dispatcher, bot: Bot, users: int) -> None:
    """Untimed: every user sends /start and presses Accept, so all are members."""
    for k in range(users):
        user = TgUser(dp, bot, FIRST_USER_ID + k, first_name=f"User{(FIRST_USER_ID + k) % 1000}")
        sent = await user.send("/start")
        accept = next(
            (data for m in sent for data in inline_buttons(m).values() if data.startswith("ok:")),
            None,
        )
        if accept is None:
            raise SystemExit(f"warm-up: no Accept button for user {user.id}: {sent.texts}")
        joined = await user.press(accept)
        toasts = [m.text for m in joined if isinstance(m, AnswerCallbackQuery)]
        if toasts != ["Welcome!"]:
            raise SystemExit(f"warm-up: user {user.id} did not join: {toasts} {joined.texts}")


def bare_dispatcher(reply: bool) -> Dispatcher:
    router = Router(name="bare")
    if reply:

        @router.message()
        async def answer_ok(message: Message) -> None:
            await message.answer("ok")

    else:

        @router.message()
        async def ignore(message: Message) -> None:
            return None

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def run_bare(
    settings: Settings, texts: Sequence[str], args: argparse.Namespace, reply: bool
) -> Result:
    session = TaggingSession()
    bot = create_bot(settings, session=session)
    try:
        dp = bare_dispatcher(reply)
        warm = build_updates(bot, texts[: args.warmup], args.users, first_id=500_000)
        await feed_all(dp, bot, warm, args.concurrency)
        updates = build_updates(bot, texts, args.users)
        since = len(session.requests)
        settle()  # as bot/runner.py does before it serves
        cpu0 = time.process_time()
        seconds, latencies = await feed_all(dp, bot, updates, args.concurrency)
        cpu = time.process_time() - cpu0
        per_update = session.by_update(len(updates), since)
        want = 1 if reply else 0
        bad = sum(1 for sent in per_update if len(sent) != want)
        if bad:
            raise SystemExit(f"bare dispatcher: {bad} updates did not get {want} request(s)")
        name = "bare (one reply)" if reply else "bare (no reply)"
        return Result(name, len(updates), seconds, latencies, len(session.requests) - since, cpu)
    finally:
        await bot.session.close()


async def run_production(
    settings: Settings, texts: Sequence[str], args: argparse.Namespace, errors: LogCounter
) -> Result:
    engine = create_engine(settings.database_url)
    sql = SqlStats()
    event.listen(engine.sync_engine, "before_cursor_execute", sql.before)
    event.listen(engine.sync_engine, "after_cursor_execute", sql.after)
    event.listen(engine.sync_engine, "connect", sql.connected)

    hops = ThreadHops()
    session = TaggingSession()
    bot = create_bot(settings, session=session)
    try:
        hops.install()
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        dp = create_dispatcher(settings, create_session_factory(engine))
        t0 = time.perf_counter()
        await join_members(dp, bot, args.users)
        warm = build_updates(bot, texts[: args.warmup], args.users, first_id=500_000)
        await feed_all(dp, bot, warm, args.concurrency)
        print(
            f"warm-up: {args.users} members joined, {len(warm)} updates, "
            f"{time.perf_counter() - t0:.1f} s (not timed)"
        )
        if errors.count:
            raise SystemExit(f"warm-up: {errors.count} errors logged")

        updates = build_updates(bot, texts, args.users)
        since = len(session.requests)
        sql.reset()
        hops.count, hops.seconds = 0, 0.0
        settle()  # as bot/runner.py does before it serves
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        cpu0 = time.process_time()
        seconds, latencies = await feed_all(dp, bot, updates, args.concurrency)
        cpu = time.process_time() - cpu0
        if profiler is not None:
            profiler.disable()
        sql_seen = (sql.count, sql.begin_s, sql.other_s, sql.connects)
        hops_seen = (hops.count, hops.seconds)
        per_update = session.by_update(len(updates), since)
        replied = sum(
            1 for sent in per_update if any(isinstance(m, (SendMessage, SendPhoto)) for m in sent)
        )
        wrong = [i for i, sent in enumerate(per_update) if not expected_answer(texts[i], sent)]
        requests = len(session.requests) - since
        print(
            f"check: {replied}/{len(updates)} production updates got a SendMessage/SendPhoto; "
            f"{requests} requests recorded; {len(wrong)} unexpected answers; "
            f"{errors.count} errors logged"
        )
        if replied != len(updates) or wrong or errors.count:
            for i in wrong[:5]:
                print(f"  update {i} {texts[i]!r}: {[text_of(m)[:60] for m in per_update[i]]}")
            raise SystemExit("production dispatcher did not answer every update as expected")
        kinds = {
            "SendMessage": sum(isinstance(m, SendMessage) for s in per_update for m in s),
            "SendPhoto": sum(isinstance(m, SendPhoto) for s in per_update for m in s),
        }
        count, begin_s, other_s, connects = sql_seen
        print(f"requests by kind: {kinds}")
        print(
            f"SQL in the timed phase: {count} statements ({count / len(updates):.1f}/update); "
            f"wall time summed over statements: BEGIN IMMEDIATE {begin_s:.2f} s, "
            f"others {other_s:.2f} s (COMMIT not included); {connects} new connections"
        )
        print(
            f"calls into a database thread: {hops_seen[0]} "
            f"({hops_seen[0] / len(updates):.1f}/update), "
            f"awaited {hops_seen[1]:.2f} s summed ({hops_seen[1] / seconds:.0%} of the phase); "
            f"process CPU {cpu:.1f} s ({cpu / seconds:.0%} of the phase)"
        )
        for command, _ in MIX:
            own = [lat for lat, text in zip(latencies, texts, strict=True) if text == command]
            part = Result(command, len(own), sum(own), own, 0)
            print(
                f"  production {command:<8} {len(own):>5} updates, mean "
                f"{part.seconds / len(own) * 1000:7.2f} ms, p50 {part.pct(0.5):7.2f} ms, "
                f"p99 {part.pct(0.99):7.2f} ms"
            )
        if profiler is not None:
            print_profile(profiler, args.profile)
        return Result("production", len(updates), seconds, latencies, requests, cpu)
    finally:
        await bot.session.close()
        await engine.dispose()
        hops.uninstall()


def package_of(filename: str, name: str) -> str:
    """site-packages/sqlalchemy/... -> sqlalchemy; the project's files by top folder; builtins
    by their name (select.epoll.poll is the event loop idling while a database thread works)."""
    if filename == "~":  # a C function: "<method 'poll' of 'select.epoll' objects>"
        owner = re.search(r"of '([\w.]+)' objects", name)
        if owner:
            return "C: " + owner.group(1).split(".")[0].lstrip("_")
        return "C: builtins"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for top in ("bot", "handlers", "services", "bench", "tests"):
        if top in parts:
            return f"project: {top}"
    if "python3.11" in " ".join(parts) or "lib" in parts:
        return "stdlib: " + (parts[-2] if parts[-2] == "asyncio" else path.stem)
    return path.stem


def print_profile(profiler: cProfile.Profile, top: int) -> None:
    """The timed production phase under cProfile (main thread only: what runs in a database
    thread, a commit that wrote, shows as the event loop waiting in select/epoll)."""
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        package = package_of(filename, name)
        by_package[package] = by_package.get(package, 0.0) + row[2]
    total = sum(by_package.values())
    print("--- cProfile of the timed production phase: own time by package ---")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {package:<28} {seconds:7.2f} s  {seconds / total:6.1%}")
    print()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(f"--- cProfile of the timed production phase, by {key} ---")
        body = out.getvalue()
        print(body[body.find("   ncalls") :].rstrip())
        print()


def print_table(
    results: Sequence[Result],
    unit: str = "updates",
    extra: Sequence[tuple[str, Callable[[Result], str]]] = (),
    rate_digits: int = 0,
) -> None:
    """One row per result; `unit` names what was counted, `extra` adds (header, cell) columns."""
    width = max([18, *(len(r.scenario) for r in results)])
    count_w, rate_w = max(7, len(unit)), max(10, len(unit) + 2)
    header = (
        f"{'scenario':<{width}} {unit:>{count_w}} {'seconds':>8} {unit + '/s':>{rate_w}} "
        f"{'p50 ms':>8} {'p99 ms':>8}" + "".join(f" {title:>10}" for title, _ in extra)
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<{width}} {r.updates:>{count_w}} {r.seconds:>8.3f} "
            f"{r.rate:>{rate_w}.{rate_digits}f} {r.pct(0.50):>8.3f} {r.pct(0.99):>8.3f}"
            + "".join(f" {cell(r):>10}" for _, cell in extra)
        )


async def main_async(args: argparse.Namespace) -> int:
    errors = LogCounter()
    logging.getLogger().addHandler(errors)
    texts = command_plan(args.updates, args.seed)
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as tmp:
        settings = bench_settings(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        bare_silent = await run_bare(settings, texts, args, reply=False)
        bare_reply = await run_bare(settings, texts, args, reply=True)
        production = await run_production(settings, texts, args, errors)
    print()
    print_table([bare_silent, bare_reply, production])
    print()
    for bare in (bare_silent, bare_reply):
        print(
            f"production/{bare.scenario}: {production.rate / bare.rate:.4f} of the throughput "
            f"({bare.rate / production.rate:.1f}x the cost per update); "
            f"by process CPU per update {bare.cpu / production.cpu:.4f}"
        )
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000, help="timed updates (default 2000)")
    parser.add_argument("--users", type=int, default=200, help="members (default 200)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="updates fed at once (default 1: one by one)"
    )
    parser.add_argument(
        "--warmup", type=int, default=100, help="untimed updates per scenario first (default 100)"
    )
    parser.add_argument("--seed", type=int, default=1, help="order of the command mix")
    parser.add_argument(
        "--only",
        choices=[text for text, _ in MIX],
        help="time this one command instead of the mix (e.g. --only /card)",
    )
    add_profile_option(parser, "the timed production phase")
    args = parser.parse_args(argv)
    if args.updates < 1 or args.users < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--updates, --users and --concurrency must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    global MIX
    args = parse_args(argv)
    if args.only:
        MIX = ((args.only, 1),)
    start(
        f"updates={args.updates} users={args.users} concurrency={args.concurrency} "
        f"warmup={args.warmup} seed={args.seed}; mix "
        + ", ".join(f"{t} {w * 100 // sum(w for _, w in MIX)}%" for t, w in MIX)
    )
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
