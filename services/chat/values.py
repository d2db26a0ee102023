"""What the live chat's use cases return, and its refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.errors import DomainError, Refused

DRAFT_LIMIT = 2000  # characters of a member's message
REPLY_LIMIT = 1000  # characters of a staff reply


class ChatRefused(Refused):
    """Reasons: 'expired' (a draft too old to send), 'gone' (sent or cancelled already),
    'too_many' (the member sent many messages within the hour), 'not_found' (no such
    message or purchase here), 'left' (the member left the program)."""


class ChatTooLong(DomainError):
    """A message longer than `limit` characters."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(length)
        self.length, self.limit = length, limit


class ReplyTo(StrEnum):
    MESSAGE = "message"  # a member's message
    RATING = "rating"  # a low rating of a purchase


@dataclass(frozen=True, slots=True)
class Draft:
    id: int  # the member's Telegram message it came from
    merchant: str


@dataclass(frozen=True, slots=True)
class Delivered:
    """A member's message is with the staff; `opens_at` (local, the merchant's zone) when the
    place is closed now and opens later."""

    message_id: int
    merchant: str
    opens_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """What a staff member is about to answer; `answered_by` who answered it already
    ('' for an owner), None when nobody did; `by_you` when that was the presser."""

    to: ReplyTo
    id: int
    member: str | None
    text: str | None  # the member's message, or the rating's comment
    answered_by: str | None
    merchant: str = ""  # the merchant whose member it is: the reply goes in its name
    by_you: bool = False


@dataclass(frozen=True, slots=True)
class InboxEntry:
    message_id: int
    member: str | None
    member_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Inbox:
    entries: tuple[InboxEntry, ...]
    total: int
    timezone: str
