"""The one sender that drains the outbox at Telegram's pace.

Limits: a global rate (25 messages a second by default, under Telegram's ~30 to different
chats) and one message a second per chat. 429: wait `retry_after`, then go on 20 % slower,
recovering slowly. 403: the customer blocked the bot; they are marked unreachable and their
waiting messages are dropped. Network and server errors: retried with backoff, at most five
attempts, then the row fails with its reason. 400: fails at once (the text itself is wrong).

Crash safety. A row is claimed (pending -> sending) and committed before it is sent, and marked
sent only after Telegram accepted it. A process killed between the send and the mark leaves
the row `sending`; on the next start those rows go back to pending and are sent again. So a
crash repeats at most the messages that were in flight at that moment (`concurrency` of them,
4 by default) and loses none. Telegram offers no idempotency key for sendMessage, so this
window cannot be closed, only kept this small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Customer, Outbox, OutboxStatus
from db.repositories import OutboxRepo
from handlers.i18n import CatalogI18n
from services.campaigns.delivery import finish_if_done, push_payload
from services.clock import Clock, utc_now
from services.notices import NoticeBody, NoticeError, Push, decode

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

Renderer = Callable[[NoticeBody], tuple[str, InlineKeyboardMarkup | None]]
Send = Callable[[Bot, int, str, InlineKeyboardMarkup | None, str | None], Awaitable[None]]


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    throttled: int = 0  # 429 answers
    started: float = field(default_factory=time.monotonic)


class RateLimiter:
    """A global pace plus a per-chat minimum interval; both await, never spin."""

    def __init__(self, rate: float, per_chat_interval: float) -> None:
        self.rate = rate
        self.max_rate = rate
        self.per_chat_interval = per_chat_interval
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_global, self._paused_until)
            # A chat that must wait does not hold back the others: it takes the next global
            # slot, and sends when its own interval allows.
            start = max(slot, self._next_chat.get(chat_id, 0.0))
            self._next_global = slot + 1.0 / self.rate
            self._next_chat[chat_id] = start + self.per_chat_interval
            if len(self._next_chat) > 10_000:  # forget chats whose interval has passed
                self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: everyone waits, and the pace slows by a fifth."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self.rate = max(1.0, self.rate * 0.8)

    def recover(self) -> None:
        self.rate = min(self.max_rate, self.rate * 1.01)


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
        batch: int = 100,
        clock: Clock = utc_now,
        send: Send | None = None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.render = render
        self.limiter = RateLimiter(rate, per_chat_interval)
        self.concurrency = concurrency
        self.batch = batch
        self.clock = clock
        self.stats = SenderStats()
        self._wake = asyncio.Event()
        self._campaigns: dict[int, Push | None] = {}
        # Chats that answered 403 in this batch: rows already claimed for them are not sent
        # (their other rows in the database are marked blocked as the 403 is recorded).
        self._blocked: set[int] = set()
        self._send = send or _send_message

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    async def recover(self) -> int:
        async with self.session_factory() as session, session.begin():
            return await OutboxRepo(session).recover()

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Drain until `stop` is set. Rows left `sending` by a crash are retried first."""
        recovered = await self.recover()
        if recovered:
            logger.warning(
                "outbox: %d messages were in flight at a crash; sending again", recovered
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
        async with self.session_factory() as session, session.begin():
            rows = list(await OutboxRepo(session).due(self.clock(), self.batch))
        if not rows:
            return 0
        # Only within a batch: a customer who writes to the bot again is reachable again.
        self._blocked.clear()
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(row: Outbox) -> None:
            async with semaphore:
                await self._deliver(row)

        await asyncio.gather(*(one(row) for row in rows))
        for campaign_id in {row.campaign_id for row in rows if row.campaign_id is not None}:
            async with self.session_factory() as session, session.begin():
                if await finish_if_done(session, campaign_id, self.clock()):
                    self.wake()  # the summary to the push's author is queued
        return len(rows)

    async def _body(self, row: Outbox) -> NoticeBody:
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

    async def _deliver(self, row: Outbox) -> None:
        async with self.session_factory() as session, session.begin():
            if not await OutboxRepo(session).claim(row.id):
                return  # another sender took it
        try:
            body = await self._body(row)
        except NoticeError as exc:  # a row this release cannot read: no use trying again
            await self._record(row, OutboxStatus.FAILED, str(exc)[:200], 0.0)
            return
        with self.i18n.context(), self.i18n.use_locale(row.language or self.i18n.default_locale):
            text, keyboard = self.render(body)
        await self.limiter.wait(row.chat_id)
        status, error, retry_in = OutboxStatus.SENT, None, 0.0
        if row.chat_id in self._blocked:
            await self._record(row, OutboxStatus.BLOCKED, "403: blocked by the user", 0.0)
            return
        try:
            photo = body.photo if isinstance(body, Push) else None
            await self._send(self.bot, row.chat_id, text, keyboard, photo)
        except TelegramRetryAfter as exc:
            self.stats.throttled += 1
            self.limiter.pause(exc.retry_after)
            status, error, retry_in = OutboxStatus.PENDING, "429", float(exc.retry_after)
        except TelegramForbiddenError:
            self._blocked.add(row.chat_id)
            status, error = OutboxStatus.BLOCKED, "403: blocked by the user"
        except TelegramBadRequest as exc:
            status, error = OutboxStatus.FAILED, f"400: {exc.message}"[:200]
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                status, error = OutboxStatus.FAILED, f"network: {type(exc).__name__}"
            else:
                status, error = OutboxStatus.PENDING, f"network: {type(exc).__name__}"
                retry_in = float(2 ** (row.attempts + 1))
        except TelegramAPIError as exc:  # 401, 404, 409, 413, a migrated chat...: not retried
            status, error = OutboxStatus.FAILED, f"{type(exc).__name__}: {exc.message}"[:200]
        else:
            self.limiter.recover()
        await self._record(row, status, error, retry_in)

    async def _record(
        self, row: Outbox, status: OutboxStatus, error: str | None, retry_in: float
    ) -> None:
        now = self.clock()
        async with self.session_factory() as session, session.begin():
            repo = OutboxRepo(session)
            if status == OutboxStatus.PENDING:
                self.stats.retried += 1
                await repo.retry(row.id, now + timedelta(seconds=retry_in), error or "")
                return
            await repo.finish(row.id, status, now, error)
            if status == OutboxStatus.SENT:
                self.stats.sent += 1
            elif status == OutboxStatus.FAILED:
                self.stats.failed += 1
                logger.warning("outbox row %s failed: %s", row.id, error)
            elif status == OutboxStatus.BLOCKED:
                self.stats.blocked += 1
                await repo.block_chat(row.chat_id)
                await session.execute(
                    update(Customer)
                    .where(Customer.telegram_id == row.chat_id)
                    .values(bot_blocked=True)
                )


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
