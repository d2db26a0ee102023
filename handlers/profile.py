"""/profile: birthday, phone, news opt-in; /language."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from handlers.commands import customer_commands, set_chat_commands, staff_commands
from handlers.i18n import CatalogI18n
from handlers.ui.callbacks import (
    BirthdayConfirm,
    CardAction,
    EraseCb,
    Language,
    Nav,
    ProfileAction,
    ProfileCb,
)
from handlers.ui.edit import edit_text
from handlers.ui.filters import not_command, off_topic, plain_text
from handlers.ui.keyboards import (
    MENU_PROFILE,
    birthday_confirm_keyboard,
    erase_keyboard,
    language_keyboard,
    main_menu,
    phone_keyboard,
    profile_keyboard,
)
from handlers.ui.member_render import profile_text
from handlers.ui.render import LANGUAGE_NAMES, birthday_text, money, points
from services.dto import MemberContext
from services.errors import (
    BirthdayLocked,
    InvalidBirthday,
    InvalidPhone,
    NotAMember,
    NotOwnContact,
)
from services.members import MemberService
from services.policy import points_worth
from services.staff import StaffService

router = Router(name=__name__)


class ProfileForm(StatesGroup):
    birthday = State()
    phone = State()


def birthday_error(error: InvalidBirthday) -> str:
    return {
        "date": _("There is no such date. Please check the day and the month."),
        "future": _("That date is in the future. Please send your real birthday."),
        "too_old": _("That year is too long ago. Please check it."),
        "too_young": _("That year is too recent. Please check it."),
    }.get(
        error.reason,
        _("I couldn't read that date. Send it as DD.MM or DD.MM.YYYY, for example 24.05."),
    )


async def send_profile(target: Message, ctx: MemberContext, members: MemberService) -> None:
    profile = await members.profile(ctx.merchant.id, ctx.telegram_id)
    await target.answer(
        profile_text(profile), reply_markup=profile_keyboard(profile, ctx.merchant.id)
    )


@router.message(Command("profile"))
@router.message(F.text == MENU_PROFILE)
async def cmd_profile(message: Message, ctx: MemberContext, members: MemberService) -> None:
    await send_profile(message, ctx, members)


@router.callback_query(Nav.filter(F.to == CardAction.PROFILE))
async def cb_profile(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_profile(query.message, ctx, members)


# --- birthday ----------------------------------------------------------------------------


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.BIRTHDAY))
async def cb_ask_birthday(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, state: FSMContext
) -> None:
    profile = await members.profile(ctx.merchant.id, ctx.telegram_id)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if profile.birthday is not None:
        await query.message.answer(_("Your birthday is already set. To change it, ask the staff."))
        return
    await state.set_state(ProfileForm.birthday)
    await query.message.answer(
        _(
            "🎂 When is your birthday? Send it as DD.MM or DD.MM.YYYY, for example 24.05 or "
            "24.05.1990. The year is optional. /cancel to stop."
        )
    )


@router.message(StateFilter(ProfileForm.birthday), plain_text)
async def msg_birthday_entered(
    message: Message, ctx: MemberContext, members: MemberService, state: FSMContext
) -> None:
    try:
        birthday = await members.check_birthday(
            ctx.merchant.id, ctx.telegram_id, message.text or ""
        )
    except InvalidBirthday as error:
        await message.answer(birthday_error(error))
        return
    except BirthdayLocked:
        await state.clear()
        await message.answer(_("Your birthday is already set. To change it, ask the staff."))
        return
    await state.clear()
    await message.answer(
        _("Save {birthday} as your birthday? It can't be changed later without the staff.").format(
            birthday=birthday_text(birthday)
        ),
        reply_markup=birthday_confirm_keyboard(birthday),
    )


@router.message(StateFilter(ProfileForm.birthday), off_topic)
async def msg_birthday_expected(message: Message) -> None:
    # A sticker, a photo, a location...: the date is still wanted.
    await message.answer(birthday_error(InvalidBirthday("format")))


@router.callback_query(BirthdayConfirm.filter())
async def cb_confirm_birthday(
    query: CallbackQuery,
    callback_data: BirthdayConfirm,
    ctx: MemberContext,
    members: MemberService,
    state: FSMContext,
) -> None:
    if not isinstance(query.message, Message):
        return
    if not callback_data.save:
        await query.answer()
        await state.set_state(ProfileForm.birthday)
        await edit_text(query.message, _("OK, send your birthday again as DD.MM or DD.MM.YYYY."))
        return
    text = f"{callback_data.day}.{callback_data.month}"
    if callback_data.year:
        text += f".{callback_data.year}"
    try:
        profile = await members.set_birthday(ctx.merchant.id, ctx.telegram_id, text)
    except BirthdayLocked:
        await query.answer(_("Your birthday is already set. To change it, ask the staff."))
        return
    except InvalidBirthday as error:
        await query.answer(birthday_error(error), show_alert=True)
        return
    await query.answer()
    assert profile.birthday is not None
    text = _("🎂 Saved: {birthday}. We'll have a surprise for you!").format(
        birthday=birthday_text(profile.birthday)
    )
    if profile.gift_next_year:
        text += "\n" + _("It's coming up soon, so your birthday gift starts next year.")
    await edit_text(query.message, text)


# --- phone -------------------------------------------------------------------------------


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.PHONE))
async def cb_ask_phone(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await state.set_state(ProfileForm.phone)
        await query.message.answer(
            _("Press the button below to share your phone number. It is optional."),
            reply_markup=phone_keyboard(),
        )


@router.message(F.contact)
async def on_contact_shared(
    message: Message, ctx: MemberContext, members: MemberService, state: FSMContext
) -> None:
    assert message.contact is not None
    try:
        profile = await members.set_phone(
            ctx.merchant.id, ctx.telegram_id, message.contact.user_id, message.contact.phone_number
        )
    except NotOwnContact:
        await message.answer(_("Please share your own number with the button below."))
        return
    except InvalidPhone:
        await message.answer(_("That doesn't look like a phone number."))
        return
    await state.clear()
    await message.answer(_("📱 Thank you, your phone is saved."), reply_markup=main_menu())
    await message.answer(
        profile_text(profile), reply_markup=profile_keyboard(profile, ctx.merchant.id)
    )


@router.message(StateFilter(ProfileForm.phone), not_command)
async def msg_phone_expected(message: Message) -> None:
    await message.answer(
        _("Please use the button below to share your phone, or /cancel."),
        reply_markup=phone_keyboard(),
    )


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.CLEAR_PHONE))
async def cb_clear_phone(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    profile = await members.clear_phone(ctx.merchant.id, ctx.telegram_id)
    await query.answer(_("Your phone number is removed."))
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            profile_text(profile),
            reply_markup=profile_keyboard(profile, ctx.merchant.id),
        )


# --- leaving the program ------------------------------------------------------------------


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.ERASE))
async def cb_erase_ask(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    card = await members.card(ctx.merchant.id, ctx.telegram_id)
    text = _(
        "Leave the loyalty program of {merchant} and delete your data?\n\n"
        "• Your card and your balance of {points} ({value}) are gone for good.\n"
        "• Your name, birthday, phone and settings are deleted.\n"
        "• Your purchases stay in the shop's accounts, with no name attached.\n\n"
        "You can join again later, as a new member."
    ).format(
        merchant=escape(card.merchant.name),
        points=points(card.balance_minor),
        value=money(
            points_worth(card.balance_minor, card.merchant.point_value_minor),
            card.merchant.currency,
        ),
    )
    await query.answer()
    if isinstance(query.message, Message):
        membership = ctx.membership_id or 0
        await edit_text(
            query.message, text, reply_markup=erase_keyboard(ctx.merchant.id, membership)
        )


@router.callback_query(EraseCb.filter(F.confirm))
async def cb_erase(
    query: CallbackQuery,
    callback_data: EraseCb,
    ctx: MemberContext,
    members: MemberService,
    state: FSMContext,
) -> None:
    try:
        await members.erase(
            callback_data.merchant_id, ctx.telegram_id, callback_data.membership_id
        )
    except NotAMember:  # a second tap, or a card this confirmation was not for
        await query.answer()
        return
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await edit_text(query.message, _("Your data is deleted. Thank you for being with us."))
        await query.message.answer(
            _("If you change your mind, send /start to join again."),
            reply_markup=ReplyKeyboardRemove(),
        )


@router.callback_query(EraseCb.filter(~F.confirm))
async def cb_erase_keep(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    profile = await members.profile(ctx.merchant.id, ctx.telegram_id)
    await query.answer(_("Glad you stay!"))
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            profile_text(profile),
            reply_markup=profile_keyboard(profile, ctx.merchant.id),
        )


# --- language ----------------------------------------------------------------------------


@router.message(Command("language"))
async def cmd_language(message: Message) -> None:
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard())


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.LANGUAGE))
async def cb_ask_language(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("Choose your language:"), reply_markup=language_keyboard())


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
        await query.answer()
        if isinstance(query.message, Message):
            await edit_text(
                query.message,
                _("🌐 Language: {language}").format(language=LANGUAGE_NAMES[language]),
            )
            await query.message.answer(
                _("The menu is in your language now."), reply_markup=main_menu()
            )
