"""`loyalty-bot web`: one of several replicas that take Telegram's updates over HTTPS (behind a
reverse proxy that terminates TLS), and the health server of the worker.

Each replica serves the production dispatcher with its conversations in Redis and everything
else in PostgreSQL, so any replica can take any update. An update is handled while Telegram
waits for the answer (aiogram's handle_in_background=False): a replica that dies mid-update
never acknowledged it, so Telegram delivers it again, to another replica, and db/once.py
makes the second delivery harmless; a replica that is stopped lets the updates in progress
finish (aiohttp waits for its requests). Requests without the webhook's secret are refused with
401 before anything reads them.

The replicas neither register the webhook (`loyalty-bot set-webhook`, once) nor send queued
messages or run the scheduled jobs (`loyalty-bot worker`, one of which holds the lease).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from bot.bootstrap import ensure_default_merchant
from bot.config import Settings, SettingsError
from bot.connect import reason
from bot.health import add_ops_routes
from bot.heap import settle
from bot.metrics import Metrics, SenderStatsView
from bot.runner import check_token, redis_storage
from db.engine import create_engine, create_session_factory
from handlers.i18n import create_i18n
from services.dto import MerchantView

logger = logging.getLogger(__name__)
# How long a stopping replica lets its updates in progress finish before it cancels them;
# below Telegram's 60 s, and the container's stop grace period must be longer.
SHUTDOWN_SECONDS = 25.0


def create_web_app(
    dp: Dispatcher,
    bot: Bot,
    engine: AsyncEngine,
    metrics: Metrics,
    redis: Any | None,
    *,
    secret: str,
    path: str = "/webhook",
) -> web.Application:
    """The webhook at `path` (WEBHOOK_PATH; requests without `secret` get 401), /healthz and
    /metrics. It closes nothing: whoever made the bot, the engine and the storage closes them
    after the server stopped (aiohttp's on_shutdown would run before the updates in progress
    finished)."""
    app = web.Application()
    webhook = SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=secret)
    app.router.add_post(path, webhook.handle)
    add_ops_routes(app, engine, redis, metrics)
    return app


async def default_merchant(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> MerchantView:
    """The default merchant; replicas starting together on a fresh database both try to
    create it, and the one that loses reads the winner's."""
    try:
        async with session_factory() as session:
            return await ensure_default_merchant(settings, session)
    except IntegrityError:
        async with session_factory() as session:
            return await ensure_default_merchant(settings, session)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM (docker stop, a rolling update) or SIGINT (Ctrl+C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (0: a free port); returns the runner and the port."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise SettingsError(f"cannot listen on {host}:{port}: {reason(error)}") from None
    except BaseException:
        await runner.cleanup()
        raise
    for address in runner.addresses:
        return runner, int(address[1])
    return runner, port  # pragma: no cover - a started TCP site has an address


async def serve_webhook(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    port: int | None = None,
    stop: asyncio.Event | None = None,
    listening: asyncio.Future[int] | None = None,
) -> None:
    """Serve updates until SIGTERM or SIGINT (or `stop`), then stop taking requests, let the
    updates in progress finish, and close the bot's session, Redis and the database.
    `session`, `port` (0: a free one), `stop` and `listening` (set to the port) are for tests."""
    secret = settings.require_webhook_mode()  # before anything opens a connection
    assert settings.redis_url is not None  # checked just now
    stop = stop or stop_on_signals()
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    storage = redis_storage(settings.redis_url)
    assert isinstance(storage, RedisStorage)
    bot = create_bot(settings, session=session)
    metrics = Metrics()
    i18n = create_i18n(settings.default_language)
    dp = create_dispatcher(settings, session_factory, i18n=i18n, storage=storage, metrics=metrics)
    runner: web.AppRunner | None = None
    try:
        merchant = await default_merchant(settings, session_factory)
        username = await check_token(bot)
        app = create_web_app(
            dp, bot, engine, metrics, storage.redis, secret=secret, path=settings.webhook_path
        )
        chosen = settings.web_port if port is None else port
        runner, bound = await start_site(app, settings.web_host, chosen)
        # ---- IN_PROCESS_WORKER -------------------------------------------------------------
        # A replica runs no sender and no scheduler: `loyalty-bot worker` does, one of them by
        # lease. Were IN_PROCESS_WORKER to start them here too, this is the place: start the
        # leased loop of bot/worker.py as a task on `stop`, pass its sender's wake to
        # create_dispatcher above, and await the task after runner.cleanup() below. Every
        # replica would then stand by for the lease, and one would send.
        # --------------------------------------------------------------------------------------
        settle()
        logger.info(
            "web: bot @%s serves merchant %r; updates at %s:%d%s",
            username,
            merchant.slug,
            settings.web_host,
            bound,
            settings.webhook_path,
        )
        if listening is not None:
            listening.set_result(bound)
        await stop.wait()
        logger.info("web: stopping; the updates in progress finish first")
    finally:
        if runner is not None:
            await runner.cleanup()  # no new connections; waits for the requests in progress
        await storage.close()
        await bot.session.close()
        await engine.dispose()
    logger.info("web: stopped")


async def start_health_server(
    settings: Settings,
    engine: AsyncEngine,
    stats: SenderStatsView | None = None,
    port: int | None = None,
    host: str | None = None,
) -> web.AppRunner:
    """/healthz and /metrics of a worker on WORKER_PORT (`port` overrides it; 0: a free
    port, see `runner.addresses`). /healthz asks Redis too when REDIS_URL is set; /metrics
    shows the outbox and, given the sender's `stats`, its counters. The caller stops it with
    `await runner.cleanup()`, which closes the Redis client it opened too."""
    redis: Any | None = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
    app = web.Application()
    add_ops_routes(app, engine, redis, Metrics(sender_stats=stats))
    if redis is not None:

        async def close_redis(_app: web.Application) -> None:
            await redis.aclose()

        app.on_cleanup.append(close_redis)
    chosen = settings.worker_port if port is None else port
    runner, _ = await start_site(app, host or settings.web_host, chosen)
    return runner
