"""Editing a message the user tapped, tolerant of the second tap.

Telegram answers 400 "message is not modified" when an edit changes nothing (a button pressed
twice, a page already shown). That is success for the user, not an error.
"""

from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message


async def edit_text(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            raise


async def drop_keyboard(message: Message) -> None:
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
