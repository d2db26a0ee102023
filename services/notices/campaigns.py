"""Notices of pushes: the push itself, and the summary to its author when it is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Push:
    """A merchant's news to its opted-in members: Telegram HTML, a photo, a link button."""

    kind: ClassVar[str] = "push"
    text: str
    photo: str | None = None  # a Telegram file_id
    button_text: str | None = None
    button_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PushDone:
    """To a push's author: how many it reached once nothing of it waits any more."""

    kind: ClassVar[str] = "push_done"
    campaign_id: int
    recipients: int
    sent: int
    failed: int
    blocked: int
