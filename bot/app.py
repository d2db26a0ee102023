"""Factories that production and tests call the same way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.middlewares import ContextMiddleware, MetricsMiddleware
from bot.routing import RoutingDispatcher
from bot.workplace import StampRequests, WorkplaceStamp
from handlers import get_routers
from handlers.answers import AnswerButtons
from handlers.commands import set_commands
from handlers.gate import ConsentGate
from handlers.i18n import CatalogI18n, create_i18n
from services.clock import Clock, utc_now

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """A Bot with HTML parse mode; TELEGRAM_API_URL points it at another Bot API server."""
    if session is None:
        session = AiohttpSession()
        if settings.telegram_api_url:
            session.api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    elif settings.telegram_api_url:
        session.api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    # Staff messages name the merchant they are about (bot/workplace.py).
    session.middleware(StampRequests())
    return Bot(
        token=settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


def create_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    i18n: CatalogI18n | None = None,
    clock: Clock = utc_now,
    storage: BaseStorage | None = None,
    wake_sender: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
) -> Dispatcher:
    i18n = i18n or create_i18n(settings.default_language)
    dp = RoutingDispatcher(storage=storage or MemoryStorage())
    if metrics is not None:  # first: its time includes the update's session and context
        dp.update.outer_middleware(MetricsMiddleware(metrics))
    dp.update.outer_middleware(ContextMiddleware(settings, session_factory, i18n, clock))
    dp.update.outer_middleware(AnswerButtons())  # inside the update's context: its language
    gate = ConsentGate()
    dp.message.middleware(gate)
    dp.callback_query.middleware(gate)
    stamp = WorkplaceStamp()  # with the bot's StampRequests (create_bot)
    dp.message.middleware(stamp)
    dp.callback_query.middleware(stamp)
    dp.include_routers(*get_routers())
    inline_sync_filters(dp)
    dp["i18n"] = i18n
    # Handlers call it after a use case queued messages; a separate worker polls instead.
    dp["wake_sender"] = wake_sender or (lambda: None)
    return dp


def inline_sync_filters(dp: Dispatcher) -> None:
    """Run plain-function filters (F.text == ..., StateFilter's states, handlers/ui/filters.py)
    on the event loop. aiogram runs every callable that is not a coroutine function in a
    worker thread (asyncio.to_thread); for a filter that compares a string, the hop to the
    thread and back costs a hundred times the comparison, and a /card passed five of them."""
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for event_filter in handler.filters or ():
                    _inline(event_filter)


def _inline(event_filter: CallableObject) -> None:
    if event_filter.awaitable:
        return
    check = event_filter.callback

    async def on_loop(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    # The parameters aiogram passes were read from `check` already (CallableObject.params).
    on_loop.__wrapped__ = check  # type: ignore[attr-defined]
    event_filter.callback, event_filter.awaitable = on_loop, True


__all__ = ["create_bot", "create_dispatcher", "set_commands"]
