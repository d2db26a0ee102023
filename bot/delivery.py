"""The one sender that drains the outbox at Telegram's pace.

Limits: a global rate (25 messages a second by default, under Telegram's ~30 to different
chats; up to 1000 for a push sent as a paid broadcast) and one message a second per chat
(bot/pace.py); both are parameters, lifted only by the benches and tests. What each answer of
Telegram means for its row: bot/sends.py (429 also slows the pace by a fifth, recovering
slowly; 403 marks the customer unreachable and drops their waiting messages).

Set-based. A pass claims up to `batch` (100) due rows (pending -> sending) with one UPDATE
... RETURNING, in the transaction that first asks whether the last batch's campaigns are done.
What became of the rows is written in groups (bot/marks.py): one transaction for all the
sends that finished since the last write, one statement per kind of outcome. At full speed
that is under 0.1 transaction a message; at 30 a second, one. Claimed rows count as on their
way: a member who leaves meanwhile cancels only what is still pending (OutboxRepo.forget).

One sender per deployment: the holder of the `sender` lease (bot/lease.py, bot/worker.py).
Its claim carries the lease as a fence (no rows unless the lease is its own at that moment),
and it hands no more messages to Telegram once the lease is lost or shutdown begins: sends
under way finish and are marked, the rest of the batch goes back to pending at once.

Crash safety. A row is marked sent only after Telegram accepted it, and at most `in_flight`
messages are ever handed to Telegram without their mark committed. A process killed at any
moment leaves its claimed rows `sending`; the sender that takes the lease next returns the
rows other holders left (`recover`: they are gone, the lease being exclusive) and sends them:
the ones never handed to Telegram for the first time, and at most `in_flight` (32 by default)
a second time. None is lost. Telegram offers no idempotency key for sendMessage, so this
window cannot be closed, only kept this small. A holder that lost its lease while sending
writes its marks only on rows no one has claimed since (services/outbox.record).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.lease import Lease, new_holder, wait_for_event
from bot.marks import Marks, SenderStats
from bot.pace import PAID_RATE, RateLimiter
from bot.sends import BLOCKED, REFUSALS, Send, send_message, verdict
from handlers.i18n import CatalogI18n
from services import outbox
from services.campaigns.delivery import finish_if_done, push_payload
from services.clock import Clock, utc_now
from services.notices import NoticeBody, NoticeError, Push, decode
from services.outbox import Claimed, Outcome
from services.states import OutboxStatus

logger = logging.getLogger(__name__)

Renderer = Callable[[NoticeBody], tuple[str, InlineKeyboardMarkup | None]]


class Sender:
    """`stats` (bot/marks.py SenderStats) is what /metrics reads: sent, failed, 429s, rate."""

    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        render: Renderer,
        *,
        rate: float = 25.0,
        paid_rate: float = PAID_RATE,
        per_chat_interval: float = 1.0,
        concurrency: int = 4,
        in_flight: int = 32,
        batch: int = 100,
        clock: Clock = utc_now,
        send: Send | None = None,
        holder: str | None = None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.render = render
        self.limiter = RateLimiter(rate, per_chat_interval, paid_rate)
        self.concurrency = concurrency
        # Messages handed to Telegram and not yet marked sent, at most: what a kill repeats.
        # Twice the sends at once, so a send seldom waits for the marks of others.
        self.in_flight = max(in_flight, 2 * concurrency)
        self.batch = batch
        self.clock = clock
        self.holder = holder or new_holder()
        self.lease: Lease | None = None  # set by bot/worker.py: the claim's fence
        self.stats = SenderStats(pace=rate)
        self._wake = asyncio.Event()
        self._halt: asyncio.Event | None = None  # set: hand nothing more to Telegram
        self._campaigns: dict[int, Push | None] = {}
        self._rendered: dict[tuple[int | None, str], tuple[str, InlineKeyboardMarkup | None]]
        self._rendered = {}
        self._unfinished: set[int] = set()  # campaigns of the last batch: done yet?
        # Chats that answered 403 in this batch: rows already claimed for them are not sent
        # (their other rows in the database are marked blocked as the 403 is recorded).
        self._blocked: set[int] = set()
        # Marks of a pass that stopped on an error, and rows it could not give back: written
        # first by the next pass (no one else returns this holder's rows).
        self._unwritten: list[Outcome] = []
        self._unreleased: list[int] = []
        self._send = send or send_message

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    def may_send(self) -> bool:
        """Whether to hand another message to Telegram: not halted, and the lease (if any)
        surely still ours."""
        halted = self._halt is not None and self._halt.is_set()
        return not halted and (self.lease is None or self.lease.held)

    async def recover(self) -> int:
        """Rows other senders left claimed go back to pending (see the module's docstring)."""
        async with self.session_factory() as session, session.begin():
            return await outbox.recover(session, self.holder)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Drain until `stop` is set (shutdown, or the lease lost). Rows that senders before
        this one left claimed are sent first."""
        self._halt = stop
        waker = asyncio.create_task(self._wake_on(stop))
        self.stats.holding = True
        try:
            recovered = await self.recover()
            if recovered:
                logger.warning(
                    "outbox: %d messages left claimed by a sender that is gone; "
                    "sending them again",
                    recovered,
                )
            failures = 0
            while not stop.is_set():
                # Cleared before looking, so a wake-up that comes while we look is not lost.
                self._wake.clear()
                try:
                    sent = await self.drain_once()
                    failures = 0
                except Exception:  # the sender must outlive a database hiccup
                    failures += 1
                    logger.exception("outbox: a pass failed; trying again")
                    sent = 0
                    await wait_for_event(stop, min(60.0, poll_seconds * 2**failures))
                if sent == 0:
                    await wait_for_event(self._wake, poll_seconds)
        finally:
            self.stats.holding = False
            self._halt = None  # the halt was this run's: a drain() after it sends again
            waker.cancel()

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def drain(self) -> int:
        """Send everything that is due now (tests, and the end of a run)."""
        total = 0
        while (n := await self.drain_once()) > 0:
            total += n
        return total

    async def drain_once(self) -> int:
        """Claim a batch, send it, and write what became of each row; the rows claimed."""
        await self._catch_up()
        if not self.may_send():
            return 0
        lease = self.lease.name if self.lease is not None else None
        async with self.session_factory() as session, session.begin():
            # Campaigns of the last batch first: a summary to the author is claimed with it.
            for campaign_id in sorted(self._unfinished):
                await finish_if_done(session, campaign_id, self.clock())
            rows = await outbox.claim(session, self.clock(), self.batch, self.holder, lease)
        self._unfinished = {row.campaign_id for row in rows if row.campaign_id is not None}
        if not rows:
            return 0
        # Only within a batch: a customer who writes to the bot again is reachable again.
        self._blocked.clear()
        marks = Marks(self._write, max(1, self.in_flight))
        writer = asyncio.create_task(marks.run())
        try:
            error = await self._send_all(rows, marks)
            marks.close()
            await writer
            if error is not None:
                raise error
            if marks.error is not None:
                raise marks.error
        except BaseException:  # an error, or cancelled: what was sent is marked, if it can be
            writer.cancel()
            done = marks.marked | {o.row_id for o in marks.waiting}
            self._unwritten = list(marks.waiting)
            self._unreleased = [r.id for r in rows if r.id not in done]
            with contextlib.suppress(Exception):  # else the next pass writes them
                await self._catch_up()
            raise
        # Halted in the middle (shutdown, or the lease lost): the rest waits again.
        self._unreleased = [r.id for r in rows if r.id not in marks.marked]
        await self._catch_up()
        return len(rows)

    async def _catch_up(self) -> None:
        """Write the marks and give back the rows a pass left behind."""
        if self._unwritten:
            await self._write(self._unwritten)
            self._unwritten = []
        if self._unreleased:
            async with self.session_factory() as session, session.begin():
                await outbox.release(session, self._unreleased, self.holder)
            self._unreleased = []

    async def _send_all(self, rows: Sequence[Claimed], marks: Marks) -> Exception | None:
        """Send the batch; after an error or a halt, start no more sends (those under way
        finish and are marked) and return the error."""
        errors: list[Exception] = []
        queue = iter(rows)  # shared: each row is taken once, in order

        async def worker() -> None:
            for row in queue:
                if errors or not await marks.slot():
                    return
                if not self.may_send():
                    marks.give_back()
                    return
                try:
                    outcome = await self._deliver(row)
                except Exception as exc:  # noqa: BLE001 - raised once the batch is marked
                    errors.append(exc)
                    marks.give_back()
                    return
                marks.put(outcome)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(rows)))))
        return errors[0] if errors else None

    async def _write(self, outcomes: list[Outcome]) -> None:
        async with self.session_factory() as session, session.begin():
            await outbox.record(session, outcomes, self.clock(), self.holder)
        self.stats.count(outcomes)
        self.stats.pace = self.limiter.rate

    async def _body(self, row: Claimed) -> NoticeBody:
        """A push keeps its content once, on the campaign; other rows carry their own."""
        if row.campaign_id is None:
            return decode(row.kind, row.payload)
        if row.campaign_id not in self._campaigns:
            async with self.session_factory() as session, session.begin():
                self._campaigns[row.campaign_id] = await push_payload(session, row.campaign_id)
        push = self._campaigns[row.campaign_id]
        if push is None:
            raise NoticeError(f"push: campaign {row.campaign_id} is gone")
        return push

    def _render(self, row: Claimed, body: NoticeBody) -> tuple[str, InlineKeyboardMarkup | None]:
        """A push reads the same in each language: rendered once per campaign and language."""
        locale = row.language or self.i18n.default_locale
        key = (row.campaign_id, locale)
        if row.campaign_id is not None and key in self._rendered:
            return self._rendered[key]
        with self.i18n.context(), self.i18n.use_locale(locale):
            rendered = self.render(body)
        if row.campaign_id is not None:
            self._rendered[key] = rendered
        return rendered

    async def _deliver(self, row: Claimed) -> Outcome:
        def outcome(
            status: OutboxStatus, error: str | None = None, retry_in: float = 0
        ) -> Outcome:
            retry_at = self.clock() + timedelta(seconds=retry_in) if retry_in else None
            return Outcome(row.id, row.chat_id, status, error, retry_at)

        try:
            body = await self._body(row)
        except NoticeError as exc:  # a row this release cannot read: no use trying again
            return outcome(OutboxStatus.FAILED, str(exc)[:200])
        text, keyboard = self._render(row, body)
        paid = row.paid_broadcast
        await self.limiter.wait(row.chat_id, paid)
        if row.chat_id in self._blocked:
            return outcome(OutboxStatus.BLOCKED, BLOCKED)
        try:
            photo = body.photo if isinstance(body, Push) else None
            await self._send(self.bot, row.chat_id, text, keyboard, photo, paid)
        except REFUSALS as exc:
            status, error, retry_in = verdict(exc, row.attempts)
            if isinstance(exc, TelegramRetryAfter):
                self.stats.throttled += 1
                self.limiter.pause(exc.retry_after, paid)
            elif status == OutboxStatus.BLOCKED:
                self._blocked.add(row.chat_id)
            return outcome(status, error, retry_in)
        self.limiter.recover(paid)
        return outcome(OutboxStatus.SENT)
