"""Texts of the push notices (services/notices/campaigns.py)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from services.notices import Push, PushDone


def push_keyboard(push: Push) -> InlineKeyboardMarkup | None:
    """The push's link button, if it has one."""
    if not push.button_url:
        return None
    text = push.button_text or _("Open")
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, url=push.button_url)]]
    )


def push_done_text(done: PushDone) -> str:
    """Each count on its own line after a label, so no count bends a verb."""
    return "\n".join(
        [
            _("📣 Push #{id} is done.").format(id=done.campaign_id),
            _("Delivered: {sent} of {recipients}").format(
                sent=done.sent, recipients=done.recipients
            ),
            _("Blocked the bot: {blocked}").format(blocked=done.blocked),
            _("Not delivered (errors): {failed}").format(failed=done.failed),
        ]
    )
