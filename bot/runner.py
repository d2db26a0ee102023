"""The long-running process: polling, with everything wired from Settings."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramUnauthorizedError

from bot.app import create_bot, create_dispatcher, set_commands
from bot.config import Settings, SettingsError
from bot.db.engine import create_engine, create_session_factory
from bot.i18n import create_i18n
from services.merchants import MerchantService

logger = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        merchant = await MerchantService(session).ensure_default(
            slug=settings.merchant_slug,
            name=settings.merchant_name,
            currency=settings.merchant_currency,
            timezone=settings.merchant_timezone,
            language=settings.default_language,
            rules_version=settings.rules_version,
            code_ttl_seconds=settings.code_ttl_seconds,
        )
    i18n = create_i18n(settings.default_language)
    bot = create_bot(settings)
    storage = None
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        storage = RedisStorage.from_url(settings.redis_url)
    dp = create_dispatcher(settings, session_factory, i18n=i18n, storage=storage)
    try:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            raise SettingsError(
                "BOT_TOKEN was refused by Telegram: copy it again from @BotFather"
            ) from None
        logger.info("bot @%s serves merchant %r", me.username, merchant.slug)
        await set_commands(bot, i18n)
        await dp.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()
        await engine.dispose()
