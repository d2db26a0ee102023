"""/sale at the till (step by step, from the customer's QR, or in one line), /sales, /refund.

A sale takes at most four taps and messages: the code, the amount, a points button on the
preview, Confirm. The service returns each draft with its choices (points, receipt number); a
choice makes a new draft that replaces the old one, so an outdated preview confirms nothing.
A receipt number the merchant requires is typed before the preview.

Staff act in the merchant that hired them (ctx.work_merchant_id). Every step asks the service,
which checks the role afresh, so a cashier revoked or paused mid-sale is stopped at once.
Messages to the customer and the admins are queued by the services in the same transaction;
handlers only wake the sender.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import PointsChoice, ReceiptAdd, RefundDecision, SaleDecision
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import plain_text
from handlers.ui.limits_render import codes_locked_text, refusal_text
from handlers.ui.refund_render import refund_keyboard, refund_preview_text, refund_text
from handlers.ui.sale_render import (
    amount_error,
    ask_amount,
    ask_receipt,
    code_error,
    confirmed_text,
    day_report_text,
    order_text,
    paused_text,
    preview_keyboard,
    preview_text,
    sale_refused,
)
from services.dto import MemberContext
from services.errors import (
    CodeInvalid,
    CodesLocked,
    InvalidAmount,
    NotStaff,
    SaleRefused,
    StaffPaused,
)
from services.numbers import InvalidNumber, parse_id
from services.policy import parse_points
from services.sales import SaleService

router = Router(name=__name__)
STAFF = {"staff": True}
ONE_LINE = re.compile(r"^\s*([0-9]{6})\s+(\S+)(?:\s+spend\s+(\S+))?\s*$", re.IGNORECASE)
SELLER_ERRORS = (NotStaff, StaffPaused, CodesLocked)
Wake = Callable[[], None]


class SaleForm(StatesGroup):
    code = State()
    amount = State()
    receipt = State()  # a required one before the preview, or "Add receipt no." on it


def limit(ctx: MemberContext) -> tuple[int, str]:
    return ctx.merchant.max_sale_minor, ctx.merchant.currency


def not_staff() -> str:
    return _("This command is for the staff of this place.")


async def refuse_seller(
    message: Message, error: Exception, ctx: MemberContext, state: FSMContext | None = None
) -> None:
    if state is not None:
        await state.clear()
    if isinstance(error, StaffPaused):
        await message.answer(paused_text(error.until, ctx.merchant.timezone))
    elif isinstance(error, CodesLocked):
        await message.answer(codes_locked_text(error.until, ctx.merchant.timezone))
    else:
        await message.answer(not_staff())


async def on_wrong_code(
    message: Message, error: CodeInvalid, wake_sender: Wake, timezone: str = "UTC"
) -> None:
    text = code_error(error.reason)
    if error.paused and error.until is not None:
        text += "\n\n" + paused_text(error.until, timezone)
    if error.locked_until is not None:
        text += "\n\n" + codes_locked_text(error.locked_until, timezone)
    await message.answer(text)
    if error.paused or error.locked_until is not None:
        wake_sender()  # the admins' alert was queued with the pause or the lock


async def show_preview(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    receipt: str | None,
) -> None:
    """A new draft from the form's data (or the open draft with this receipt number), shown
    with its Confirm and its choices."""
    data = await state.get_data()
    try:
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
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx, state)
        return
    except SaleRefused as error:
        await message.answer(refusal_text(error, sale_refused(error.reason)))
        if error.reason in ("receipt_taken", "receipt_required"):
            return  # let them type another receipt number
        await state.clear()
        return
    except CodeInvalid as error:
        await state.clear()
        await message.answer(code_error(error.reason))
        return
    except InvalidAmount as error:  # a pre-order's total over the cap for one sale
        await state.clear()
        await message.answer(amount_error(error.reason, *limit(ctx)))
        return
    await state.clear()
    await message.answer(preview_text(draft), reply_markup=preview_keyboard(draft))


async def receipt_or_preview(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext, required: bool
) -> None:
    """The amount is known: a required receipt number is typed first, else the preview."""
    if required:
        await state.set_state(SaleForm.receipt)
        await message.answer(ask_receipt())
        return
    await show_preview(message, ctx, sales, state, None)


async def begin_with_code(
    message: Message,
    code: str,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    """The customer's code is known: show who it is and ask for the amount (a pre-order
    brings its own, straight to the preview)."""
    try:
        till = await sales.find_customer(ctx.work_merchant_id, ctx.telegram_id, code)
    except CodeInvalid as error:
        await on_wrong_code(message, error, wake_sender, ctx.merchant.timezone)
        if error.paused or error.locked_until is not None:
            await state.clear()
        else:
            await state.set_state(SaleForm.code)
        return
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx, state)
        return
    await state.set_data({"code": till.code, "points": 0})
    if till.order_total_minor is not None:
        await state.update_data(amount=till.order_total_minor)
        if till.receipt_required:
            await message.answer(order_text(till))
        await receipt_or_preview(message, ctx, sales, state, till.receipt_required)
        return
    await state.update_data(receipt_required=till.receipt_required)
    await state.set_state(SaleForm.amount)
    await message.answer(ask_amount(till))


@router.message(Command("sale"), flags=STAFF)
async def cmd_sale(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    await state.clear()
    try:
        merchant = await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx)
        return
    if not command.args:
        await state.set_state(SaleForm.code)
        await message.answer(
            _("Enter the customer's 6-digit code, or scan their QR with the phone's camera.")
        )
        return
    match = ONE_LINE.match(command.args)
    if not match:
        await message.answer(
            _("Use: /sale 123456 19.90, or /sale 123456 19.90 spend 5, or just /sale.")
        )
        return
    code, amount_text, spend_text = match.groups()
    try:
        quote = await sales.quote(ctx.work_merchant_id, ctx.telegram_id, code, amount_text)
        spend = parse_points(spend_text) if spend_text else 0
    except CodeInvalid as error:
        await on_wrong_code(message, error, wake_sender, ctx.merchant.timezone)
        return
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx)
        return
    except InvalidAmount as error:
        await message.answer(amount_error(error.reason, *limit(ctx)))
        return
    if spend > quote.max_points:
        # The preview comes without points; its buttons offer what this check allows.
        await message.answer(_("That is more points than this check allows."))
        spend = 0
    await state.set_data({"code": code, "amount": quote.amount_minor, "points": spend})
    await receipt_or_preview(message, ctx, sales, state, merchant.receipt_required)


@router.message(StateFilter(SaleForm.code), plain_text, flags=STAFF)
async def msg_code_entered(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    await begin_with_code(message, message.text or "", ctx, sales, state, wake_sender)


@router.message(StateFilter(SaleForm.amount), plain_text, flags=STAFF)
async def msg_amount_entered(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> None:
    data = await state.get_data()
    try:
        quote = await sales.quote(
            ctx.work_merchant_id, ctx.telegram_id, data["code"], message.text or ""
        )
    except InvalidAmount as error:
        await message.answer(amount_error(error.reason, *limit(ctx)))
        return
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx, state)
        return
    except CodeInvalid as error:
        await state.clear()
        await message.answer(code_error(error.reason))
        return
    await state.update_data(amount=quote.amount_minor)
    await receipt_or_preview(message, ctx, sales, state, bool(data.get("receipt_required")))


@router.message(StateFilter(SaleForm.receipt), plain_text, flags=STAFF)
async def msg_receipt_entered(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> None:
    await show_preview(message, ctx, sales, state, message.text)


async def toast_refusal(query: CallbackQuery, error: Exception, ctx: MemberContext) -> None:
    """A till button refused: not staff (before anything else), or a stale or forged draft."""
    if isinstance(error, SaleRefused):
        await query.answer(refusal_text(error, sale_refused(error.reason)), show_alert=True)
    elif isinstance(error, InvalidAmount):
        await query.answer(amount_error(error.reason, *limit(ctx)), show_alert=True)
    elif isinstance(error, CodeInvalid):
        await query.answer(code_error(error.reason), show_alert=True)
    else:
        await query.answer(not_staff(), show_alert=True)


@router.callback_query(PointsChoice.filter(), flags=STAFF)
async def cb_points_chosen(
    query: CallbackQuery, callback_data: PointsChoice, ctx: MemberContext, sales: SaleService
) -> None:
    """The same sale with other points: a new draft, shown in place of the old preview."""
    try:
        draft = await sales.reprice(
            ctx.work_merchant_id,
            query.from_user.id,
            callback_data.key,
            points=callback_data.points,
        )
    except (*SELLER_ERRORS, SaleRefused, InvalidAmount, CodeInvalid) as error:
        await toast_refusal(query, error, ctx)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await edit_text(query.message, preview_text(draft), preview_keyboard(draft))


@router.callback_query(ReceiptAdd.filter(), flags=STAFF)
async def cb_add_receipt(
    query: CallbackQuery,
    callback_data: ReceiptAdd,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
) -> None:
    try:
        await sales.draft_open(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    except (*SELLER_ERRORS, SaleRefused) as error:
        await toast_refusal(query, error, ctx)
        return
    await query.answer()
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
    wake_sender: Wake,
) -> None:
    try:
        result = await sales.confirm(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    except SaleRefused as error:
        await query.answer(refusal_text(error, sale_refused(error.reason)), show_alert=True)
        if isinstance(query.message, Message) and error.reason != "not_found":
            await drop_keyboard(query.message)
        return
    except SELLER_ERRORS:
        await query.answer(not_staff(), show_alert=True)
        return
    if result.duplicate:
        await query.answer(_("Already confirmed."))
        return
    await query.answer(_("Confirmed."))
    if isinstance(query.message, Message):
        await edit_text(query.message, confirmed_text(result))
    wake_sender()


@router.callback_query(SaleDecision.filter(~F.confirm), flags=STAFF)
async def cb_cancel_sale(
    query: CallbackQuery, callback_data: SaleDecision, ctx: MemberContext, sales: SaleService
) -> None:
    try:
        cancelled = await sales.cancel(ctx.work_merchant_id, query.from_user.id, callback_data.key)
    except SELLER_ERRORS:
        await query.answer(not_staff(), show_alert=True)
        return
    await query.answer(_("Cancelled.") if cancelled else _("This sale is no longer open."))
    if cancelled and isinstance(query.message, Message):
        await edit_text(query.message, _("✖️ Sale cancelled. Nothing was charged."))


@router.message(Command("sales"), flags=STAFF)
async def cmd_sales(message: Message, ctx: MemberContext, sales: SaleService) -> None:
    try:
        report = await sales.today(ctx.work_merchant_id, ctx.telegram_id)
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx)
        return
    await message.answer(day_report_text(report))


@router.message(Command("refund"), flags=STAFF)
async def cmd_refund(
    message: Message, command: CommandObject, ctx: MemberContext, sales: SaleService
) -> None:
    """Show what the refund will do; it happens on Confirm."""
    args = (command.args or "").split()
    try:
        await sales.start(ctx.work_merchant_id, ctx.telegram_id)  # a stranger gets no usage
        purchase_id = parse_id(args[0]) if 1 <= len(args) <= 2 else None
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx)
        return
    except InvalidNumber as error:
        if error.reason == "range":  # a number, but no sale can have it
            await message.answer(_("There is no sale #{id} here.").format(id=args[0].lstrip("#")))
            return
        purchase_id = None
    if purchase_id is None:
        # Plain text: the usage line shows <angle brackets> that HTML would swallow.
        await message.answer(
            _("Use: /refund <sale number> [amount], for example /refund 42 5.00"),
            parse_mode=None,
        )
        return
    try:
        preview = await sales.refund_preview(
            ctx.work_merchant_id, ctx.telegram_id, purchase_id, args[1] if len(args) > 1 else None
        )
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx)
        return
    except SaleRefused as error:
        await message.answer(refund_refused(error, purchase_id))
        return
    except InvalidAmount as error:
        await message.answer(amount_error(error.reason, *limit(ctx)))
        return
    await message.answer(refund_preview_text(preview), reply_markup=refund_keyboard(preview))


def refund_refused(error: SaleRefused, purchase_id: int) -> str:
    if error.reason == "not_found":
        return _("There is no sale #{id} here.").format(id=purchase_id)
    return sale_refused(error.reason)


@router.callback_query(RefundDecision.filter(F.confirm), flags=STAFF)
async def cb_confirm_refund(
    query: CallbackQuery,
    callback_data: RefundDecision,
    ctx: MemberContext,
    sales: SaleService,
    wake_sender: Wake,
) -> None:
    """The refund as previewed, once: a second press, or a refund by someone else meanwhile,
    finds what was refunded changed and writes nothing."""
    try:
        result = await sales.refund(
            ctx.work_merchant_id,
            query.from_user.id,
            callback_data.purchase_id,
            None,
            amount_minor=callback_data.amount,
            refunded_before=callback_data.before,
        )
    except SELLER_ERRORS:
        await query.answer(not_staff(), show_alert=True)
        return
    except SaleRefused as error:
        await query.answer(refund_refused(error, callback_data.purchase_id), show_alert=True)
        return
    except InvalidAmount as error:
        await query.answer(amount_error(error.reason, *limit(ctx)), show_alert=True)
        return
    await query.answer(_("Refunded."))
    if isinstance(query.message, Message):
        await edit_text(query.message, refund_text(result))
    wake_sender()


@router.callback_query(RefundDecision.filter(~F.confirm), flags=STAFF)
async def cb_cancel_refund(
    query: CallbackQuery, callback_data: RefundDecision, ctx: MemberContext, sales: SaleService
) -> None:
    try:  # the role, then the sale is this merchant's; nothing is written either way
        await sales.refund_preview(
            ctx.work_merchant_id, query.from_user.id, callback_data.purchase_id, None
        )
    except SELLER_ERRORS:
        await query.answer(not_staff(), show_alert=True)
        return
    except SaleRefused as error:
        if error.reason == "not_found":
            await query.answer(refund_refused(error, callback_data.purchase_id), show_alert=True)
            return
    await query.answer(_("Cancelled."))
    if isinstance(query.message, Message):
        await edit_text(query.message, _("✖️ Refund cancelled. Nothing was changed."))
