"""One message handed to Telegram, and what Telegram's answer means for its outbox row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import Response
from aiogram.types import InlineKeyboardMarkup, Message

from services.states import OutboxStatus

MAX_ATTEMPTS = 5
BLOCKED = "403: blocked by the user"
# What a send may raise that says what became of the message (anything else is a bug).
REFUSALS = (TelegramAPIError, TimeoutError, OSError)

# aiogram parses every answer as Response[<type>], and pydantic caches parametrized models
# only weakly: the garbage collector takes Response[Message] away now and then, and the next
# send rebuilds it (about 25 ms, 60 times in 3000 messages of the bench). Held here, it stays.
KEEP_PARSED = Response[Message]

# (bot, chat id, text, keyboard, photo, paid broadcast)
Send = Callable[[Bot, int, str, InlineKeyboardMarkup | None, str | None, bool], Awaitable[None]]


async def send_message(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    photo: str | None,
    paid: bool,
) -> None:
    """A message, or a photo with it as the caption; `paid`: as a paid broadcast."""
    paid_broadcast = True if paid else None  # left out of the request unless paid
    if photo:
        await bot.send_photo(
            chat_id,
            photo,
            caption=text,
            reply_markup=keyboard,
            allow_paid_broadcast=paid_broadcast,
        )
    else:
        await bot.send_message(
            chat_id, text, reply_markup=keyboard, allow_paid_broadcast=paid_broadcast
        )


def verdict(error: Exception, attempts: int) -> tuple[OutboxStatus, str, float]:
    """What a refused send means for its row: its status, the error kept on it, and in how
    many seconds it is due again (PENDING only).

    429: again after `retry_after`. 403: the customer blocked the bot. 400: the text itself
    is wrong, not retried. Network and server errors: again with backoff, at most
    MAX_ATTEMPTS attempts. Any other (401, 404, 409, 413, a migrated chat...): not retried."""
    if isinstance(error, TelegramRetryAfter):
        return OutboxStatus.PENDING, "429", float(error.retry_after)
    if isinstance(error, TelegramForbiddenError):
        return OutboxStatus.BLOCKED, BLOCKED, 0.0
    if isinstance(error, TelegramBadRequest):
        return OutboxStatus.FAILED, f"400: {error.message}"[:200], 0.0
    if isinstance(error, TelegramNetworkError | TelegramServerError | TimeoutError | OSError):
        reason = f"network: {type(error).__name__}"
        if attempts >= MAX_ATTEMPTS:
            return OutboxStatus.FAILED, reason, 0.0
        return OutboxStatus.PENDING, reason, float(2**attempts)
    message = getattr(error, "message", "")
    return OutboxStatus.FAILED, f"{type(error).__name__}: {message}"[:200], 0.0
