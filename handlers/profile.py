"""/profile: birthday, phone, news opt-in (leaving the program and /mydata: handlers/privacy.py;
/language: handlers/language.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.callbacks import BirthdayConfirm, CardAction, Nav, ProfileAction, ProfileCb
from handlers.ui.edit import edit_text
from handlers.ui.filters import not_command, off_topic, plain_text
from handlers.ui.keyboards import (
    MENU_PROFILE,
    birthday_confirm_keyboard,
    main_menu,
    phone_keyboard,
    profile_keyboard,
)
from handlers.ui.member_render import profile_text
from handlers.ui.render import birthday_text
from services.dto import MemberContext, Profile
from services.errors import BirthdayLocked, InvalidBirthday, InvalidPhone, NotOwnContact
from services.members import MemberService

router = Router(name=__name__)
answer_refusals(router)


class ProfileForm(StatesGroup):
    birthday = State()
    phone = State()


def birthday_locked() -> str:
    return _("Your birthday is already set. To change it, ask the staff.")


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


async def show_profile(target: Message, profile: Profile, merchant_id: int) -> None:
    """The pressed button's message becomes the profile, with its buttons."""
    await edit_text(
        target, profile_text(profile), reply_markup=profile_keyboard(profile, merchant_id)
    )


@router.message(Command("profile"))
@router.message(F.text == MENU_PROFILE)
async def cmd_profile(message: Message, ctx: MemberContext, members: MemberService) -> None:
    await send_profile(message, ctx, members)


@router.callback_query(Nav.filter(F.to == CardAction.PROFILE))
async def cb_profile(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    if isinstance(query.message, Message):
        await send_profile(query.message, ctx, members)


# --- birthday ----------------------------------------------------------------------------


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.BIRTHDAY))
async def cb_ask_birthday(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, state: FSMContext
) -> None:
    profile = await members.profile(ctx.merchant.id, ctx.telegram_id)
    if not isinstance(query.message, Message):
        return
    if profile.birthday is not None:
        await query.message.answer(birthday_locked())
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
    birthday = await members.check_birthday(ctx.merchant.id, ctx.telegram_id, message.text or "")
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
        await state.set_state(ProfileForm.birthday)
        await edit_text(query.message, _("OK, send your birthday again as DD.MM or DD.MM.YYYY."))
        return
    text = f"{callback_data.day}.{callback_data.month}"
    if callback_data.year:
        text += f".{callback_data.year}"
    profile = await members.set_birthday(ctx.merchant.id, ctx.telegram_id, text)
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
    profile = await members.set_phone(
        ctx.merchant.id, ctx.telegram_id, message.contact.user_id, message.contact.phone_number
    )
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
async def cb_clear_phone(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, answer: Answer
) -> None:
    profile = await members.clear_phone(ctx.merchant.id, ctx.telegram_id)
    answer.toast(_("Your phone number is removed."))
    if isinstance(query.message, Message):
        await show_profile(query.message, profile, ctx.merchant.id)


# --- refusals ------------------------------------------------------------------------------


def refusal(error: Exception) -> str:
    if isinstance(error, InvalidBirthday):
        return birthday_error(error)
    if isinstance(error, BirthdayLocked):
        return birthday_locked()
    if isinstance(error, NotOwnContact):
        return _("Please share your own number with the button below.")
    return _("That doesn't look like a phone number.")


@router.errors(
    ExceptionTypeFilter(InvalidBirthday, BirthdayLocked, NotOwnContact, InvalidPhone),
    F.update.message.as_("message"),
)
async def on_refused(event: ErrorEvent, message: Message, state: FSMContext) -> None:
    if isinstance(event.exception, BirthdayLocked):
        await state.clear()  # set already: no date to ask for
    await message.answer(refusal(event.exception))


@router.errors(ExceptionTypeFilter(InvalidBirthday, BirthdayLocked), F.update.callback_query)
async def on_button_refused(event: ErrorEvent, answer: Answer) -> None:
    if isinstance(event.exception, InvalidBirthday):
        answer.alert(refusal(event.exception))
    else:
        answer.toast(refusal(event.exception))
