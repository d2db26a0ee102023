"""/sale at the till (step by step, from the customer's QR, or in one line) and the preview's
buttons.

A sale takes at most four taps and messages: the code, the amount, a points button on the
preview, Confirm. The service returns each draft with its choices (points, receipt number); a
choice makes a new draft that replaces the old one, so an outdated preview confirms nothing.
A receipt number the merchant requires is typed before the preview; services/sale_form.py says
which step comes next, and where a refused step goes.

Staff act in the merchant that hired them (ctx.work_merchant_id). Every step asks the service,
which checks the role afresh, so a cashier revoked or paused mid-sale is stopped at once.
Messages to the customer and the admins are queued by the services in the same transaction;
handlers only wake the sender.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.sale_offer import preview_markup, send_preview
from handlers.till_refusals import TILL_ERRORS, button_refusals, till_refusal, wake_for_alerts
from handlers.ui.callbacks import PointsChoice, ReceiptAdd, SaleDecision
from handlers.ui.certificate_give_render import give_keyboard
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import plain_text
from handlers.ui.sale_render import (
    ask_amount,
    ask_receipt,
    confirmed_text,
    order_text,
    preview_text,
)
from services.dto import MemberContext
from services.rewards.redeem import RedeemService
from services.sale_form import SaleStep, after_refusal
from services.sales import SaleService, TillStep

router = Router(name=__name__)
answer_refusals(router, button_refusals)
STAFF = {"staff": True}
ONE_LINE = re.compile(r"^\s*([0-9]{6})\s+(\S+)(?:\s+spend\s+(\S+))?\s*$", re.IGNORECASE)
Wake = Callable[[], None]


class SaleForm(StatesGroup):
    code = State()
    amount = State()
    receipt = State()  # a required one before the preview, or "Add receipt no." on it


STATES = {
    SaleStep.CODE: SaleForm.code,
    SaleStep.AMOUNT: SaleForm.amount,
    SaleStep.RECEIPT: SaleForm.receipt,
}


def ask_code() -> str:
    return _("Enter the customer's 6-digit code, or scan their QR with the phone's camera.")


async def show_preview(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    receipt: str | None,
    redeem: RedeemService | None = None,
) -> None:
    """The draft with the receipt number just typed (the form's, or the open draft's made
    again with it), shown with its Confirm and its choices."""
    data = await state.get_data()
    if data.get("key"):
        draft = await sales.reprice(
            ctx.work_merchant_id, ctx.telegram_id, data["key"], receipt_no=receipt or ""
        )
    else:
        draft = await sales.prepare(
            ctx.work_merchant_id,
            ctx.telegram_id,
            data["code"],
            data["amount"],
            data.get("points", 0),
            receipt,
        )
    await state.clear()
    await send_preview(message, draft, ctx, redeem)


async def after_step(
    message: Message,
    state: FSMContext,
    step: TillStep,
    ctx: MemberContext | None = None,
    redeem: RedeemService | None = None,
) -> None:
    """On to what the sale needs next (services/sale_form.py): the amount, a receipt number,
    or the preview of the draft the step made."""
    if step.next is SaleStep.AMOUNT:
        await state.set_state(SaleForm.amount)
        await message.answer(ask_amount(step.till))
    elif step.next is SaleStep.RECEIPT:
        await state.update_data(code=step.till.code, amount=step.amount_minor, points=step.points)
        await state.set_state(SaleForm.receipt)
        await message.answer(ask_receipt())
    else:
        assert step.draft is not None
        await state.clear()
        await send_preview(message, step.draft, ctx, redeem)


async def begin_with_code(
    message: Message,
    code: str,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService | None = None,
) -> None:
    """The customer's code is known: show who it is and ask for the amount (a pre-order
    brings its own, on to its receipt number or the preview)."""
    await state.set_state(SaleForm.code)  # the step a wrong code asks again
    step = await sales.sell(ctx.work_merchant_id, ctx.telegram_id, code)
    await state.set_data({"code": step.till.code, "points": 0})
    if step.till.order_total_minor is not None and step.next is SaleStep.RECEIPT:
        await message.answer(order_text(step.till))
    await after_step(message, state, step, ctx, redeem)


@router.message(Command("sale"), flags=STAFF)
async def cmd_sale(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService,
) -> None:
    await state.clear()
    match = ONE_LINE.match(command.args or "")
    if not match:
        await sales.start(ctx.work_merchant_id, ctx.telegram_id)  # a stranger hears that first
        if command.args:
            usage = _("Use: /sale 123456 19.90, or /sale 123456 19.90 spend 5, or just /sale.")
            await message.answer(usage)
            return
        await state.set_state(SaleForm.code)
        await message.answer(ask_code())
        return
    code, amount, spend = match.groups()
    step = await sales.sell(
        ctx.work_merchant_id,
        ctx.telegram_id,
        code,
        amount_text=amount,
        points_text=spend,
    )
    if step.points_over:
        # The preview comes without points; its buttons offer what this check allows.
        await message.answer(_("That is more points than this check allows."))
    await after_step(message, state, step, ctx, redeem)


@router.message(StateFilter(SaleForm.code), plain_text, flags=STAFF)
async def msg_code_entered(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService,
) -> None:
    await begin_with_code(message, message.text or "", ctx, sales, state, redeem)


@router.message(StateFilter(SaleForm.amount), plain_text, flags=STAFF)
async def msg_amount_entered(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService,
) -> None:
    data = await state.get_data()
    step = await sales.sell(
        ctx.work_merchant_id,
        ctx.telegram_id,
        data["code"],
        amount_text=message.text or "",
        points=data.get("points", 0),
    )
    await after_step(message, state, step, ctx, redeem)


@router.message(StateFilter(SaleForm.receipt), plain_text, flags=STAFF)
async def msg_receipt_entered(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService,
) -> None:
    await show_preview(message, ctx, sales, state, message.text, redeem)


@router.errors(ExceptionTypeFilter(*TILL_ERRORS), F.update.message.as_("message"))
async def on_step_refused(
    event: ErrorEvent, message: Message, ctx: MemberContext, state: FSMContext, wake_sender: Wake
) -> None:
    """A refusal while selling: said, then the form asks again or ends (services/sale_form)."""
    error = event.exception
    assert isinstance(error, TILL_ERRORS)
    await message.answer(till_refusal(error, ctx))
    current = await state.get_state()
    at = next((step for step, s in STATES.items() if s.state == current), None)
    step = after_refusal(at, error)
    if step is SaleStep.END:
        await state.clear()
    elif step is not at:
        await state.set_state(STATES[step])
    wake_for_alerts(error, wake_sender)


# --- the preview's buttons -----------------------------------------------------------------


@router.callback_query(PointsChoice.filter(), flags=STAFF)
async def cb_points_chosen(
    query: CallbackQuery,
    callback_data: PointsChoice,
    ctx: MemberContext,
    sales: SaleService,
    redeem: RedeemService,
) -> None:
    """The same sale with other points: a new draft, shown in place of the old preview."""
    draft = await sales.reprice(
        ctx.work_merchant_id, query.from_user.id, callback_data.key, points=callback_data.points
    )
    if isinstance(query.message, Message):
        markup = await preview_markup(draft, ctx, redeem)
        await edit_text(query.message, preview_text(draft), markup)


@router.callback_query(ReceiptAdd.filter(), flags=STAFF)
async def cb_add_receipt(
    query: CallbackQuery,
    callback_data: ReceiptAdd,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
) -> None:
    await sales.draft_open(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    await state.set_state(SaleForm.receipt)
    await state.set_data({"key": callback_data.key})
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)  # the preview with the number replaces this one
        await query.message.answer(ask_receipt())


@router.callback_query(SaleDecision.filter(F.confirm), flags=STAFF)
async def cb_confirm_sale(
    query: CallbackQuery,
    callback_data: SaleDecision,
    ctx: MemberContext,
    sales: SaleService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    result = await sales.confirm(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    if result.duplicate:
        answer.toast(_("Already confirmed."))
        return
    answer.toast(_("Confirmed."))
    if isinstance(query.message, Message):
        markup = give_keyboard(result.purchase_id, result.give)  # issue 16
        await edit_text(query.message, confirmed_text(result), markup)
    wake_sender()


@router.callback_query(SaleDecision.filter(~F.confirm), flags=STAFF)
async def cb_cancel_sale(
    query: CallbackQuery,
    callback_data: SaleDecision,
    ctx: MemberContext,
    sales: SaleService,
    answer: Answer,
) -> None:
    cancelled = await sales.cancel(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    answer.toast(_("Cancelled.") if cancelled else _("This sale is no longer open."))
    if cancelled and isinstance(query.message, Message):
        await edit_text(query.message, _("✖️ Sale cancelled. Nothing was charged."))
