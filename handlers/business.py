"""/business for owners and admins: the card as members see it, and its fields edited in the chat
(a photo, the description, the address and map location, opening hours, the phone, links);
the hours (day by day) and the links (one after another) go on until Done.
Every command, step and button asks the service first, which checks the presser's role before
it reads or changes anything. News posts: handlers/business_news.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message

from handlers.about import send_card
from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.ui.business_buttons import (
    admin_keyboard,
    field_keyboard,
    more_links_keyboard,
    news_photo_keyboard,
)
from handlers.ui.business_render import (
    WEEKDAYS,
    BizEdit,
    EditAction,
    admin_card_text,
    admins_only,
    field_prompt,
    hours_prompt,
    link_saved,
    news_photo_prompt,
    news_prompt,
    pick_day_first,
    refusal,
    saved,
    week_text,
)
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import off_topic, plain_text
from services.business import BusinessService, CardField, CardRefused, CardView
from services.business.values import MAX_LINKS
from services.dto import MemberContext
from services.errors import NotStaff

router = Router(name=__name__)
form_router = Router(name=__name__ + ".form")  # what the form's steps did not take
answer_refusals(router)
answer_refusals(form_router, router)
STAFF = {"staff": True}


class BusinessForm(StatesGroup):
    photo = State()
    description = State()
    address = State()
    location = State()
    week = State()  # the hours: a day to choose, until Done
    hours = State()  # the hours of the day chosen
    phone = State()
    links = State()
    news_text = State()
    news_photo = State()


STEPS = {
    CardField.PHOTO: BusinessForm.photo,
    CardField.DESCRIPTION: BusinessForm.description,
    CardField.ADDRESS: BusinessForm.address,
    CardField.LOCATION: BusinessForm.location,
    CardField.HOURS: BusinessForm.week,
    CardField.PHONE: BusinessForm.phone,
    CardField.LINKS: BusinessForm.links,  # one link after another, until Done
}
# The steps Done ends (an old Done button does not end another step begun since).
UNTIL_DONE = (BusinessForm.week, BusinessForm.hours, BusinessForm.links)


async def send_admin_card(message: Message, ctx: MemberContext, business: BusinessService) -> None:
    card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
    await send_card(message, card, admin_card_text(card), admin_keyboard(card))


async def done(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    await state.clear()
    await message.answer(saved())
    await send_admin_card(message, ctx, business)


@router.message(Command("business"), flags=STAFF)
async def cmd_business(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    await send_admin_card(message, ctx, business)
    if await state.get_state() in BusinessForm:
        await state.clear()


@router.callback_query(BizEdit.filter(F.action == EditAction.FIELD), flags=STAFF)
async def cb_field(
    query: CallbackQuery,
    callback_data: BizEdit,
    ctx: MemberContext,
    business: BusinessService,
    state: FSMContext,
) -> None:
    card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
    field = callback_data.field
    await state.set_state(STEPS[field])
    if isinstance(query.message, Message):
        await ask_field(query.message, card, field)


async def ask_field(message: Message, card: CardView, field: CardField, head: str = "") -> None:
    text = field_prompt(field)
    if field == CardField.HOURS:
        text = week_text(card) + "\n\n" + text
    await message.answer(head + text, reply_markup=field_keyboard(card, field))


@router.callback_query(BizEdit.filter(F.action == EditAction.DONE), flags=STAFF)
async def cb_done(
    query: CallbackQuery, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    """Done with the hours or the links: the card as members see it now."""
    card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
    if await state.get_state() in {step.state for step in UNTIL_DONE}:
        await state.clear()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await send_card(query.message, card, admin_card_text(card), admin_keyboard(card))


@router.callback_query(BizEdit.filter(F.action == EditAction.DAY), flags=STAFF)
async def cb_day(
    query: CallbackQuery,
    callback_data: BizEdit,
    ctx: MemberContext,
    business: BusinessService,
    state: FSMContext,
) -> None:
    await business.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    weekday = min(callback_data.value, WEEKDAYS)
    await state.set_state(BusinessForm.hours)
    await state.update_data(days=list(range(5)) if weekday == WEEKDAYS else [weekday])
    if isinstance(query.message, Message):
        await query.message.answer(hours_prompt(weekday, ctx.merchant.timezone))


@router.callback_query(
    BizEdit.filter(F.action.in_({EditAction.CLEAR, EditAction.UNLINK})), flags=STAFF
)
async def cb_remove(
    query: CallbackQuery,
    callback_data: BizEdit,
    ctx: MemberContext,
    business: BusinessService,
    state: FSMContext,
) -> None:
    """A field's 🗑 Remove, or one link's."""
    merchant_id, actor = ctx.work_merchant_id, ctx.telegram_id
    if callback_data.action == EditAction.UNLINK:  # a new link may follow: the step goes on
        await business.remove_link(merchant_id, actor, callback_data.value)
        await state.set_state(BusinessForm.links)
        card = await business.admin_card(merchant_id, actor)
        if isinstance(query.message, Message):
            await ask_field(query.message, card, CardField.LINKS, saved() + "\n")
        return
    await business.clear(merchant_id, actor, callback_data.field)
    if isinstance(query.message, Message):
        await done(query.message, ctx, business, state)


@router.message(StateFilter(BusinessForm.photo), F.photo, flags=STAFF)
async def msg_photo(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    assert message.photo
    await business.set_photo(ctx.work_merchant_id, ctx.telegram_id, message.photo[-1].file_id)
    await done(message, ctx, business, state)


# The fields typed as text, each checked by its service call.
TEXT_STEPS: dict[str | None, Callable[[BusinessService, int, int, str], Awaitable[None]]] = {
    BusinessForm.description.state: BusinessService.set_description,
    BusinessForm.address.state: BusinessService.set_address,
    BusinessForm.phone.state: BusinessService.set_phone,
}


@router.message(StateFilter(*TEXT_STEPS), plain_text, flags=STAFF)
async def msg_text_field(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    save = TEXT_STEPS[await state.get_state()]
    await save(business, ctx.work_merchant_id, ctx.telegram_id, message.text or "")
    await done(message, ctx, business, state)


@router.message(StateFilter(BusinessForm.links), plain_text, flags=STAFF)
async def msg_link(message: Message, ctx: MemberContext, business: BusinessService) -> None:
    """A link saved; the step waits for another until Done."""
    await business.add_link(ctx.work_merchant_id, ctx.telegram_id, message.text or "")
    card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(
        link_saved(len(card.links), MAX_LINKS), reply_markup=more_links_keyboard(card)
    )


@router.message(StateFilter(BusinessForm.location), F.location, flags=STAFF)
async def msg_location(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    assert message.location
    where = message.location
    await business.set_location(
        ctx.work_merchant_id, ctx.telegram_id, where.latitude, where.longitude
    )
    await done(message, ctx, business, state)


@router.message(StateFilter(BusinessForm.hours), plain_text, flags=STAFF)
async def msg_hours(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    days = tuple((await state.get_data()).get("days", []))
    await business.set_hours(ctx.work_merchant_id, ctx.telegram_id, days, message.text or "")
    await state.set_state(BusinessForm.week)  # the next day, until Done
    card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
    await ask_field(message, card, CardField.HOURS, saved() + "\n\n")


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() in BusinessForm:
        await state.clear()
    await tell(event, admins_only(), answer)


@router.errors(ExceptionTypeFilter(CardRefused))
async def on_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    """Said in the chat (a button's as an alert); a typed step waits for another try."""
    assert isinstance(event.exception, CardRefused)
    await tell(event, refusal(event.exception), answer)


@form_router.message(StateFilter(BusinessForm), off_topic, flags=STAFF)
async def msg_off_topic(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    """A sticker for the description, text for the photo: the step's prompt again."""
    await business.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    current = await state.get_state()
    fields = {step.state: field for field, step in STEPS.items()}
    if current == BusinessForm.week.state:  # hours typed before a day was chosen
        card = await business.admin_card(ctx.work_merchant_id, ctx.telegram_id)
        await message.answer(pick_day_first(), reply_markup=field_keyboard(card, CardField.HOURS))
    elif current in fields:
        await message.answer(field_prompt(fields[current]))
    elif current == BusinessForm.hours.state:
        days = (await state.get_data()).get("days", [0])
        weekday = WEEKDAYS if len(days) > 1 else days[0]
        await message.answer(hours_prompt(weekday, ctx.merchant.timezone))
    elif current == BusinessForm.news_text.state:
        await message.answer(news_prompt())
    else:
        await message.answer(news_photo_prompt(), reply_markup=news_photo_keyboard())
