"""Texts of the live chat's notices (services/notices/chat.py): a member's message to the
admins and owners, with its Reply button, and the place's answer to the member."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.ui.care_callbacks import ChatReplyCb
from handlers.ui.chat_render import member_name
from services.notices import MemberMessage, StaffReply


def member_message_text(body: MemberMessage) -> str:
    return _("💬 {member} writes to {merchant}:\n\n{text}").format(
        member=member_name(body.member, body.member_id),
        merchant=escape(body.merchant),
        text=escape(body.text),
    )


def member_message_keyboard(body: MemberMessage) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("💬 Reply"), callback_data=ChatReplyCb(message_id=body.message_id))
    return kb.as_markup()


def staff_reply_text(body: StaffReply) -> str:
    return f"💬 {escape(body.merchant)}: {escape(body.text)}"
