"""Notices of the live chat: a member's message to the admins and owners (with a Reply
button), and a staff member's reply to the member, in the merchant's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberMessage:
    """To the admins and owners: a member wrote to the place."""

    kind: ClassVar[str] = "chat_message"
    message_id: int
    merchant: str  # owners hold every merchant: the message says which one it is for
    member: str | None  # the member's first name
    member_id: int  # their member number
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffReply:
    """To the member: the place's answer to their message or to their low rating."""

    kind: ClassVar[str] = "chat_reply"
    merchant: str
    text: str
