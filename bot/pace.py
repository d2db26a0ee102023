"""The sender's pace: a global rate and a minimum interval per chat (Telegram's limits)."""

from __future__ import annotations

import asyncio
import time


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
