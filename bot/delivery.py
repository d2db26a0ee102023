"""The one sender that drains the outbox at Telegram's pace.

Limits: a global rate (25 messages a second by default, under Telegram's ~30 to different
chats) and one message a second per chat (bot/pace.py); both are parameters, lifted only by
the benches and tests. 429: wait `retry_after`, then go on 20 % slower, recovering slowly.
403: the customer blocked the bot; they are marked unreachable and their waiting messages are
dropped. Network and server errors: retried with backoff, at most five attempts, then the row
fails with its reason. 400: fails at once (the text itself is wrong).

Set-based. A pass claims up to `batch` (100) due rows (pending -> sending) with one UPDATE
... RETURNING, in the transaction that first asks whether the last batch's campaigns are done.
What became of the rows is written in groups (bot/marks.py): one transaction for all the
sends that finished since the last write, one statement per kind of outcome. At full speed
that is under 0.1 transaction a message; at 30 a second, one. Claimed rows count as on their
way: a member who leaves meanwhile cancels only what is still pending (OutboxRepo.forget).

Crash safety. A row is marked sent only after Telegram accepted it, and at most `in_flight`
messages are ever handed to Telegram without their mark committed. A process killed at any
moment leaves its claimed rows `sending`; on the next start those go back to pending and are
sent: the ones never handed to Telegram for the first time, and at most `in_flight` (32 by
default) a second time. None is lost. Telegram offers no idempotency key for sendMessage, so
this window cannot be closed, only kept this small. Rows a pass claimed and did not hand to
Telegram (it stopped on an error) go back to pending at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import Response
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.marks import Marks, SenderStats
from bot.pace import RateLimiter
from handlers.i18n import CatalogI18n
from services import outbox
from services.campaigns.delivery import finish_if_done, push_payload
from services.clock import Clock, utc_now
from services.notices import NoticeBody, NoticeError, Push, decode
from services.outbox import Claimed, Outcome
from services.states import OutboxStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BLOCKED = "403: blocked by the user"

# aiogram parses every answer as Response[<type>], and pydantic caches parametrized models
# only weakly: the garbage collector takes Response[Message] away now and then, and the next
# send rebuilds it (about 25 ms, 60 times in 3000 messages of the bench). Held here, it stays.
KEEP_PARSED = Response[Message]

Renderer = Callable[[NoticeBody], tuple[str, InlineKeyboardMarkup | None]]
Send = Callable[[Bot, int, str, InlineKeyboardMarkup | None, str | None], Awaitable[None]]


class Sender:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        render: Renderer,
        *,
        rate: float = 25.0,
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
        self.limiter = RateLimiter(rate, per_chat_interval)
        self.concurrency = concurrency
        # Messages handed to Telegram and not yet marked sent, at most: what a kill repeats.
        self.in_flight = in_flight
        self.batch = batch
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"[:64]
        self.stats = SenderStats()
        self._wake = asyncio.Event()
        self._campaigns: dict[int, Push | None] = {}
        self._rendered: dict[tuple[int | None, str], tuple[str, InlineKeyboardMarkup | None]]
        self._rendered = {}
        self._unfinished: set[int] = set()  # campaigns of the last batch: done yet?
        # Chats that answered 403 in this batch: rows already claimed for them are not sent
        # (their other rows in the database are marked blocked as the 403 is recorded).
        self._blocked: set[int] = set()
        # Marks of a pass that stopped on an error, written first by the next one.
        self._unwritten: list[Outcome] = []
        self._send = send or _send_message

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    async def recover(self) -> int:
        async with self.session_factory() as session, session.begin():
            return await outbox.recover(session)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Drain until `stop` is set. Rows left `sending` by a crash are retried first."""
        recovered = await self.recover()
        if recovered:
            logger.warning(
                "outbox: %d claimed messages were left by a crash; sending them again", recovered
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
                await asyncio.sleep(min(60.0, poll_seconds * 2**failures))
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)

    async def drain(self) -> int:
        """Send everything that is due now (tests, and the end of a run)."""
        total = 0
        while (n := await self.drain_once()) > 0:
            total += n
        return total

    async def drain_once(self) -> int:
        """Claim a batch, send it, and write what became of each row; the rows claimed."""
        if self._unwritten:
            await self._write(self._unwritten)
            self._unwritten = []
        async with self.session_factory() as session, session.begin():
            # Campaigns of the last batch first: a summary to the author is claimed with it.
            for campaign_id in sorted(self._unfinished):
                await finish_if_done(session, campaign_id, self.clock())
            rows = await outbox.claim(session, self.clock(), self.batch, self.holder)
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
            with contextlib.suppress(Exception):  # else the next pass, or the next start
                await self._write(self._unwritten)
                self._unwritten = []
            with contextlib.suppress(Exception):  # else the next start recovers them
                async with self.session_factory() as session, session.begin():
                    await outbox.release(session, [r.id for r in rows if r.id not in done])
            raise
        return len(rows)

    async def _send_all(self, rows: Sequence[Claimed], marks: Marks) -> Exception | None:
        """Send the batch; after an error, start no more sends (those under way finish and
        are marked) and return it."""
        errors: list[Exception] = []
        queue = iter(rows)  # shared: each row is taken once, in order

        async def worker() -> None:
            for row in queue:
                if errors or not await marks.slot():
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
            await outbox.record(session, outcomes, self.clock())
        self.stats.count(outcomes)

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
            status: OutboxStatus, error: str | None = None, retry_in: float = 0.0
        ) -> Outcome:
            retry_at = self.clock() + timedelta(seconds=retry_in) if retry_in else None
            return Outcome(row.id, row.chat_id, status, error, retry_at)

        try:
            body = await self._body(row)
        except NoticeError as exc:  # a row this release cannot read: no use trying again
            return outcome(OutboxStatus.FAILED, str(exc)[:200])
        text, keyboard = self._render(row, body)
        await self.limiter.wait(row.chat_id)
        if row.chat_id in self._blocked:
            return outcome(OutboxStatus.BLOCKED, BLOCKED)
        try:
            photo = body.photo if isinstance(body, Push) else None
            await self._send(self.bot, row.chat_id, text, keyboard, photo)
        except TelegramRetryAfter as exc:
            self.stats.throttled += 1
            self.limiter.pause(exc.retry_after)
            return outcome(OutboxStatus.PENDING, "429", float(exc.retry_after))
        except TelegramForbiddenError:
            self._blocked.add(row.chat_id)
            return outcome(OutboxStatus.BLOCKED, BLOCKED)
        except TelegramBadRequest as exc:
            return outcome(OutboxStatus.FAILED, f"400: {exc.message}"[:200])
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            error = f"network: {type(exc).__name__}"
            if row.attempts >= MAX_ATTEMPTS:
                return outcome(OutboxStatus.FAILED, error)
            return outcome(OutboxStatus.PENDING, error, float(2**row.attempts))
        except TelegramAPIError as exc:  # 401, 404, 409, 413, a migrated chat...: not retried
            return outcome(OutboxStatus.FAILED, f"{type(exc).__name__}: {exc.message}"[:200])
        self.limiter.recover()
        return outcome(OutboxStatus.SENT)


async def _send_message(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    photo: str | None,
) -> None:
    if photo:
        await bot.send_photo(chat_id, photo, caption=text, reply_markup=keyboard)
    else:
        await bot.send_message(chat_id, text, reply_markup=keyboard)
