"""The scheduler (APScheduler 3): one tick every few minutes runs the daily jobs.

Jobs decide from the data what is due (a birthday from the merchant's local birthday hour
until midnight, an NPS survey 90 days after the last), and record what they did, so a tick
that runs twice enqueues once, and a tick missed while the process was down catches up at
the next start (the first tick runs at once). A lease row in the database lets exactly one
process run them, however many are started.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clock import Clock, utc_now
from services.jobs import CART_REMINDERS, JobService

logger = logging.getLogger(__name__)
TICK = timedelta(minutes=5)
LEASE = "scheduler"


class Scheduler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        wake_sender: Callable[[], None],
        clock: Clock = utc_now,
        holder: str | None = None,
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
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self._scheduler: AsyncIOScheduler | None = None

    async def tick(self) -> int:
        """Run every job once if this process holds the lease; returns messages queued."""
        async with self.session_factory() as session:
            if not await JobService(session, self.clock).take_lease(LEASE, self.holder, TICK * 3):
                return 0
        queued = 0
        jobs = (
            "birthday_offers",
            "lapse_birthday_bonuses",
            "expire_points",
            "cart_reminders",
            "nps_surveys",
            "weekly_digests",
            "forget_updates",
        )
        for job in jobs:
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
        if queued:
            self.wake_sender()
        return queued

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
