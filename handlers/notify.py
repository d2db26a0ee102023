"""Messages to people other than the one who acted: customers after a sale, admins on alerts.

Sent after the use case committed, each in its recipient's language. A recipient who blocked
the bot is skipped without failing the act that caused the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from bot.i18n import CatalogI18n
from handlers.ui.staff_render import notice_text
from services.sales import Notice

logger = logging.getLogger(__name__)


async def deliver(bot: Bot, i18n: CatalogI18n, notices: Iterable[Notice]) -> int:
    """Send each notice; returns how many were accepted by Telegram."""
    sent = 0
    for notice in notices:
        with i18n.use_locale(notice.language or i18n.default_locale):
            text, keyboard = notice_text(notice)
        if not text:
            continue
        try:
            await bot.send_message(notice.telegram_id, text, reply_markup=keyboard)
            sent += 1
        except TelegramForbiddenError:
            logger.info("notice %s not delivered: the recipient blocked the bot", notice.kind)
        except TelegramBadRequest as error:
            logger.warning("notice %s not delivered: %s", notice.kind, type(error).__name__)
    return sent
