"""/help."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.ui.keyboards import main_menu

router = Router(name=__name__)


def help_text() -> str:
    return _(
        "ℹ️ <b>How it works</b>\n"
        "Show your payment code at the till: you earn points on every purchase and can pay "
        "part of a check with them. Your level grows with your purchases and with friends "
        "you bring.\n\n"
        "/card – your card, balance and level\n"
        "/code – a one-time payment code for the till\n"
        "/invite – your link to invite friends\n"
        "/history – your points history\n"
        "/profile – birthday, phone, news and offers\n"
        "/language – change the language\n"
        "/help – this help"
    )


@router.message(Command("help"))
async def cmd_help(message: Message) -> None:
    await message.answer(help_text(), reply_markup=main_menu())
