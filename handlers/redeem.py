"""Redeeming a voucher at the till: /redeem (with the code, or asked for it), an 8-digit code
typed where the till asks for a customer's code, the voucher's QR (handlers/start.py), and the
🎁 buttons of a sale's preview; then ✅ Hand over or Cancel.

Every step asks the service, which checks the presser's role (and pause) before it reads the
voucher, so a revoked or paused cashier, or another merchant's, learns nothing about it. The
refusals are worded here: `refusals` also words those of the QR's deep link.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.sale import SaleForm
from handlers.till_refusals import SELLER_ERRORS, not_staff, till_refusal, wake_for_alerts
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import plain_text
from handlers.ui.redeem_render import (
    RedeemAction,
    RedeemCb,
    ask_voucher_code,
    handed_over_text,
    kept_text,
    voucher_keyboard,
    voucher_refused,
    voucher_text,
    voucher_unknown,
)
from handlers.ui.sale_render import paused_text
from services.dto import MemberContext
from services.errors import NotStaff, StaffPaused
from services.rewards.issue import code_typed
from services.rewards.redeem import RedeemService, VoucherRefused, VoucherUnknown

router = Router(name=__name__)
refusals = Router(name=__name__ + ".refusals")  # a voucher's refusals, wherever it was asked
sellers = Router(name=__name__ + ".sellers")  # who may not redeem: this router's own
answer_refusals(router, refusals, sellers)
STAFF = {"staff": True}
VOUCHER_CODE = F.text.func(code_typed)  # 8 digits, however spaced or dashed
ASK_AGAIN = ("format",)  # a refusal after which the form still wants a code
Wake = Callable[[], None]


class RedeemForm(StatesGroup):
    code = State()


async def show_voucher(
    message: Message, code: str, ctx: MemberContext, redeem: RedeemService
) -> None:
    """The voucher behind a typed or scanned code, with ✅ Hand over; or why not."""
    view = await redeem.find(ctx.work_merchant_id, ctx.telegram_id, code)
    await message.answer(voucher_text(view), reply_markup=voucher_keyboard(view))


@router.message(Command("redeem"), flags=STAFF)
async def cmd_redeem(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    redeem: RedeemService,
    state: FSMContext,
) -> None:
    await state.clear()
    if command.args:
        await show_voucher(message, command.args, ctx, redeem)
        return
    await redeem.check(ctx.work_merchant_id, ctx.telegram_id)  # a stranger hears that first
    await state.set_state(RedeemForm.code)
    await message.answer(ask_voucher_code())


@router.message(StateFilter(RedeemForm.code), plain_text, flags=STAFF)
async def msg_voucher_code_entered(
    message: Message, ctx: MemberContext, redeem: RedeemService, state: FSMContext
) -> None:
    await show_voucher(message, message.text or "", ctx, redeem)
    await state.clear()


@router.message(StateFilter(SaleForm.code), VOUCHER_CODE, flags=STAFF)
async def msg_voucher_at_sale(
    message: Message, ctx: MemberContext, redeem: RedeemService, state: FSMContext
) -> None:
    """A voucher's code where the sale form asks for the customer's: the voucher instead."""
    await state.clear()
    await show_voucher(message, message.text or "", ctx, redeem)


@router.message(StateFilter(None), VOUCHER_CODE, flags=STAFF)
async def msg_voucher_outside_a_form(
    message: Message, ctx: MemberContext, redeem: RedeemService
) -> None:
    """Staff typing a voucher's code with no form open; anyone else goes on as before."""
    try:
        await redeem.check(ctx.work_merchant_id, ctx.telegram_id)
    except NotStaff:
        raise SkipHandler() from None  # not staff: the digits go on to the other handlers
    await show_voucher(message, message.text or "", ctx, redeem)


@router.callback_query(RedeemCb.filter(F.action == RedeemAction.SHOW), flags=STAFF)
async def cb_show_voucher(
    query: CallbackQuery, callback_data: RedeemCb, ctx: MemberContext, redeem: RedeemService
) -> None:
    """A 🎁 button of a sale's preview: that voucher, to hand over with the sale."""
    view = await redeem.show(
        ctx.work_merchant_id, query.from_user.id, callback_data.voucher, callback_data.sale or None
    )
    if isinstance(query.message, Message):
        await query.message.answer(voucher_text(view), reply_markup=voucher_keyboard(view))


@router.callback_query(RedeemCb.filter(F.action == RedeemAction.HAND), flags=STAFF)
async def cb_hand_over(
    query: CallbackQuery,
    callback_data: RedeemCb,
    ctx: MemberContext,
    redeem: RedeemService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    done = await redeem.hand_over(
        ctx.work_merchant_id, query.from_user.id, callback_data.voucher, callback_data.sale or None
    )
    answer.toast(_("Handed over."))
    if isinstance(query.message, Message):
        await edit_text(query.message, handed_over_text(done))
    wake_sender()  # the member's "enjoy" went into the outbox with the redemption


@router.callback_query(RedeemCb.filter(F.action == RedeemAction.KEEP), flags=STAFF)
async def cb_keep_voucher(
    query: CallbackQuery,
    callback_data: RedeemCb,
    ctx: MemberContext,
    redeem: RedeemService,
    answer: Answer,
) -> None:
    """Cancel: the voucher stays open, if it is this place's and still open at all."""
    await redeem.keep(ctx.work_merchant_id, query.from_user.id, callback_data.voucher)
    answer.toast(_("Cancelled."))
    if isinstance(query.message, Message):
        await edit_text(query.message, kept_text())


# --- refusals ------------------------------------------------------------------------------


@refusals.errors(ExceptionTypeFilter(VoucherRefused))
async def on_voucher_refused(
    event: ErrorEvent,
    state: FSMContext,
    answer: Answer | None = None,
    callback_data: object = None,
) -> None:
    error = event.exception
    assert isinstance(error, VoucherRefused)
    query = event.update.callback_query
    if query is None:
        if error.reason not in ASK_AGAIN:
            await state.clear()
    elif (
        isinstance(callback_data, RedeemCb)
        and callback_data.action in (RedeemAction.HAND, RedeemAction.KEEP)
        and isinstance(query.message, Message)
    ):
        await drop_keyboard(query.message)  # that voucher can't be handed over from there
    await tell(event, voucher_refused(error), answer)


@refusals.errors(ExceptionTypeFilter(VoucherUnknown), F.update.message.as_("message"))
async def on_voucher_unknown(
    event: ErrorEvent, message: Message, ctx: MemberContext, wake_sender: Wake
) -> None:
    """A wrong code: said with any pause or lock it caused (the form asks again)."""
    error = event.exception
    assert isinstance(error, VoucherUnknown)
    await message.answer(voucher_unknown(error, ctx.merchant.timezone))
    wake_for_alerts(error, wake_sender)


@sellers.errors(ExceptionTypeFilter(*SELLER_ERRORS))
async def on_seller_refused(
    event: ErrorEvent, ctx: MemberContext, state: FSMContext, answer: Answer | None = None
) -> None:
    """Not staff here (before anything about the voucher), paused, or code entry locked."""
    error = event.exception
    assert isinstance(error, SELLER_ERRORS)
    await state.clear()
    if event.update.message is not None:
        text = till_refusal(error, ctx)
    elif isinstance(error, StaffPaused):
        text = paused_text(error.until, ctx.merchant.timezone)
    else:
        text = not_staff()
    await tell(event, text, answer)
