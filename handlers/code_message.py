"""One visible payment code per chat: a new code's message replaces the previous one.

The previous message's id is kept in the chat's FSM storage under its own destiny, so forms that
clear their state do not forget it, and a scaled deployment keeps it in Redis like the rest.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import gettext as _

logger = logging.getLogger(__name__)
DESTINY = "payment_code"


async def replace_code_message(state: FSMContext, bot: Bot, chat_id: int, message_id: int) -> None:
    """Remember `message_id` as the chat's code message and take the previous one away: deleted,
    or, when Telegram no longer lets the bot delete it (older than 48 hours), captioned as
    replaced. A message that is already gone is no matter."""
    slot = FSMContext(state.storage, replace(state.key, destiny=DESTINY))
    previous = (await slot.get_data()).get("message_id")
    await slot.set_data({"message_id": message_id})
    if not isinstance(previous, int) or previous == message_id:
        return
    try:
        await bot.delete_message(chat_id, previous)
        return
    except TelegramAPIError:
        pass
    try:
        await bot.edit_message_caption(
            chat_id=chat_id,
            message_id=previous,
            caption=_("This code was replaced by a newer one."),
        )
    except TelegramAPIError:
        logger.info("an old code message could not be removed")
