"""Until a person accepts the rules, every update is answered with the rules and one button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

from handlers.ui.keyboards import consent_keyboard
from handlers.ui.render import rules_text
from services.dto import MemberContext, MerchantView


async def send_rules(
    target: Message, merchant: MerchantView, ref: str | None = None, src: str | None = None
) -> None:
    await target.answer(
        rules_text(merchant),
        reply_markup=consent_keyboard(merchant.id, merchant.rules_version, ref or "", src or ""),
    )


class ConsentGate(BaseMiddleware):
    """Inner middleware: handlers flagged `guest` run for everyone, the rest for members only."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ctx: MemberContext | None = data.get("ctx")
        if ctx is None or ctx.is_member or get_flag(data, "guest"):
            return await handler(event, data)
        if isinstance(event, Message):
            await send_rules(event, ctx.merchant)
        elif isinstance(event, CallbackQuery):
            await event.answer()
            if isinstance(event.message, Message):
                await send_rules(event.message, ctx.merchant)
        return None
