"""/language and the profile's language button: the bot's language for this person."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import customer_commands, set_chat_commands, staff_commands
from handlers.i18n import CatalogI18n
from handlers.ui.callbacks import Language, ProfileAction, ProfileCb
from handlers.ui.edit import edit_text
from handlers.ui.keyboards import language_keyboard, main_menu
from handlers.ui.render import LANGUAGE_NAMES
from services.dto import MemberContext
from services.members import MemberService
from services.staff import StaffService

router = Router(name=__name__)


async def ask_language(target: Message) -> None:
    await target.answer(_("Choose your language:"), reply_markup=language_keyboard())


@router.message(Command("language"))
async def cmd_language(message: Message) -> None:
    await ask_language(message)


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.LANGUAGE))
async def cb_ask_language(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await ask_language(query.message)


@router.callback_query(Language.filter(F.code.in_(LANGUAGE_NAMES)))
async def cb_language_chosen(
    query: CallbackQuery,
    callback_data: Language,
    ctx: MemberContext,
    members: MemberService,
    i18n: CatalogI18n,
    bot: Bot,
    staff: StaffService,
) -> None:
    language = await members.set_language(ctx.telegram_id, callback_data.code)
    role = await staff.role(ctx.merchant.id, ctx.telegram_id)
    with i18n.use_locale(language):
        # The command menu follows the chosen language in this chat, not the app's.
        commands = staff_commands(role) if role else customer_commands()
        await set_chat_commands(bot, ctx.telegram_id, commands)
        if isinstance(query.message, Message):
            await edit_text(
                query.message,
                _("🌐 Language: {language}").format(language=LANGUAGE_NAMES[language]),
            )
            await query.message.answer(
                _("The menu is in your language now."), reply_markup=main_menu()
            )
