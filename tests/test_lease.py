"""Exactly one sender per deployment, by lease, however many run: two senders in one test share
one database as two processes would. Only the holder sends; a holder that stops hands over at
once; one that dies hands over when its lease runs out, and the new holder returns only the
dead one's claimed rows; one that loses its lease mid-batch claims nothing more.

Nothing here is timed: waits are for a state (`until`), bounded only so a bug fails instead of
hanging."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

from aiogram import Bot
from sqlalchemy import event, select, update

from bot.delivery import Sender
from bot.lease import SENDER, Lease
from db.models import Lease as LeaseRow
from db.models import Outbox, OutboxStatus
from db.repositories.leases import LeaseRepo
from tests.test_delivery_batches import FIRST_CHAT, Killed, statuses
from tests.test_delivery_batches import Telegram as Receiving
from tests.test_delivery_batches import make as make_sender
from tests.test_delivery_batches import queue as queue_rows

ROWS = 60


class Telegram(Receiving):
    """tests/test_delivery_batches.py's Telegram (`kill_at`: nothing arrives after the k-th);
    with `close_at`, the k-th and later sends also wait, once received, until `gate` opens."""

    def __init__(self, close_at: int | None = None, kill_at: int | None = None) -> None:
        super().__init__(kill_at)
        self.close_at = close_at
        self.gate = asyncio.Event()
        self.closed = asyncio.Event()

    async def send(self, bot: Bot, chat_id: int, text: str, *rest: object) -> None:
        await super().send(bot, chat_id, text, *rest)
        if self.close_at is not None and len(self.received) >= self.close_at:
            self.closed.set()
            await self.gate.wait()


class Noted(Sender):
    """Notes how often it ran (held the lease) and what it recovered."""

    runs = 0
    recovered = 0

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        self.runs += 1
        await super().run(stop, poll_seconds)

    async def recover(self) -> int:
        self.recovered += await super().recover()
        return self.recovered


def make(session_factory, i18n, clock, telegram: Telegram, holder: str, seconds=30.0) -> Noted:
    """A sender with its lease; a standby tries every 50 ms, whatever the lease time."""
    sender = make_sender(session_factory, i18n, clock, telegram, Noted)
    assert isinstance(sender, Noted)
    sender.holder = holder
    sender.lease = Lease(session_factory, SENDER, holder, seconds)
    sender.lease.every = 0.05
    return sender


def lease(sender: Sender) -> Lease:
    assert sender.lease is not None
    return sender.lease


def serve(sender: Sender, stop: asyncio.Event) -> asyncio.Task[None]:
    return asyncio.create_task(lease(sender).hold(stop, sender.run))


async def until(check: Any, what: str) -> None:
    """Wait for `check()` (sync or async) to be true; a minute at most, so a bug fails."""

    async def poll() -> None:
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), 60)
    except TimeoutError:
        raise AssertionError(f"never: {what}") from None


async def queue(session, clock, rows: int = ROWS) -> None:
    await queue_rows(session, clock, rows)


async def claimers(session_factory) -> Counter[str]:
    async with session_factory() as s, s.begin():
        return Counter((await s.scalars(select(Outbox.claimed_by))).all())


async def all_sent(session_factory, rows: int = ROWS) -> bool:
    return await statuses(session_factory) == {"sent": rows}


async def b_sends_the_rest(session_factory, i18n, clock, telegram: Telegram) -> Noted:
    """A sender "B" that takes the lease when it can, and is stopped once all is sent."""
    b = make(session_factory, i18n, clock, telegram, "B")
    stop = asyncio.Event()
    serving = serve(b, stop)
    await until(lambda: all_sent(session_factory), "B took over and sent the rest")
    stop.set()
    await serving
    return b


def expected(rows: int = ROWS) -> set[tuple[int, str]]:
    return {(FIRST_CHAT + n, f"push {n}") for n in range(rows)}


async def test_a_lease_is_one_holders_until_released_or_run_out(session_factory) -> None:
    async def take(holder: str, seconds: float = 60) -> bool:
        async with session_factory() as s, s.begin():
            return await LeaseRepo(s).take("job", holder, seconds)

    async def release(holder: str) -> bool:
        async with session_factory() as s, s.begin():
            return await LeaseRepo(s).release("job", holder)

    assert await take("A") and not await take("B")
    assert await take("A")  # renewed
    assert not await release("B")  # not B's to release
    assert await release("A") and await take("B")  # released: taken at once
    assert not await take("A")
    assert await take("B", seconds=0.2)  # B renews for a moment only, then dies
    await until(lambda: take("A"), "B's lease ran out")
    async with session_factory() as s, s.begin():
        assert await LeaseRepo(s).holder("job") == ("A", True)


async def test_of_two_senders_only_the_holder_sends_each_message_once(
    session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram()
    a, b = (make(session_factory, i18n, clock, telegram, h) for h in ("A", "B"))
    stop = asyncio.Event()
    tasks = [serve(a, stop), serve(b, stop)]
    await until(lambda: all_sent(session_factory), "every row sent")
    stop.set()
    await asyncio.gather(*tasks)
    assert Counter(telegram.received) == Counter(expected())  # each exactly once
    holders = await claimers(session_factory)
    assert len(holders) == 1 and sum(holders.values()) == ROWS  # one of them claimed all


async def test_a_holder_that_stops_hands_over_at_once_not_after_the_lease_time(
    session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram(close_at=20)
    a = make(session_factory, i18n, clock, telegram, "A", seconds=300)
    b = make(session_factory, i18n, clock, telegram, "B", seconds=300)
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    serving_a = serve(a, stop_a)
    await telegram.closed.wait()  # A holds, and is mid-push
    serving_b = serve(b, stop_b)
    stop_a.set()  # shutdown: A halts, finishes what is in flight, releases the lease
    telegram.gate.set()
    await serving_a
    # B takes over at its next try, though A's lease had 5 minutes left.
    await until(lambda: all_sent(session_factory), "B sent the rest")
    stop_b.set()
    await serving_b
    assert (a.runs, b.runs) == (1, 1)
    assert b.recovered == 0  # A gave its rows back itself: nothing was left claimed
    assert Counter(telegram.received) == Counter(expected())
    assert set(await claimers(session_factory)) == {"A", "B"}


async def test_a_dead_holder_is_replaced_when_its_lease_runs_out_and_only_its_rows_return(
    engine, session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram(kill_at=37)
    a = make(session_factory, i18n, clock, telegram, "A", seconds=0.5)

    def refuse_commits_once_killed(conn: Any) -> None:
        if telegram.killed.is_set():
            raise Killed

    event.listen(engine.sync_engine, "commit", refuse_commits_once_killed)
    try:
        serving_a = serve(a, asyncio.Event())
        await telegram.killed.wait()
        serving_a.cancel()  # kill -9: no renewal, no release, no mark, no last commit
        with contextlib.suppress(asyncio.CancelledError, Killed, Exception):
            await serving_a
    finally:
        event.remove(engine.sync_engine, "commit", refuse_commits_once_killed)
    at_death = await statuses(session_factory)
    claimed, marked = at_death.get("sending", 0), at_death.get("sent", 0)
    unmarked = 37 - marked
    assert claimed > 0 and 0 <= unmarked <= a.in_flight

    telegram.kill_at = None
    telegram.killed.clear()
    b = await b_sends_the_rest(session_factory, i18n, clock, telegram)
    assert b.recovered == claimed  # A's claimed rows, and nothing else
    received = Counter(telegram.received)
    assert set(received) == expected()  # none lost
    assert sum(n - 1 for n in received.values()) == unmarked  # repeated: A's unmarked sends
    holders = await claimers(session_factory)
    assert holders["A"] == marked and holders["B"] == ROWS - marked


async def test_a_second_sender_started_mid_push_waits_and_repeats_nothing(
    session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram(close_at=20)
    a = make(session_factory, i18n, clock, telegram, "A")
    b = make(session_factory, i18n, clock, telegram, "B")
    tries = Counter[str]()
    take = lease(b).take

    async def counted_take() -> bool:
        tries["b"] += 1
        return await take()

    lease(b).take = counted_take  # type: ignore[method-assign]
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    serving_a = serve(a, stop_a)
    await telegram.closed.wait()  # A is mid-push, with a batch claimed and sends in flight
    serving_b = serve(b, stop_b)
    await until(lambda: tries["b"] >= 3, "B tried a few times")
    telegram.gate.set()
    await until(lambda: all_sent(session_factory), "A sent everything")
    stop_b.set()
    await serving_b
    stop_a.set()
    await serving_a
    assert (b.runs, b.recovered) == (0, 0)  # a standby: never ran, never returned A's rows
    assert Counter(telegram.received) == Counter(expected())
    assert await claimers(session_factory) == {"A": ROWS}


async def test_a_holder_that_loses_its_lease_mid_batch_claims_no_more(
    session, session_factory, i18n, clock
) -> None:
    await queue(session, clock)
    telegram = Telegram(close_at=10)
    a = make(session_factory, i18n, clock, telegram, "A")
    stop_a = asyncio.Event()
    serving_a = serve(a, stop_a)
    await telegram.closed.wait()
    # A stalls (sends hang); meanwhile its lease is B's, as if it had run out and B took it.
    async with session_factory() as s, s.begin():
        await s.execute(update(LeaseRow).where(LeaseRow.name == SENDER).values(holder="B"))
    await until(lambda: not lease(a).held, "A's renewal found the lease taken")
    telegram.gate.set()  # the sends A had in flight finish; it hands over no more
    await until(lambda: a.runs == 1 and a.stats.holding is False, "A halted")
    in_flight = len(telegram.received)
    assert 10 <= in_flight <= 10 + a.concurrency
    left = await statuses(session_factory)
    # Its marks landed (the rows were still its own); the rest of its batch waits again.
    assert left == {"sent": in_flight, "pending": ROWS - in_flight}
    lease(a)._until = float("inf")  # A believes it still holds: the database says no
    assert await a.drain_once() == 0
    stop_a.set()
    await serving_a

    await b_sends_the_rest(session_factory, i18n, clock, telegram)
    assert Counter(telegram.received) == Counter(expected())


async def test_a_gone_holders_late_marks_land_only_on_rows_no_one_claimed_since(
    session, session_factory, clock
) -> None:
    from services import outbox
    from services.outbox import Outcome

    await queue(session, clock, rows=3)
    async with session_factory() as s, s.begin():
        first, second, third = await outbox.claim(s, clock(), 3, "A")
    async with session_factory() as s, s.begin():
        assert await outbox.recover(s, "B") == 3  # B took the lease: A's rows wait again

    async def record(holder: str, *rows) -> None:
        async with session_factory() as s, s.begin():
            outcomes = [Outcome(r.id, r.chat_id, OutboxStatus.SENT) for r in rows]
            await outbox.record(s, outcomes, clock(), holder)

    await record("A", first)  # A had sent it after all: B will not send it again
    async with session_factory() as s, s.begin():
        claimed = await outbox.claim(s, clock(), 3, "B")
        assert [r.id for r in claimed] == [second.id, third.id]
        assert await outbox.recover(s, "B") == 0  # B's own claims are its business
    await record("A", second)  # too late: B has it
    async with session_factory() as s, s.begin():
        assert await outbox.release(s, [third.id], "A") == 0
    await record("B", second, third)
    assert await statuses(session_factory) == {"sent": 3}
    assert await claimers(session_factory) == {"A": 1, "B": 2}
