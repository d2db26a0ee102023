"""The live chat as people read it: the offer to send a member's text, what they are told
after Send, the reply form of the staff, and the inbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime

from handlers.ui.callbacks import BigId
from handlers.ui.care_callbacks import ChatReplyCb
from handlers.ui.render import date_locale, date_time, whole_number
from handlers.ui.report_render import shorten
from services.chat import Delivered, Inbox, ReplyTarget, ReplyTo


class DraftAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"


class ChatCb(CallbackData, prefix="chat"):
    """Send or Cancel of a member's draft."""

    action: DraftAction
    draft_id: BigId


def offer_text(merchant: str) -> str:
    return _("Send this to {merchant}?").format(merchant=escape(merchant))


def offer_keyboard(draft_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📨 Send"), callback_data=ChatCb(action=DraftAction.SEND, draft_id=draft_id))
    kb.button(
        text=_("✖️ Cancel"), callback_data=ChatCb(action=DraftAction.CANCEL, draft_id=draft_id)
    )
    return kb.as_markup()


def opens_text(opens_at: datetime, timezone: str) -> str:
    """Monday 08:00, in the reader's language."""
    return format_datetime(opens_at, "EEEE HH:mm", locale=date_locale(timezone))


def delivered_text(sent: Delivered, timezone: str) -> str:
    text = _("📨 Sent to {merchant}. The answer will come here.").format(
        merchant=escape(sent.merchant)
    )
    if sent.opens_at is not None:
        text += "\n" + _("We open at {when}; we'll answer then.").format(
            when=opens_text(sent.opens_at, timezone)
        )
    return text


def member_name(name: str | None, member_id: int, html: bool = True) -> str:
    if name:
        return escape(name) if html else name
    return _("member #{id}").format(id=member_id)


def reply_prompt(target: ReplyTarget, limit: int) -> str:
    who = escape(target.member or _("the customer"))
    lines = []
    if target.by_you:
        lines.append(
            _("You already answered this message; you may still add a reply.")
            if target.to == ReplyTo.MESSAGE
            else _("You already answered this rating; you may still add a reply.")
        )
    elif target.answered_by is not None:
        by = escape(target.answered_by) if target.answered_by else _("An owner")
        lines.append(
            _("{name} has already answered this message; you may still add a reply.").format(
                name=by
            )
            if target.to == ReplyTo.MESSAGE
            else _("{name} has already answered this rating; you may still add a reply.").format(
                name=by
            )
        )
    if target.text:
        lines.append(f"<i>{escape(shorten(target.text, 300))}</i>")
    lines.append(
        ngettext(
            "Write your answer to {name} (up to {limit} character), or /cancel.",
            "Write your answer to {name} (up to {limit} characters), or /cancel.",
            limit,
        ).format(name=who, limit=whole_number(limit))
    )
    return "\n\n".join(lines)


def replied_text(target: ReplyTarget, warned: bool = False) -> str:
    """Sent; and who answered meanwhile, unless the prompt said it was answered already."""
    if target.answered_by is not None and not warned:
        by = escape(target.answered_by) if target.answered_by else _("An owner")
        return _("⚠️ {name} answered meanwhile; your answer was sent too.").format(name=by)
    return _("✅ Your answer was sent to {name}.").format(
        name=escape(target.member or _("the customer"))
    )


def too_long_text(length: int, limit: int) -> str:
    return ngettext(
        "That is {length} character; the limit is {limit}. Please shorten it.",
        "That is {length} characters; the limit is {limit}. Please shorten it.",
        length,
    ).format(length=whole_number(length), limit=whole_number(limit))


def inbox_text(inbox: Inbox) -> str:
    if not inbox.total:
        return _("📭 No unanswered messages.")
    lines = [
        ngettext(
            "📬 {count} unanswered message:",
            "📬 {count} unanswered messages:",
            inbox.total,
        ).format(count=whole_number(inbox.total))
    ]
    for entry in inbox.entries:
        who = member_name(entry.member, entry.member_id)
        when = date_time(entry.created_at, inbox.timezone)
        lines.append(f"\n<b>{who}</b>, {when}\n{escape(shorten(entry.text, 200))}")
    if inbox.total > len(inbox.entries):
        lines.append("\n" + _("The oldest are shown; answer them to see the rest."))
    return "\n".join(lines)


def inbox_keyboard(inbox: Inbox) -> InlineKeyboardMarkup | None:
    if not inbox.entries:
        return None
    kb = InlineKeyboardBuilder()
    for entry in inbox.entries:
        kb.button(
            text=_("💬 Reply to {name}: {text}").format(
                name=member_name(entry.member, entry.member_id, html=False),
                text=shorten(entry.text, 24),
            ),
            callback_data=ChatReplyCb(message_id=entry.message_id),
        )
    kb.adjust(1)
    return kb.as_markup()
