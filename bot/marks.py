"""The sender's marks: what became of the messages of a claimed batch, written in groups.

One task writes them: everything that came in since its last write, in one transaction, once
the write before it committed and either half the window is waiting or LINGER_S has passed
(at 30 messages a second each mark is written on its own 10 ms late; at full speed a write
carries half the window: one transaction for 16 sends, where writing each outcome as soon as
it came cost a transaction for every 2-3 sends, 15% of the purchases bench). A send first
takes one of `window` slots, given back when its mark is committed, so at most `window`
messages are ever handed to Telegram and not yet marked: all that a kill -9 can make the
sender repeat, however big the claimed batch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from services.outbox import Outcome
from services.states import OutboxStatus

logger = logging.getLogger(__name__)
TRIES = 3  # then the batch stops; its marks are written first thing in the next pass
LINGER_S = 0.01  # how long a few outcomes wait for more before they are written
RATE_WINDOW = 10  # seconds SenderStats.rate() averages over


@dataclass
class SenderStats:
    """What this process's sender did since it started, for /metrics (bot/metrics.py
    SenderStatsView; read it, never write): messages `sent`, `failed`, `blocked` (403) and
    `retried` (written back to pending), 429 answers seen (`throttled`, also named
    `retry_after_429`), `rate` (messages sent a second, over the last RATE_WINDOW seconds),
    `pace` (the free lane's limit now: lowered after a 429), and `holding` (whether this
    process holds the sender's lease: only the holder sends)."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    throttled: int = 0  # 429 answers
    pace: float = 0.0
    holding: bool = False
    started: float = field(default_factory=time.monotonic)
    # [whole second, messages sent in it], oldest first, for rate()
    _seconds: deque[list[int]] = field(default_factory=deque, repr=False)

    def count(self, written: Sequence[Outcome]) -> None:
        """Outcomes whose marks were committed."""
        sent = 0
        for outcome in written:
            if outcome.status == OutboxStatus.SENT:
                sent += 1
            elif outcome.status == OutboxStatus.PENDING:
                self.retried += 1
            elif outcome.status == OutboxStatus.BLOCKED:
                self.blocked += 1
            elif outcome.status == OutboxStatus.FAILED:
                self.failed += 1
                logger.warning("outbox row %s failed: %s", outcome.row_id, outcome.error)
        self.sent += sent
        now = int(time.monotonic())
        if self._seconds and self._seconds[-1][0] == now:
            self._seconds[-1][1] += sent
        elif sent:
            self._seconds.append([now, sent])
        self._forget(now)

    @property
    def retry_after_429(self) -> int:
        return self.throttled

    @property
    def rate(self) -> float:
        """Messages sent a second, over the last RATE_WINDOW seconds."""
        now = int(time.monotonic())
        self._forget(now)
        return sum(n for _, n in self._seconds) / RATE_WINDOW

    def _forget(self, now: int) -> None:
        while self._seconds and self._seconds[0][0] <= now - RATE_WINDOW:
            self._seconds.popleft()


class Marks:
    def __init__(self, write: Callable[[list[Outcome]], Awaitable[None]], window: int) -> None:
        self._write = write
        self._enough = max(1, window // 2)
        self._slots = asyncio.Semaphore(window)
        self._more = asyncio.Event()
        self._closed = False
        # Outcomes not yet committed, oldest first; what is left here if the batch stops.
        self.waiting: list[Outcome] = []
        self.marked: set[int] = set()  # ids whose outcome is committed
        self.error: Exception | None = None  # writing failed: send no more

    async def slot(self) -> bool:
        """Wait until fewer than `window` messages are handed to Telegram and unmarked;
        False if marks can no longer be written (then send nothing)."""
        await self._slots.acquire()
        if self.error is not None:
            self._slots.release()  # the next one waiting learns it too
            return False
        return True

    def give_back(self) -> None:
        """A slot taken for a message that has no outcome to mark."""
        self._slots.release()

    def put(self, outcome: Outcome) -> None:
        self.waiting.append(outcome)
        self._more.set()

    def close(self) -> None:
        """No more outcomes: `run` returns once those it has are written."""
        self._closed = True
        self._more.set()

    async def run(self) -> None:
        while True:
            if not self.waiting:
                if self._closed:
                    return
                await self._more.wait()
                self._more.clear()
                continue
            if len(self.waiting) < self._enough and not self._closed:
                await asyncio.sleep(LINGER_S)  # more are coming at full speed: one write
            batch = list(self.waiting)
            for attempt in range(1, TRIES + 1):
                try:
                    await self._write(batch)
                    break
                except Exception as exc:  # noqa: BLE001 - the sender raises it
                    if attempt == TRIES:
                        self.error = exc
                        self._slots.release()  # wakes the sends waiting for a slot
                        return
                    logger.warning("outbox: writing %d marks failed; again", len(batch))
                    await asyncio.sleep(0.05 * 2**attempt)
            del self.waiting[: len(batch)]
            self.marked.update(outcome.row_id for outcome in batch)
            for _ in batch:
                self._slots.release()
