"""The live chat: a member's free text offered to the staff, their replies, the inbox of
what is not answered yet, and replies to low ratings."""

from services.chat.erasure import forget_chat
from services.chat.service import ChatService
from services.chat.values import (
    DRAFT_LIMIT,
    REPLY_LIMIT,
    ChatRefused,
    ChatTooLong,
    Delivered,
    Draft,
    Inbox,
    InboxEntry,
    ReplyTarget,
    ReplyTo,
)

__all__ = [
    "DRAFT_LIMIT",
    "REPLY_LIMIT",
    "ChatRefused",
    "ChatService",
    "ChatTooLong",
    "Delivered",
    "Draft",
    "Inbox",
    "InboxEntry",
    "ReplyTarget",
    "ReplyTo",
    "forget_chat",
]
