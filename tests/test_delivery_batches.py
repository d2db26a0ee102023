"""The sender claims rows in batches and marks them in groups, yet a kill -9 at any moment
repeats at most the messages it had handed to Telegram and not yet marked (`in_flight`), not
the claimed batch; rows of a pass that stops on an error go back to pending at once.

The kill is simulated in this process, deterministically, at the k-th message Telegram
receives: from that instant nothing more reaches Telegram and no transaction commits (the
engine refuses every COMMIT), which is what SIGKILL leaves: what was committed, and what
Telegram had received. A new sender then starts on that database, as after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import event, func, select

from bot.delivery import Sender
from db.models import Outbox
from services.notices import Notice, NoticeBody, Push
from services.outbox import Outcome, enqueue
from tests.factories import make_merchant
from tests.telegram import TEST_TOKEN, RecordingSession

ROWS = 250  # two and a half claims of 100
FIRST_CHAT = 5000


class Killed(Exception):
    """The process is gone: this COMMIT never happens."""


class Telegram:
    """Receives messages (counted on arrival, as Telegram would deliver them whatever became
    of the sender) until the k-th; then the process is killed: nothing more arrives."""

    def __init__(self, kill_at: int | None = None) -> None:
        self.received: list[tuple[int, str]] = []
        self.kill_at = kill_at
        self.killed = asyncio.Event()

    async def send(self, bot: Bot, chat_id: int, text: str, *keyboard_and_photo: object) -> None:
        if self.killed.is_set():
            await asyncio.Event().wait()  # a dead process sends nothing
        self.received.append((chat_id, text))
        if len(self.received) == self.kill_at:
            self.killed.set()
        await asyncio.sleep(0)  # an answer takes a moment: other sends are in flight meanwhile


class SlowMarks(Sender):
    """Its marks take a while to commit, as on a loaded database: sends pile up behind them
    until `in_flight` are unmarked, so the bound is what stops them."""

    async def _write(self, outcomes: list[Outcome]) -> None:
        await asyncio.sleep(0.002)
        await super()._write(outcomes)


def render(body: NoticeBody) -> tuple[str, None]:
    assert isinstance(body, Push)
    return body.text, None


def make(session_factory, i18n, clock, telegram: Telegram, cls: type[Sender] = Sender) -> Sender:
    bot = Bot(TEST_TOKEN, session=RecordingSession())
    return cls(
        bot,
        session_factory,
        i18n,
        render,
        rate=1e9,
        per_chat_interval=0,
        clock=clock,
        send=telegram.send,
    )


async def queue(session, clock, rows: int = ROWS) -> None:
    merchant = await make_merchant(session, clock)
    async with session.begin():
        notices = [Notice(FIRST_CHAT + n, None, Push(text=f"push {n}")) for n in range(rows)]
        assert await enqueue(session, merchant.id, notices, clock(), "batch") == rows


async def statuses(session_factory) -> dict[str, int]:
    async with session_factory() as s, s.begin():
        rows = await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
        return {status: int(n) for status, n in rows.all()}


@pytest.mark.parametrize("kill_at", [1, 37, 100, 161])
async def test_a_kill_mid_batch_repeats_only_the_unmarked_sends(
    engine, session, session_factory, i18n, clock, kill_at
) -> None:
    await queue(session, clock)
    telegram = Telegram(kill_at)
    first = make(session_factory, i18n, clock, telegram, SlowMarks)

    def refuse_commits_once_killed(conn: Any) -> None:
        if telegram.killed.is_set():
            raise Killed

    event.listen(engine.sync_engine, "commit", refuse_commits_once_killed)
    try:
        running = asyncio.create_task(first.drain())
        kill = asyncio.create_task(telegram.killed.wait())
        await asyncio.wait({running, kill}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert kill.done(), f"{len(telegram.received)} sent, no kill"
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Killed, Exception):
            await running
    finally:
        event.remove(engine.sync_engine, "commit", refuse_commits_once_killed)

    at_kill = await statuses(session_factory)
    claimed, marked = at_kill.get("sending", 0), at_kill.get("sent", 0)
    unmarked = kill_at - marked  # received by Telegram, not marked sent
    assert 0 <= unmarked <= first.in_flight
    # The batch in hand is claimed, and more of it than a kill repeats.
    assert claimed >= unmarked and at_kill.get("pending", 0) + claimed + marked == ROWS
    if kill_at in (37, 161):
        assert claimed > first.in_flight

    second = make(session_factory, i18n, clock, Telegram())
    second._send = telegram.send  # the same Telegram receives the rest
    telegram.kill_at = None
    telegram.killed.clear()
    assert await second.recover() == claimed
    await second.drain()

    assert await statuses(session_factory) == {"sent": ROWS}
    received = Counter(telegram.received)
    assert set(received) == {(FIRST_CHAT + n, f"push {n}") for n in range(ROWS)}  # none lost
    repeated = sum(n - 1 for n in received.values())
    assert repeated == unmarked <= first.in_flight


class GroupedMarks(Sender):
    """Notes the size of each group of marks it writes."""

    groups: list[int]

    async def _write(self, outcomes: list[Outcome]) -> None:
        self.groups.append(len(outcomes))
        await super()._write(outcomes)


class CountedMarks(GroupedMarks, SlowMarks):
    """GroupedMarks, writing slowly: sends finish meanwhile."""


async def test_a_claim_is_one_statement_for_100_rows_and_a_group_of_marks_one_more(
    engine, session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram()
    sender = make(session_factory, i18n, clock, telegram, CountedMarks)
    assert isinstance(sender, CountedMarks)
    sender.groups = []
    statements: Counter[str] = Counter()
    transactions: list[int] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "UPDATE outbox" in statement and "RETURNING" in statement:
            statements["claim"] += 1
        elif "UPDATE outbox SET status" in statement and "sent_at" in statement:
            statements["mark sent"] += 1
        elif not statement.startswith(("BEGIN", "SELECT")):
            statements["other"] += 1

    def begin(conn: Any) -> None:
        transactions.append(1)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    event.listen(engine.sync_engine, "begin", begin)
    try:
        assert await sender.drain() == ROWS
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
        event.remove(engine.sync_engine, "begin", begin)
    # 100 + 100 + 50, then one that finds nothing; each group of sends marked by one UPDATE.
    assert statements == {"claim": 4, "mark sent": len(sender.groups)}
    assert sum(sender.groups) == ROWS and 1 < max(sender.groups) <= sender.in_flight
    assert len(transactions) == 4 + len(sender.groups)  # nothing else, per message or batch
    assert sorted(chat for chat, _ in telegram.received) == [FIRST_CHAT + n for n in range(ROWS)]
    assert sender.stats.sent == ROWS
    assert await statuses(session_factory) == {"sent": ROWS}


async def test_at_full_speed_a_group_of_marks_holds_half_the_window(
    session, session_factory, i18n, clock
) -> None:
    """Outcomes wait a moment for more (bot/marks.py LINGER_S): one transaction for about
    half the window of sends, not one for every send or two that finished meanwhile."""
    await queue(session, clock)
    telegram = Telegram()
    sender = make(session_factory, i18n, clock, telegram, GroupedMarks)
    assert isinstance(sender, GroupedMarks)
    sender.groups = []
    assert await sender.drain() == ROWS
    half = sender.in_flight // 2
    # Each claim of 100 ends with one smaller group (what was left of it); 3 claims.
    assert sum(sender.groups) == ROWS
    assert sum(1 for size in sender.groups if size < half) <= 3
    assert len(sender.groups) <= ROWS // half + 3
    assert sender.stats.sent == ROWS
    assert await statuses(session_factory) == {"sent": ROWS}


async def test_a_pass_that_stops_on_an_error_returns_the_unsent_rows(
    session, session_factory, i18n, clock
) -> None:
    await queue(session, clock, rows=10)
    telegram = Telegram()
    broken = {"push 4"}

    def flaky_render(body: NoticeBody) -> tuple[str, None]:
        assert isinstance(body, Push)
        if body.text in broken:
            raise RuntimeError("a renderer bug")
        return body.text, None

    sender = make(session_factory, i18n, clock, telegram)
    sender.render = flaky_render
    sender.concurrency = 1
    with pytest.raises(RuntimeError, match="a renderer bug"):
        await sender.drain_once()
    left = await statuses(session_factory)
    sent = len(telegram.received)
    assert telegram.received == [(FIRST_CHAT + n, f"push {n}") for n in range(4)]
    # Sent ones are marked (now, or first thing in the next pass); the others wait again.
    assert left.get("sending", 0) == len(sender._unwritten)
    assert left.get("sent", 0) + len(sender._unwritten) == sent
    assert left.get("pending", 0) == 10 - sent

    broken.clear()
    await sender.drain()
    assert await statuses(session_factory) == {"sent": 10}
    assert sorted(telegram.received) == sorted((FIRST_CHAT + n, f"push {n}") for n in range(10))
