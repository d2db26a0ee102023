"""Paid broadcasts: Telegram's `allow_paid_broadcast` lifts the ~30 messages a second of a bulk
send to up to 1000, for 0.1 Telegram Star a message over the free limit, paid from the bot's
Stars balance. Only an owner (OWNER_IDS) may spend that, on a push large enough for speed to
matter, after seeing what it costs at most; each one is audited."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.errors import PushRefused

# A push to this many recipients or more is offered as a paid broadcast (to owners): at the
# free pace it takes half a minute or more.
PAID_FROM = 1000
STAR_TENTHS_A_MESSAGE = 1  # 0.1 Star


@dataclass(frozen=True, slots=True)
class PaidQuote:
    """What a paid broadcast to `recipients` costs at most, in tenths of a Star (the messages
    Telegram lets through within its free limit cost nothing)."""

    recipients: int

    @property
    def star_tenths(self) -> int:
        return self.recipients * STAR_TENTHS_A_MESSAGE


def offers_paid(actor: int, owner_ids: Collection[int], recipients: int) -> bool:
    """Whether to offer `actor` a paid broadcast for a push to `recipients`."""
    return actor in owner_ids and recipients >= PAID_FROM


def require_owner(actor: int, owner_ids: Collection[int]) -> None:
    """PushRefused("owner") unless `actor` is an owner: asked before anything is read."""
    if actor not in owner_ids:
        raise PushRefused("owner")
