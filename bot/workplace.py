"""Every staff message names the merchant it is about, for a person who works in several.

Staff handlers carry the `staff` flag (handlers/*.py). While one of them runs for such a
person, `WorkplaceStamp` notes the merchant's line; the bot session's `StampRequests` puts it
at the top of what goes to that person's chat (a message, an edit, a caption). Handlers and
their renderers stay as they are, but for one acting on another merchant's alert, which names
that merchant with handlers/stamp.py `about`."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.flags import get_flag
from aiogram.methods import (
    EditMessageCaption,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject

from handlers.deps import Handler
from handlers.stamp import handler_scope, named
from handlers.ui.merchants_render import workplace_line
from services.dto import MemberContext

# (the chat, the merchant's name) while a staff handler runs for someone with several.
_STAMP: ContextVar[tuple[int, str] | None] = ContextVar("workplace_stamp", default=None)
_TEXT = (SendMessage, EditMessageText)
_CAPTION = (SendPhoto, SendDocument, EditMessageCaption)
_LIMITS = {"text": 4096, "caption": 1024}


class WorkplaceStamp(BaseMiddleware):
    """Inner middleware on messages and buttons: notes the working merchant for staff
    handlers of a person who may work in more than one."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: MemberContext | None = data.get("ctx")
        if (
            ctx is None
            or not ctx.works_in_several
            or ctx.staff_merchant_name is None
            or not get_flag(data, "staff")
        ):
            return await handler(event, data)
        token = _STAMP.set((ctx.telegram_id, ctx.staff_merchant_name))
        try:
            with handler_scope():
                return await handler(event, data)
        finally:
            _STAMP.reset(token)


class StampRequests(BaseRequestMiddleware):
    """On the bot's session: the noted merchant's line above what goes to that chat."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        stamp = _STAMP.get()
        if stamp is not None and getattr(method, "chat_id", None) == stamp[0]:
            # A handler acting on another merchant's alert names that one instead.
            method = stamped(method, named() or stamp[1])
        return await make_request(bot, method)


def stamped(method: TelegramMethod[TelegramType], name: str) -> TelegramMethod[TelegramType]:
    """The method with the merchant's line on top of its text or caption, when it has one
    that has room for it and no entities (their offsets would move)."""
    field, entities = (
        ("text", "entities")
        if isinstance(method, _TEXT)
        else ("caption", "caption_entities")
        if isinstance(method, _CAPTION)
        else ("", "")
    )
    if not field:
        return method
    body = getattr(method, field, None)
    if not isinstance(body, str) or getattr(method, entities, None):
        return method
    html = getattr(method, "parse_mode", None) is not None  # unset: the bot's default, HTML
    text = workplace_line(name, html=html) + "\n" + body
    if len(text) > _LIMITS[field]:
        return method
    return method.model_copy(update={field: text})
