"""The sender and the scheduler of one process, each run only while this process holds its
lease (bot/lease.py): `loyalty-bot worker` and `loyalty-bot run` with IN_PROCESS_WORKER serve
them the same way (as `loyalty-bot web` would, see bot/web.py), and however many run, one
sends and one schedules; the others wait as standbys.

    worker = Worker(settings, bot, session_factory, i18n)
    await worker.serve(stop)  # until `stop` is set; then halts and releases both leases

`worker.sender.stats` (bot/marks.py SenderStats) is what /metrics reads: messages sent,
failed, blocked, 429s seen, `rate()`, the pace, and whether this process holds the sender.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.delivery import Sender
from bot.lease import SCHEDULER, SENDER, Lease, new_holder
from bot.markers import marker_key
from bot.marks import SenderStats
from bot.scheduler import Scheduler
from handlers.i18n import CatalogI18n
from handlers.ui.notices import notice_text


def create_sender(
    settings: Settings,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: CatalogI18n,
    holder: str | None = None,
) -> Sender:
    """The production sender: SENDER_RATE, SENDER_CONCURRENCY sends at once (and a window of
    unmarked sends to match, see Sender.in_flight)."""
    return Sender(
        bot,
        session_factory,
        i18n,
        notice_text,
        rate=settings.sender_rate,
        concurrency=settings.sender_concurrency,
        holder=holder,
    )


def create_scheduler(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    wake: Callable[[], None],
) -> Scheduler:
    reminders = [timedelta(hours=settings.cart_reminder_hours)]
    if settings.cart_second_reminder:
        reminders.append(timedelta(hours=24))
    return Scheduler(
        session_factory,
        wake,
        cart_reminders=tuple(reminders),
        owner_ids=tuple(settings.owner_ids),
        marker_key=marker_key(settings),
    )


class Worker:
    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
    ) -> None:
        self.holder = new_holder()  # one per process: in both leases and the outbox's claims
        self.sender = create_sender(settings, bot, session_factory, i18n, self.holder)
        self.scheduler = create_scheduler(settings, session_factory, self.sender.wake)
        seconds = settings.lease_seconds
        self.sender.lease = Lease(session_factory, SENDER, self.holder, seconds)
        self.scheduler.lease = Lease(session_factory, SCHEDULER, self.holder, seconds)

    @property
    def stats(self) -> SenderStats:
        return self.sender.stats

    def wake(self) -> None:
        """New rows were committed (the dispatcher's `wake_sender`): if this process holds
        the sender, it looks now; another holder finds them at its next poll (a second)."""
        self.sender.wake()

    async def serve(self, stop: asyncio.Event) -> None:
        """Send and schedule under the leases, or wait as a standby, until `stop`; then halt
        the work and release the leases."""
        assert self.sender.lease is not None and self.scheduler.lease is not None
        await asyncio.gather(
            self.sender.lease.hold(stop, self.sender.run),
            self.scheduler.lease.hold(stop, self.scheduler.run),
        )


async def serve_leased(
    settings: Settings,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: CatalogI18n,
    stop: asyncio.Event,
) -> None:
    """`Worker(...).serve(stop)`, for a caller that needs neither its stats nor its wake."""
    await Worker(settings, bot, session_factory, i18n).serve(stop)
