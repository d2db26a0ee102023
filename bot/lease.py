"""Exactly one sender and one scheduler per deployment, however many processes run: each is a
lease in the database (db/repositories/leases.py), and only its holder does the work.

A process that does not hold a lease is a standby: it tries again every third of the lease
time. The holder renews it as often; when a renewal fails or finds the lease taken, the work is
halted at once (no new claims, no new jobs; sends already handed to Telegram finish and are
marked). On shutdown the work is halted first, then the lease released, so a restarted process
or a standby takes over at its next try instead of after the lease time.

The holder also keeps a local deadline: the moment before it asked, plus the lease time. The
database set the expiry from a later moment, so while `held` is true here, no other process
can have taken the lease there, whatever the two clocks say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.leases import LeaseRepo

logger = logging.getLogger(__name__)
SENDER = "sender"
SCHEDULER = "scheduler"
Work = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def new_holder() -> str:
    """This process, told apart from every other one: host, pid and a random part (a pid is
    reused after a restart, a host name by containers). At most 64 characters."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


async def wait_for_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` pass; whether it is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
    return event.is_set()


class Lease:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        name: str,
        holder: str,
        seconds: float,
    ) -> None:
        self.session_factory = session_factory
        self.name = name
        self.holder = holder
        self.seconds = seconds
        self.every = seconds / 3  # a renewal, or a standby's try
        self._until = 0.0  # time.monotonic() until which the lease is surely ours

    @property
    def held(self) -> bool:
        """Whether this process surely holds the lease now (by its own clock, see above)."""
        return time.monotonic() < self._until

    async def take(self) -> bool:
        """Take or renew the lease; False if another process holds it or the database could
        not be asked (then it is not ours to use either)."""
        asked = time.monotonic()
        try:
            async with self.session_factory() as session, session.begin():
                taken = await LeaseRepo(session).take(self.name, self.holder, self.seconds)
        except IntegrityError:  # another process took it first, a moment ago
            taken = False
        except Exception as exc:  # noqa: BLE001 - a standby keeps trying; a holder stops
            name = type(exc).__name__
            logger.warning("lease %s: the database could not be asked (%s)", self.name, name)
            taken = False
        self._until = asked + self.seconds if taken else 0.0
        return taken

    async def release(self) -> None:
        self._until = 0.0
        try:
            async with self.session_factory() as session, session.begin():
                released = await LeaseRepo(session).release(self.name, self.holder)
        except Exception:  # noqa: BLE001 - then it runs out by itself
            logger.warning("lease %s: could not release it; it runs out by itself", self.name)
            return
        if released:
            logger.info("lease %s released by %s", self.name, self.holder)

    async def hold(self, stop: asyncio.Event, work: Work) -> None:
        """Until `stop`: run `work(halt)` while this process holds the lease, and wait as a
        standby while another does. `work` must return soon after `halt` is set."""
        while not stop.is_set():
            if not await self.take():
                await wait_for_event(stop, self.every)
                continue
            logger.info("lease %s acquired by %s", self.name, self.holder)
            halt = asyncio.Event()
            task = asyncio.create_task(work(halt))
            lost = False
            try:
                lost = await self._keep(stop, task)
                halt.set()
                await task
            except asyncio.CancelledError:  # torn down without `stop`: the work goes first
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                raise
            except Exception:
                logger.exception("lease %s: the work failed", self.name)
            if lost:
                logger.warning("lease %s lost by %s: stopped", self.name, self.holder)
            await self.release()  # lost by a failed renewal, it may still be ours
            if not stop.is_set() and not lost:  # the work ended by itself: let others try
                await wait_for_event(stop, self.every)

    async def _keep(self, stop: asyncio.Event, task: asyncio.Task[None]) -> bool:
        """Renew the lease while the work runs; True if it was lost, False on stop (or when
        the work ended by itself)."""
        stopping = asyncio.create_task(stop.wait())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {task, stopping}, timeout=self.every, return_when=asyncio.FIRST_COMPLETED
                )
                if done:
                    return False
                if not await self.take():
                    return True
        finally:
            stopping.cancel()
