"""The long-running processes: the bot (polling, with the sender in-process by default) and
the worker (the sender alone, for a deployment that scales the bot out)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher, set_commands
from bot.bootstrap import ensure_default_merchant
from bot.config import Settings, SettingsError
from bot.delivery import Sender
from bot.heap import settle
from bot.markers import marker_key
from bot.scheduler import Scheduler
from db.engine import create_engine, create_session_factory
from handlers.commands import set_profile
from handlers.i18n import CatalogI18n, create_i18n
from handlers.ui.notices import notice_text

logger = logging.getLogger(__name__)


def create_sender(
    settings: Settings,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: CatalogI18n,
) -> Sender:
    return Sender(bot, session_factory, i18n, notice_text, rate=settings.sender_rate)


def create_scheduler(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    wake: Callable[[], None],
) -> Scheduler:
    reminders = [timedelta(hours=settings.cart_reminder_hours)]
    if settings.cart_second_reminder:
        reminders.append(timedelta(hours=24))
    return Scheduler(
        session_factory,
        wake,
        cart_reminders=tuple(reminders),
        owner_ids=tuple(settings.owner_ids),
        marker_key=marker_key(settings),
    )


async def _check_token(bot: Bot) -> str:
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        raise SettingsError(
            "BOT_TOKEN was refused by Telegram: copy it again from @BotFather"
        ) from None
    return me.username or str(me.id)


def redis_storage(url: str) -> BaseStorage:
    """FSM storage shared by several processes. Keys carry the destiny: besides a chat's form,
    the chat keeps the message id of its current payment code (handlers/code_message.py)."""
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisStorage.from_url(url, key_builder=DefaultKeyBuilder(with_destiny=True))


async def run_polling(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        merchant = await ensure_default_merchant(settings, session)
    i18n = create_i18n(settings.default_language)
    bot = create_bot(settings)
    storage = redis_storage(settings.redis_url) if settings.redis_url else None
    sender = create_sender(settings, bot, session_factory, i18n)
    in_process = settings.in_process_worker
    dp = create_dispatcher(
        settings,
        session_factory,
        i18n=i18n,
        storage=storage,
        wake_sender=sender.wake if in_process else None,
    )
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    scheduler = create_scheduler(settings, session_factory, sender.wake)
    try:
        username = await _check_token(bot)
        logger.info("bot @%s serves merchant %r", username, merchant.slug)
        await set_commands(bot, i18n)
        await set_profile(bot, i18n, merchant.name)
        if in_process:
            task = asyncio.create_task(sender.run(stop))
            scheduler.start()
        settle()
        await dp.start_polling(bot, handle_signals=True)
    finally:
        scheduler.shutdown()
        stop.set()
        if task is not None:
            await task
        await bot.session.close()
        await engine.dispose()


async def run_worker(settings: Settings) -> None:
    """The sender on its own, until SIGINT or SIGTERM. Run exactly one."""
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        await ensure_default_merchant(settings, session)
    i18n = create_i18n(settings.default_language)
    bot = create_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await _check_token(bot)
        logger.info("worker started: the scheduler and the outbox sender")
        sender = create_sender(settings, bot, session_factory, i18n)
        scheduler = create_scheduler(settings, session_factory, sender.wake)
        scheduler.start()
        settle()
        try:
            await sender.run(stop)
        finally:
            scheduler.shutdown()
    finally:
        await bot.session.close()
        await engine.dispose()
