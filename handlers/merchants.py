"""/merchant: the merchant an owner or staff member works in, chosen with a button; /merchants:
owners list the merchants and create one from the chat (name, link name, currency, time zone,
language, then a preview), which hands over its first admin's invite, its join link and its
counter poster."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from aiogram import Bot, F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _
from babel.numbers import list_currencies

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell, tell_refusals
from handlers.poster import DEFAULT_TAG
from handlers.poster import language_keyboard as poster_keyboard
from handlers.ui import merchants_render as ui
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import plain_text
from handlers.ui.merchants_render import MerAction, MerchantCb, WorkplaceCb
from services import policy
from services.dto import MemberContext
from services.errors import NotStaff
from services.staff import StaffService
from services.workplace import (
    MerchantRefused,
    NotOwner,
    WorkplaceService,
    clean_currency,
    clean_name,
    clean_timezone,
    draft_from,
)

router = Router(name=__name__)
answer_refusals(router)
# Every person may ask (the services check the role); not a staff flag, since these messages
# are about the merchants themselves and carry no working merchant's line (bot/workplace.py).
ANYONE = {"guest": True}

tell_refusals(router, lambda: _("Only the owners of this bot create merchants."), NotOwner)
tell_refusals(router, lambda: _("This is for the owners and the staff of a place."), NotStaff)


Asking = tuple[Callable[[], str], Callable[[], InlineKeyboardMarkup]]  # a question, its buttons


class MerchantForm(StatesGroup):
    name = State()
    slug = State()
    currency = State()
    timezone = State()
    language = State()
    preview = State()


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@router.errors(ExceptionTypeFilter(MerchantRefused))
async def on_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, MerchantRefused)
    await tell(event, ui.refusal_text(event.exception.reason), answer)


# --- the working merchant --------------------------------------------------------------------


@router.message(Command("merchant"), flags=ANYONE)
async def cmd_merchant(message: Message, ctx: MemberContext, workplace: WorkplaceService) -> None:
    places = await workplace.places(ctx.telegram_id, ctx.staff_merchant_id)
    if len(places.places) == 1:
        await message.answer(ui.one_place_text(places.places[0]))
        return
    await message.answer(ui.places_text(places), reply_markup=ui.places_keyboard(places))


@router.callback_query(WorkplaceCb.filter(), flags=ANYONE)
async def cb_workplace(
    query: CallbackQuery,
    callback_data: WorkplaceCb,
    ctx: MemberContext,
    workplace: WorkplaceService,
    state: FSMContext,
    answer: Answer,
) -> None:
    actor = query.from_user.id
    place = await workplace.switch(actor, callback_data.merchant_id, ctx.staff_merchant_id)
    await state.clear()  # a form begun in the other merchant does not go on in this one
    answer.toast(ui.switched_text(place))
    places = await workplace.places(actor, place.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.places_text(places), ui.places_keyboard(places))


# --- a new merchant --------------------------------------------------------------------------


@router.message(Command("merchants"), flags=ANYONE)
async def cmd_merchants(message: Message, ctx: MemberContext, workplace: WorkplaceService) -> None:
    places = await workplace.every(ctx.telegram_id)
    await message.answer(ui.merchants_text(places), reply_markup=ui.merchants_keyboard())


@router.callback_query(MerchantCb.filter(F.action == MerAction.NEW), flags=ANYONE)
async def cb_new_merchant(
    query: CallbackQuery, workplace: WorkplaceService, state: FSMContext
) -> None:
    workplace.require_owner(query.from_user.id)
    await state.set_state(MerchantForm.name)
    await state.set_data({})
    if isinstance(query.message, Message):
        await query.message.answer(ui.ask_name())


@router.message(StateFilter(MerchantForm.name), plain_text, flags=ANYONE)
async def msg_name_entered(
    message: Message, ctx: MemberContext, workplace: WorkplaceService, state: FSMContext
) -> None:
    name = clean_name(message.text or "")
    slug = await workplace.suggest_slug(ctx.telegram_id, name)
    await state.update_data(name=name)
    await state.set_state(MerchantForm.slug)
    await message.answer(ui.ask_slug(slug), reply_markup=ui.slug_keyboard(slug))


@router.message(StateFilter(MerchantForm.slug), plain_text, flags=ANYONE)
async def msg_slug_entered(
    message: Message, ctx: MemberContext, workplace: WorkplaceService, state: FSMContext
) -> None:
    slug = await workplace.slug_free(ctx.telegram_id, message.text or "")
    await _ask_currency(message, state, slug)


@router.callback_query(
    StateFilter(MerchantForm.slug), MerchantCb.filter(F.action == MerAction.SLUG), flags=ANYONE
)
async def cb_slug_chosen(
    query: CallbackQuery,
    callback_data: MerchantCb,
    workplace: WorkplaceService,
    state: FSMContext,
) -> None:
    slug = await workplace.slug_free(query.from_user.id, callback_data.value)
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await _ask_currency(query.message, state, slug)


async def _ask_currency(message: Message, state: FSMContext, slug: str) -> None:
    await state.update_data(slug=slug)
    await state.set_state(MerchantForm.currency)
    await message.answer(ui.ask_currency(), reply_markup=ui.currency_keyboard())


def _currency(text: str) -> str:
    return clean_currency(text, known_currencies())


# The steps answered by typing or by a button: the field, what checks it, and what comes next.
CHOICES: dict[str | None, tuple[str, Callable[[str], str], State, Asking]] = {
    MerchantForm.currency.state: (
        "currency",
        _currency,
        MerchantForm.timezone,
        (ui.ask_timezone, ui.timezone_keyboard),
    ),
    MerchantForm.timezone.state: (
        "timezone",
        clean_timezone,
        MerchantForm.language,
        (ui.ask_language, ui.language_keyboard),
    ),
}
CHOOSING = StateFilter(MerchantForm.currency, MerchantForm.timezone)


@router.message(CHOOSING, plain_text, flags=ANYONE)
async def msg_choice_entered(message: Message, state: FSMContext) -> None:
    await _next_step(message, state, message.text or "")


@router.callback_query(
    CHOOSING,
    MerchantCb.filter(F.action.in_({MerAction.CURRENCY, MerAction.TIMEZONE})),
    flags=ANYONE,
)
async def cb_choice_pressed(
    query: CallbackQuery, callback_data: MerchantCb, state: FSMContext
) -> None:
    if isinstance(query.message, Message):
        await _next_step(query.message, state, callback_data.value, pressed=True)


async def _next_step(
    message: Message, state: FSMContext, text: str, pressed: bool = False
) -> None:
    step = CHOICES.get(await state.get_state())
    if step is None:  # the form ended meanwhile (/cancel at the same moment)
        return
    field, clean, after, (ask, keyboard) = step
    await state.update_data({field: clean(text)})
    if pressed:
        await drop_keyboard(message)
    await state.set_state(after)
    await message.answer(ask(), reply_markup=keyboard())


@router.callback_query(
    StateFilter(MerchantForm.language),
    MerchantCb.filter(F.action == MerAction.LANGUAGE),
    flags=ANYONE,
)
async def cb_language_chosen(
    query: CallbackQuery,
    callback_data: MerchantCb,
    workplace: WorkplaceService,
    state: FSMContext,
    locale: str,
) -> None:
    if callback_data.value not in policy.LANGUAGES:
        raise MerchantRefused("language")
    draft = draft_from(await state.update_data(language=callback_data.value))
    await state.set_state(MerchantForm.preview)
    offset = workplace.utc_offset(draft.timezone)
    if isinstance(query.message, Message):
        await edit_text(
            query.message, ui.preview_text(draft, offset, locale), ui.preview_keyboard()
        )


@router.callback_query(
    StateFilter(MerchantForm.preview),
    MerchantCb.filter(F.action == MerAction.CREATE),
    flags=ANYONE,
)
async def cb_create_merchant(
    query: CallbackQuery,
    workplace: WorkplaceService,
    staff: StaffService,
    state: FSMContext,
    answer: Answer,
    bot: Bot,
) -> None:
    actor = query.from_user.id
    data = await state.get_data()  # empty: a press at the same time ended the form
    created = await workplace.create(actor, draft_from(data)) if data else None
    await state.clear()
    if created is None or created.again or not isinstance(query.message, Message):
        answer.toast(_("Already created."))
        return
    await drop_keyboard(query.message)
    invite = await staff.create_invite(created.place.id, actor, "admin")
    invite_link = await create_start_link(bot, policy.build_payload(staff_invite=invite.token))
    join_link = await create_start_link(
        bot, policy.build_payload(merchant_slug=created.place.slug)
    )
    await query.message.answer(
        ui.created_text(created.place, invite_link, join_link),
        reply_markup=poster_keyboard(DEFAULT_TAG),
    )


# Only at the preview: after Create (or once the form ended) the fallback answers that the
# button is no longer active.
@router.callback_query(
    StateFilter(MerchantForm.preview),
    MerchantCb.filter(F.action == MerAction.CANCEL),
    flags=ANYONE,
)
async def cb_cancel_merchant(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.cancelled_text())
