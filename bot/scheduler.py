"""The scheduler: one tick every few minutes runs the daily jobs.

Jobs decide from the data what is due (a birthday from the merchant's local birthday hour
until midnight, an NPS survey 90 days after the last), and record what they did, so a tick
that runs twice enqueues once, and a tick missed while the process was down catches up at
the next start (the first tick runs at once). The `scheduler` lease (bot/lease.py) lets
exactly one process run them, however many are started: `run` while it is held; a tick under
way when the lease is lost, or at shutdown, stops before its next job.

A plain loop, not APScheduler: its asyncio executor cancels a job under way when it shuts
down, so a handover (or a SIGTERM) would cut a job off mid-transaction, with a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.lease import Lease, wait_for_event
from services.clock import Clock, utc_now
from services.jobs import CART_REMINDERS, JobService

logger = logging.getLogger(__name__)
TICK = timedelta(minutes=5)
JOBS = (
    "birthday_offers",
    "lapse_birthday_bonuses",
    "expire_points",
    "lapse_vouchers",
    "expire_certificates",
    "cart_reminders",
    "nps_surveys",
    "weekly_digests",
    "forget_updates",
)


class Scheduler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        wake_sender: Callable[[], None],
        clock: Clock = utc_now,
        cart_reminders: tuple[timedelta, ...] = CART_REMINDERS,
        owner_ids: tuple[int, ...] = (),
        marker_key: bytes | None = None,
    ) -> None:
        self.owner_ids = owner_ids
        self.marker_key = marker_key
        self.cart_reminders = cart_reminders
        self.session_factory = session_factory
        self.wake_sender = wake_sender
        self.clock = clock
        self.lease: Lease | None = None  # set by bot/worker.py: jobs run while it is held
        self.ticks = 0  # ticks that ran their jobs (tests, /metrics)
        self._ticking = asyncio.Lock()
        self._stop: asyncio.Event | None = None

    async def tick(self) -> int:
        """Run every job once (while this process holds the lease, if it has one); returns
        messages queued."""
        async with self._ticking:
            return await self._tick()

    async def _tick(self) -> int:
        queued = 0
        for job in JOBS:
            if (self._stop is not None and self._stop.is_set()) or (
                self.lease is not None and not self.lease.held
            ):
                break  # stopping, or lost: what is left runs at the holder's next tick
            try:
                async with self.session_factory() as session:
                    service = JobService(
                        session,
                        self.clock,
                        self.cart_reminders,
                        self.owner_ids,
                        marker_key=self.marker_key,
                    )
                    queued += await getattr(service, job)()
            except Exception:
                logger.exception("scheduled job %s failed", job)
        else:
            self.ticks += 1
        if queued:
            self.wake_sender()
        return queued

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every TICK, the first at once (a restart catches up), until `stop` (shutdown,
        or the lease lost); a tick under way ends before its next job."""
        self._stop = stop
        while not stop.is_set():
            await self.tick()
            await wait_for_event(stop, TICK.total_seconds())
