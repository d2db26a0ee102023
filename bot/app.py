"""Factories that production and tests call the same way."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES, Settings
from bot.i18n import CatalogI18n, create_i18n
from bot.middlewares import ContextMiddleware
from handlers import get_routers
from handlers.gate import ConsentGate
from services.clock import Clock, utc_now

logger = logging.getLogger(__name__)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """A Bot with HTML parse mode; TELEGRAM_API_URL points it at another Bot API server."""
    if session is None:
        session = AiohttpSession()
        if settings.telegram_api_url:
            session.api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    elif settings.telegram_api_url:
        session.api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
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
) -> Dispatcher:
    i18n = i18n or create_i18n(settings.default_language)
    dp = Dispatcher(storage=storage or MemoryStorage())
    dp.update.outer_middleware(ContextMiddleware(settings, session_factory, i18n, clock))
    gate = ConsentGate()
    dp.message.middleware(gate)
    dp.callback_query.middleware(gate)
    dp.include_routers(*get_routers())
    dp["i18n"] = i18n
    return dp


def command_list() -> list[BotCommand]:
    """The menu of commands, in the current locale."""
    return [
        BotCommand(command="card", description=_("Your card, balance and level")),
        BotCommand(command="code", description=_("A payment code for the till")),
        BotCommand(command="invite", description=_("Invite friends")),
        BotCommand(command="history", description=_("Points history")),
        BotCommand(command="profile", description=_("Birthday, phone, offers")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="help", description=_("How it works")),
    ]


async def set_commands(bot: Bot, i18n: CatalogI18n) -> None:
    """Register the command menu for each language, and the default language for the rest."""
    with i18n.context():
        for language in LANGUAGES:
            with i18n.use_locale(language):
                await bot.set_my_commands(
                    command_list(), scope=BotCommandScopeDefault(), language_code=language
                )
        with i18n.use_locale(i18n.default_locale):
            await bot.set_my_commands(command_list(), scope=BotCommandScopeDefault())
