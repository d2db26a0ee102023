"""Telegram's side of webhook mode, set once for the deployment: `loyalty-bot set-webhook URL`
(and back to polling with `delete-webhook`), not by each replica as it starts, which would
race the others and reset the queue's settings at every rolling restart.

A bot has either a webhook or long polling. `loyalty-bot run` on a bot with a webhook stops
with a one-line hint rather than deleting it: that bot is being served by the replicas, and a
poller started by mistake (a laptop with the production .env) would silently take every update
away from them.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import AiogramError, TelegramAPIError
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app import create_bot, create_dispatcher
from bot.config import Settings, SettingsError, check_webhook_url
from handlers.commands import set_commands, set_profile
from handlers.i18n import create_i18n


def used_update_types(settings: Settings) -> list[str]:
    """The update types the production dispatcher handles: Telegram sends no others. The
    dispatcher is built only to be asked, so it needs no database and no key of markers (a
    throwaway one keeps it from creating MARKER_KEY_FILE)."""
    unused = settings.model_copy(update={"marker_key": SecretStr("x" * 32)})
    return create_dispatcher(unused, async_sessionmaker()).resolve_used_update_types()


async def set_webhook(
    settings: Settings,
    url: str,
    merchant_name: str,
    *,
    drop_pending: bool = False,
    session: BaseSession | None = None,
) -> str:
    """Register the webhook, the command menu and the bot's description; returns one line
    saying what was set (never the secret)."""
    check_webhook_url(url)
    secret = settings.require_webhook_mode()
    allowed = used_update_types(settings)
    bot = create_bot(settings, session=session)
    try:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=allowed,
            max_connections=settings.webhook_max_connections,
            drop_pending_updates=drop_pending,
        )
        i18n = create_i18n(settings.default_language)
        await set_commands(bot, i18n)
        await set_profile(bot, i18n, merchant_name)
    except TelegramAPIError as error:
        raise SettingsError(f"setWebhook failed: {error.message.splitlines()[0]}") from None
    finally:
        await bot.session.close()
    dropped = ", pending updates dropped" if drop_pending else ""
    return (
        f"webhook set: {url} (updates: {', '.join(allowed)}; "
        f"max connections {settings.webhook_max_connections}; secret token set{dropped})"
    )


async def delete_webhook(
    settings: Settings, *, drop_pending: bool = False, session: BaseSession | None = None
) -> str:
    """Back to long polling: `loyalty-bot run` works again."""
    bot = create_bot(settings, session=session)
    try:
        await bot.delete_webhook(drop_pending_updates=drop_pending)
    finally:
        await bot.session.close()
    dropped = " (pending updates dropped)" if drop_pending else ""
    return f"webhook deleted{dropped}: `loyalty-bot run` can poll again"


async def refuse_if_webhook(settings: Settings, session: BaseSession | None = None) -> None:
    """A one-line SettingsError when the bot has a webhook (polling would only get 409s).
    When that cannot be told (Telegram unreachable, the token refused), say nothing: the
    poller's own start says it."""
    bot: Bot = create_bot(settings, session=session)
    try:
        info = await bot.get_webhook_info()
    except AiogramError:
        return
    finally:
        await bot.session.close()
    if info.url:
        raise SettingsError(
            f"this bot has a webhook ({info.url}), so it cannot poll: "
            "run `loyalty-bot delete-webhook` first, or serve it with `loyalty-bot web`"
        )
