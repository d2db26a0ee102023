"""The sender's pace: a global rate and a minimum interval per chat (Telegram's limits).

Two lanes share the per-chat interval: the free one (about 30 messages a second to different
chats; 25 by default) and the paid one, for pushes an owner sends as a paid broadcast
(`allow_paid_broadcast`: up to 1000 a second, 0.1 Star a message over the free limit). A paid
broadcast lifts only the broadcast limit; one chat still gets at most one message a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

PAID_RATE = 1000.0  # Telegram's ceiling for paid broadcasts, messages a second


@dataclass
class Lane:
    rate: float
    max_rate: float
    next_slot: float = 0.0


class RateLimiter:
    """A global pace per lane plus a per-chat minimum interval; both await, never spin."""

    def __init__(
        self, rate: float, per_chat_interval: float, paid_rate: float = PAID_RATE
    ) -> None:
        self.free = Lane(rate, rate)
        self.paid = Lane(paid_rate, paid_rate)
        self.per_chat_interval = per_chat_interval
        self._next_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        # Replaceable, so a test can move time itself.
        self.monotonic: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    @property
    def rate(self) -> float:
        """The free lane's pace now (lowered after a 429, recovering slowly)."""
        return self.free.rate

    async def wait(self, chat_id: int, paid: bool = False) -> None:
        lane = self.paid if paid else self.free
        async with self._lock:
            now = self.monotonic()
            slot = max(now, lane.next_slot, self._paused_until)
            # A chat that must wait does not hold back the others: it takes the next global
            # slot, and sends when its own interval allows.
            start = max(slot, self._next_chat.get(chat_id, 0.0))
            lane.next_slot = slot + 1.0 / lane.rate
            self._next_chat[chat_id] = start + self.per_chat_interval
            if len(self._next_chat) > 10_000:  # forget chats whose interval has passed
                self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        if start > now:
            await self.sleep(start - now)

    def pause(self, seconds: float, paid: bool = False) -> None:
        """Telegram said 429: everyone waits, and that lane's pace slows by a fifth."""
        lane = self.paid if paid else self.free
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)
        lane.rate = max(1.0, lane.rate * 0.8)

    def recover(self, paid: bool = False) -> None:
        lane = self.paid if paid else self.free
        lane.rate = min(lane.max_rate, lane.rate * 1.01)
