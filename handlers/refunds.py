"""/refund at the till: what a refund will do, then its Confirm; and /sales, today's sales.

Refunds leave any form alone: a refusal here is only said.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, pressed
from handlers.till_refusals import TILL_ERRORS, button_refusals, till_refusal
from handlers.ui.callbacks import RefundDecision
from handlers.ui.edit import edit_text
from handlers.ui.refund_render import refund_keyboard, refund_preview_text, refund_text
from handlers.ui.sale_render import day_report_text, sale_refused
from services.dto import MemberContext
from services.errors import SaleRefused
from services.numbers import InvalidNumber, parse_id
from services.sales import SaleService

router = Router(name=__name__)
answer_refusals(router, button_refusals)
STAFF = {"staff": True}


def sale_number(command: CommandObject) -> int | None:
    """The sale number typed after /refund; None if the command is not used as shown. A
    number no sale can have is refused (InvalidNumber)."""
    args = (command.args or "").split()
    if not 1 <= len(args) <= 2:
        return None
    try:
        return parse_id(args[0])
    except InvalidNumber as error:
        if error.reason == "range":
            raise
        return None


def no_such_sale(number: object) -> str:
    return _("There is no sale #{id} here.").format(id=number)


def refund_refused(error: SaleRefused, purchase_id: int) -> str:
    if error.reason == "not_found":
        return no_such_sale(purchase_id)
    return sale_refused(error.reason)


@router.message(Command("sales"), flags=STAFF)
async def cmd_sales(message: Message, ctx: MemberContext, sales: SaleService) -> None:
    report = await sales.today(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(day_report_text(report))


@router.message(Command("refund"), flags=STAFF)
async def cmd_refund(
    message: Message, command: CommandObject, ctx: MemberContext, sales: SaleService
) -> None:
    """Show what the refund will do; it happens on Confirm."""
    await sales.start(ctx.work_merchant_id, ctx.telegram_id)  # a stranger gets no usage
    purchase_id = sale_number(command)
    if purchase_id is None:
        # Plain text: the usage line shows <angle brackets> that HTML would swallow.
        await message.answer(
            _("Use: /refund <sale number> [amount], for example /refund 42 5.00"),
            parse_mode=None,
        )
        return
    args = (command.args or "").split()
    preview = await sales.refund_preview(
        ctx.work_merchant_id, ctx.telegram_id, purchase_id, args[1] if len(args) > 1 else None
    )
    await message.answer(refund_preview_text(preview), reply_markup=refund_keyboard(preview))


@router.errors(ExceptionTypeFilter(*TILL_ERRORS, InvalidNumber), F.update.message.as_("message"))
async def on_refused(
    event: ErrorEvent, message: Message, ctx: MemberContext, command: CommandObject
) -> None:
    error = event.exception
    if isinstance(error, InvalidNumber):  # a number, but no sale can have it
        text = no_such_sale((command.args or "").split()[0].lstrip("#"))
    elif isinstance(error, SaleRefused):
        text = refund_refused(error, sale_number(command) or 0)
    else:
        assert isinstance(error, TILL_ERRORS)
        text = till_refusal(error, ctx)
    await message.answer(text)


@router.callback_query(RefundDecision.filter(F.confirm), flags=STAFF)
async def cb_confirm_refund(
    query: CallbackQuery,
    callback_data: RefundDecision,
    ctx: MemberContext,
    sales: SaleService,
    answer: Answer,
    wake_sender: Callable[[], None],
) -> None:
    """The refund as previewed, once: a second press, or a refund by someone else meanwhile,
    finds what was refunded changed and writes nothing."""
    result = await sales.refund(
        ctx.work_merchant_id,
        query.from_user.id,
        callback_data.purchase_id,
        None,
        amount_minor=callback_data.amount,
        refunded_before=callback_data.before,
    )
    answer.toast(_("Refunded."))
    if isinstance(query.message, Message):
        await edit_text(query.message, refund_text(result))
    wake_sender()


@router.callback_query(RefundDecision.filter(~F.confirm), flags=STAFF)
async def cb_cancel_refund(
    query: CallbackQuery,
    callback_data: RefundDecision,
    ctx: MemberContext,
    sales: SaleService,
    answer: Answer,
) -> None:
    try:  # the role, then the sale is this merchant's; nothing is written either way
        await sales.refund_preview(
            ctx.work_merchant_id, query.from_user.id, callback_data.purchase_id, None
        )
    except SaleRefused as error:
        if error.reason == "not_found":
            raise
        # Refunded meanwhile, or nothing left to refund: cancelling is still fine.
    answer.toast(_("Cancelled."))
    if isinstance(query.message, Message):
        await edit_text(query.message, _("✖️ Refund cancelled. Nothing was changed."))


@router.errors(ExceptionTypeFilter(SaleRefused), pressed(RefundDecision))
async def on_refund_button_refused(
    event: ErrorEvent, callback_data: RefundDecision, answer: Answer
) -> None:
    assert isinstance(event.exception, SaleRefused)
    answer.alert(refund_refused(event.exception, callback_data.purchase_id))
