"""Adjust a member's points: +N or -N, the reason, a preview, Save (once)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.customer.form import DATA, STAFF, CareForm, ask, form_data
from handlers.ui import customer_render as ui
from handlers.ui.customer_render import AdjustCb, CustAction, CustCb
from handlers.ui.edit import edit_text
from handlers.ui.filters import off_topic, plain_text
from services.care import CareService, clean_reason, parse_delta
from services.dto import MemberContext

router = Router(name=__name__)
Wake = Callable[[], None]


@router.callback_query(CustCb.filter(F.action == CustAction.ADJUST), flags=STAFF)
async def cb_adjust(
    query: CallbackQuery,
    callback_data: CustCb,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
) -> None:
    balance = await care.balance(ctx.work_merchant_id, query.from_user.id, callback_data.target)
    await ask(query, state, CareForm.delta, {"m": callback_data.target}, ui.ask_delta(balance))


@router.message(CareForm.delta, plain_text, flags=STAFF)
async def msg_delta(
    message: Message, ctx: MemberContext, care: CareService, state: FSMContext
) -> None:
    form = await form_data(state)
    delta = parse_delta(message.text or "")
    before = await care.balance(ctx.work_merchant_id, ctx.telegram_id, form.get("m", 0), delta)
    await state.set_state(CareForm.reason)
    await state.update_data({DATA: {**form, "d": delta, "b": before}})
    await message.answer(ui.ask_reason())


@router.message(CareForm.reason, plain_text, flags=STAFF)
async def msg_reason(
    message: Message, ctx: MemberContext, care: CareService, state: FSMContext
) -> None:
    form = await form_data(state)
    reason = clean_reason(message.text or "")  # refused: asked again, in this step
    m, d = form.get("m", 0), form.get("d", 0)
    # The role again, and the balance as it is now: the preview is what Save will check.
    b = await care.balance(ctx.work_merchant_id, ctx.telegram_id, m, d)
    await state.set_state(CareForm.preview)
    await state.update_data({DATA: {**form, "b": b, "r": reason}})
    await message.answer(
        ui.adjust_preview(m, d, b, reason), reply_markup=ui.adjust_keyboard(m, d, b)
    )


@router.message(CareForm.preview, off_topic, flags=STAFF)
async def msg_while_preview(
    message: Message, ctx: MemberContext, care: CareService, state: FSMContext
) -> None:
    await care.start(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(ui.press_save_or_cancel())


async def close_preview(state: FSMContext) -> None:
    """The preview was answered: its data goes, and its step if it still is the open one."""
    if await state.get_state() == CareForm.preview.state:
        await state.set_state(None)
    await state.update_data({DATA: None})


@router.callback_query(AdjustCb.filter(F.save), flags=STAFF)
async def cb_save_adjust(
    query: CallbackQuery,
    callback_data: AdjustCb,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    """Once: the service saves only while the balance is as the preview showed it."""
    form = await form_data(state)
    c = callback_data
    same = (
        form.get("m") == c.membership_id and form.get("d") == c.delta and form.get("b") == c.before
    )
    done = await care.adjust(
        ctx.work_merchant_id,
        query.from_user.id,
        c.membership_id,
        c.delta,
        c.before,
        form.get("r") if same else None,
    )
    await close_preview(state)
    answer.toast(_("Saved."))
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.adjusted_text(done))
    wake_sender()


@router.callback_query(AdjustCb.filter(~F.save), flags=STAFF)
async def cb_cancel_adjust(
    query: CallbackQuery, ctx: MemberContext, care: CareService, state: FSMContext, answer: Answer
) -> None:
    await care.start(ctx.work_merchant_id, query.from_user.id)
    await close_preview(state)
    answer.toast(_("Cancelled."))
    if isinstance(query.message, Message):
        await edit_text(query.message, _("✖️ Cancelled. Nothing was changed."))
