"""The last router: anything no other handler took."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.ui.keyboards import main_menu

router = Router(name=__name__)


@router.message()
async def msg_unknown(message: Message) -> None:
    await message.answer(
        _("Sorry, I didn't get that. Use the menu below or /help."), reply_markup=main_menu()
    )


@router.callback_query(flags={"guest": True})
async def cb_unknown(query: CallbackQuery, answer: Answer) -> None:
    # Buttons from an old version of the bot, or forged ones: say so instead of spinning
    # forever. Guests too: a cashier is rarely a member, and the rules are no answer to that.
    answer.toast(_("This button is no longer active."))
