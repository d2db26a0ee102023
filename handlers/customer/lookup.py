"""/customer and the member's page: the look-up, the birthday correction and the block."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.birthdays import corrected_text
from handlers.customer.form import STAFF, CareForm, ask, form_data
from handlers.ui import customer_render as ui
from handlers.ui.customer_render import BlockCb, CustAction, CustCb
from handlers.ui.edit import edit_text
from handlers.ui.filters import plain_text
from services.birthdays import BirthdayService
from services.care import CareService, MemberPage, TillCard
from services.dto import MemberContext
from services.states import StaffRole

router = Router(name=__name__)
Wake = Callable[[], None]


async def show(message: Message, found: MemberPage | TillCard) -> None:
    """The page with its buttons (admins), or the till's card and nothing to press."""
    if isinstance(found, MemberPage):
        await message.answer(ui.page_text(found), reply_markup=ui.page_keyboard(found))
    else:
        await message.answer(ui.till_card_text(found))


@router.message(Command("customer"), flags=STAFF)
async def cmd_customer(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
) -> None:
    role = await care.start(ctx.work_merchant_id, ctx.telegram_id)
    if not (command.args or "").strip():
        await state.set_state(CareForm.query)
        await message.answer(ui.ask_member(role == StaffRole.STAFF))
        return
    await state.clear()
    await show(message, await care.find(ctx.work_merchant_id, ctx.telegram_id, command.args or ""))


@router.message(CareForm.query, plain_text, flags=STAFF)
async def msg_query(
    message: Message, ctx: MemberContext, care: CareService, state: FSMContext
) -> None:
    found = await care.find(ctx.work_merchant_id, ctx.telegram_id, message.text or "")
    await state.clear()
    await show(message, found)


@router.callback_query(CustCb.filter(F.action == CustAction.BIRTHDAY), flags=STAFF)
async def cb_birthday(
    query: CallbackQuery,
    callback_data: CustCb,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
) -> None:
    await care.check(ctx.work_merchant_id, query.from_user.id, callback_data.target)
    await ask(query, state, CareForm.birthday, {"m": callback_data.target}, ui.ask_birthday())


@router.message(CareForm.birthday, plain_text, flags=STAFF)
async def msg_birthday(
    message: Message,
    ctx: MemberContext,
    birthdays: BirthdayService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    member = (await form_data(state)).get("m", 0)
    done = await birthdays.correct(
        ctx.work_merchant_id, ctx.telegram_id, f"#{member}", message.text or ""
    )
    await state.clear()
    wake_sender()
    await message.answer(corrected_text(done))


@router.callback_query(BlockCb.filter(), flags=STAFF)
async def cb_block(
    query: CallbackQuery,
    callback_data: BlockCb,
    ctx: MemberContext,
    care: CareService,
    answer: Answer,
) -> None:
    c = callback_data
    page = await care.set_blocked(
        ctx.work_merchant_id, query.from_user.id, c.membership_id, c.block
    )
    answer.toast(_("Card paused.") if page.blocked else _("Card active again."))
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.page_text(page), ui.page_keyboard(page))
