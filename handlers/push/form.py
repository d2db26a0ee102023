"""What every step of the push form shares: its states, its buttons, who may use it, the push
as composed so far, and how a refused push is worded."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.deps import Handler
from handlers.ui.callbacks import PushStep
from services.campaigns import CampaignService
from services.dto import MemberContext
from services.errors import PushRefused
from services.notices import Push

STAFF = {"staff": True}


class PushForm(StatesGroup):
    text = State()
    photo = State()
    button = State()
    days = State()
    schedule = State()


class AdminsOnly(BaseMiddleware):
    """Every push command, step and button checks the sender's role before anything else: a
    revoked admin mid-form, or anyone pressing an old or forged button, learns nothing (the
    refusal: handlers/push/__init__.py)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: MemberContext | None = data.get("ctx")
        if ctx is None:
            return None
        campaigns: CampaignService = data["campaigns"]
        await campaigns.check_admin(ctx.work_merchant_id, ctx.telegram_id)
        return await handler(event, data)


def step(action: str, value: str = "") -> str:
    # ":" separates callback fields, so a segment such as lang:pl travels as lang-pl.
    return PushStep(action=action, value=value.replace(":", "-")).pack()


def button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=step(action, value))


def composed(data: dict[str, Any]) -> Push:
    """The push as composed so far in the form's data: for the preview and the queue."""
    return Push(
        text=data["text"],
        photo=data.get("photo"),
        button_text=data.get("button_text"),
        button_url=data.get("button_url"),
    )


def admins_only() -> str:
    return _("Only the admins of this place can send pushes.")


def no_longer_open() -> str:
    return _("This push is no longer open. Start again with /push.")


def refused(error: PushRefused) -> str:
    return {
        "too_long": ngettext(
            "That is {count} character; a push can have at most 1000.",
            "That is {count} characters; a push can have at most 1000.",
            error.count,
        ).format(count=error.count),
        "html": _(
            "The formatting is not valid. Use Telegram's bold, italic and links, or close "
            "every tag you open."
        ),
        "url": _("That link is not valid. Send it like: Menu | https://example.com"),
        "button_text": _("The button text is too long (40 characters at most)."),
        "segment": _("Choose who gets the push with the buttons."),
        "audience": _("Nobody in that segment has opted in to news. Choose another."),
        "time": _("Send the time like 24.12 18:30, in the future."),
        "owner": _("Only the owner can send a push as a paid broadcast."),
    }.get(error.reason, _("Something in the push is not right. Please try again."))


# --- what each step asks (again, when it gets something else: handlers/form_fallbacks.py) ---


def skip(action: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(_("Skip"), action)]])


async def ask_text(target: Message) -> None:
    await target.answer(
        _(
            "✍️ Send the text of the push, or a photo with the text as its caption: up to 1000 "
            "characters; bold, italic and links are fine. /cancel to stop."
        )
    )


async def ask_photo(target: Message) -> None:
    await target.answer(
        _(
            "Add a photo or a link button? Send a photo, or a link like: Menu | "
            "https://example.com — or skip."
        ),
        reply_markup=skip("skip_photo"),
    )


async def ask_link(target: Message) -> None:
    await target.answer(
        _("Add a link button? Send it like: Menu | https://example.com — or skip."),
        reply_markup=skip("skip_button"),
    )


def days_wanted() -> str:
    return _("Send the number of days in digits, for example 30; ten years at most.")


def time_wanted() -> str:
    return _("When? Send the date and time like 24.12 18:30 (the merchant's local time).")
