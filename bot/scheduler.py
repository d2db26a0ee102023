"""The scheduler (APScheduler 3): one tick every few minutes runs the daily jobs.

Jobs decide from the data what is due (a birthday from the merchant's local birthday hour
until midnight, an NPS survey 90 days after the last), and record what they did, so a tick
that runs twice enqueues once, and a tick missed while the process was down catches up at
the next start (the first tick runs at once). The `scheduler` lease (bot/lease.py) lets
exactly one process run them, however many are started: `run` while it is held; a tick under
way when the lease is lost stops before its next job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.lease import Lease
from services.clock import Clock, utc_now
from services.jobs import CART_REMINDERS, JobService

logger = logging.getLogger(__name__)
TICK = timedelta(minutes=5)
JOBS = (
    "birthday_offers",
    "lapse_birthday_bonuses",
    "expire_points",
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
        self._scheduler: AsyncIOScheduler | None = None
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
        """Tick every TICK, the first at once, until `stop` (shutdown, or the lease lost);
        returns once a tick under way has ended."""
        self._stop = stop
        self.start()
        try:
            await stop.wait()
        finally:
            self.shutdown()
            async with self._ticking:  # a tick under way ends (at its next job, if lost)
                pass

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=TICK.total_seconds()),
            next_run_time=datetime.now(UTC),  # catch up at once after a restart
            misfire_grace_time=None,  # late is fine: the jobs work out what is due
            coalesce=True,
            max_instances=1,
            id="tick",
        )
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
