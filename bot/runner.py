"""The long-running processes: the bot (polling, with the sender and the scheduler in-process
by default) and the worker (those two alone, for a deployment that scales the bot out). Both
run them under their leases (bot/worker.py): any number of either may run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiogram import Bot
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder

from bot.app import create_bot, create_dispatcher, set_commands
from bot.bootstrap import ensure_default_merchant
from bot.config import Settings, SettingsError
from bot.heap import settle
from bot.worker import Worker, create_scheduler, create_sender
from db.engine import create_engine, create_session_factory
from handlers.commands import set_profile
from handlers.i18n import create_i18n

__all__ = [
    "check_token",
    "create_scheduler",
    "create_sender",
    "redis_storage",
    "run_polling",
    "run_worker",
]

logger = logging.getLogger(__name__)


async def check_token(bot: Bot) -> str:
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
    worker = Worker(settings, bot, session_factory, i18n)
    in_process = settings.in_process_worker
    dp = create_dispatcher(
        settings,
        session_factory,
        i18n=i18n,
        storage=storage,
        wake_sender=worker.wake if in_process else None,
    )
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        username = await check_token(bot)
        logger.info("bot @%s serves merchant %r", username, merchant.slug)
        await set_commands(bot, i18n)
        await set_profile(bot, i18n, merchant.name)
        if in_process:
            task = asyncio.create_task(worker.serve(stop))
        settle()
        await dp.start_polling(bot, handle_signals=True)
    finally:
        stop.set()  # the sender and the scheduler halt, then their leases are released
        if task is not None:
            await task
        await bot.session.close()
        await engine.dispose()


async def run_worker(settings: Settings) -> None:
    """The sender and the scheduler under their leases, until SIGINT or SIGTERM; a second
    worker waits as a standby. /healthz and /metrics on WORKER_PORT (0: none)."""
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
    health = None
    try:
        await check_token(bot)
        worker = Worker(settings, bot, session_factory, i18n)
        if settings.worker_port:  # /healthz, and /metrics with the sender's stats
            from bot.web import start_health_server  # not above: bot/web.py imports this

            health = await start_health_server(settings, engine, worker.stats)
        logger.info("worker %s started: the scheduler and the outbox sender", worker.holder)
        settle()
        await worker.serve(stop)
    finally:
        if health is not None:
            await health.cleanup()
        await bot.session.close()
        await engine.dispose()
