"""Redeeming a certificate on its own at the till (issue 16): `/redeem <10 digits>`, a
certificate's code typed where the till asks for a code (after /redeem, in the sale form's
code step, or with no form open), and the certificate's QR (`/start c<code>`); then
✅ Hand over or Cancel.

This router goes before handlers/redeem.py's (which takes 8-digit voucher codes) and before
handlers/start.py's (which takes every other /start). Every step asks the service, which
checks the presser's role (and pause, and the till's code lock) before it reads the
certificate, so a customer, a revoked or paused cashier, or another merchant's learns nothing
about it. Who may not redeem is worded by handlers/redeem.py's `sellers` router.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.redeem import RedeemForm
from handlers.redeem import sellers as seller_refusals
from handlers.sale import SaleForm
from handlers.till_refusals import wake_for_alerts
from handlers.ui.certificate_render import (
    CertificateAction,
    CertificateCb,
    certificate_keyboard,
    certificate_refused,
    certificate_text,
    certificate_unknown,
    kept_text,
    redeemed_text,
)
from handlers.ui.edit import drop_keyboard, edit_text
from services.coalition.redeem import CertificateTillService, CertificateUnknown, TillRefused
from services.dto import MemberContext
from services.errors import NotStaff
from services.policy.certificates import code_payload, code_typed

router = Router(name=__name__)
answer_refusals(router, seller_refusals)
STAFF = {"staff": True}
SCAN = {"staff": True, "guest": True}  # anyone may open the QR: a customer hears it isn't theirs
CERTIFICATE_CODE = F.text.func(code_typed).as_("code")  # 10 digits, however spaced or dashed
Wake = Callable[[], None]


async def show_certificate(
    message: Message, code: str, ctx: MemberContext, till: CertificateTillService
) -> None:
    """The certificate behind a code (10 digits: the filters read them), with ✅ Hand over;
    or why not."""
    view = await till.find(ctx.work_merchant_id, ctx.telegram_id, code)
    await message.answer(certificate_text(view), reply_markup=certificate_keyboard(view))


@router.message(Command("redeem", magic=F.args.func(code_typed)), flags=STAFF)
async def cmd_redeem_certificate(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    certificate_till: CertificateTillService,
    state: FSMContext,
) -> None:
    await state.clear()
    await show_certificate(message, str(command.magic_result), ctx, certificate_till)


@router.message(StateFilter(RedeemForm.code, SaleForm.code, None), CERTIFICATE_CODE, flags=STAFF)
async def msg_certificate_code(
    message: Message,
    code: str,
    ctx: MemberContext,
    certificate_till: CertificateTillService,
    state: FSMContext,
) -> None:
    """A certificate's code where the till asks for a code, or with no form open; anyone who
    is no seller here with no form open goes on to the other handlers."""
    if await state.get_state() is None:
        try:
            await certificate_till.check(ctx.work_merchant_id, ctx.telegram_id)
        except NotStaff:
            raise SkipHandler() from None  # the digits go on to the member's handlers
    await state.clear()
    await show_certificate(message, code, ctx, certificate_till)


@router.message(CommandStart(deep_link=True, magic=F.args.func(code_payload)), flags=SCAN)
async def cmd_start_certificate(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    certificate_till: CertificateTillService,
    state: FSMContext,
) -> None:
    """The certificate's QR (t.me/<bot>?start=c<code>), scanned by a cashier."""
    try:
        await certificate_till.check(ctx.work_merchant_id, ctx.telegram_id)
    except NotStaff:
        await message.answer(_("This QR code is for the staff at the till: show it to them."))
        return
    await state.clear()
    await show_certificate(message, str(command.magic_result), ctx, certificate_till)


@router.callback_query(CertificateCb.filter(F.action == CertificateAction.HAND), flags=STAFF)
async def cb_hand_over_certificate(
    query: CallbackQuery,
    callback_data: CertificateCb,
    ctx: MemberContext,
    certificate_till: CertificateTillService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    done = await certificate_till.hand_over(
        ctx.work_merchant_id, query.from_user.id, callback_data.certificate, callback_data.holder
    )
    answer.toast(_("Redeemed."))
    if isinstance(query.message, Message):
        await edit_text(query.message, redeemed_text(done))
    wake_sender()  # the holder's notice (and any flag) went into the outbox with it


@router.callback_query(CertificateCb.filter(F.action == CertificateAction.KEEP), flags=STAFF)
async def cb_keep_certificate(
    query: CallbackQuery,
    callback_data: CertificateCb,
    ctx: MemberContext,
    certificate_till: CertificateTillService,
    answer: Answer,
) -> None:
    """Cancel: the certificate stays open, if it is this place's and still open at all."""
    await certificate_till.keep(
        ctx.work_merchant_id, query.from_user.id, callback_data.certificate
    )
    answer.toast(_("Cancelled."))
    if isinstance(query.message, Message):
        await edit_text(query.message, kept_text())


# --- refusals ------------------------------------------------------------------------------


@router.errors(ExceptionTypeFilter(TillRefused))
async def on_certificate_refused(
    event: ErrorEvent,
    state: FSMContext,
    answer: Answer | None = None,
    callback_data: object = None,
) -> None:
    error = event.exception
    assert isinstance(error, TillRefused)
    query = event.update.callback_query
    if query is None:
        await state.clear()
    elif isinstance(callback_data, CertificateCb) and isinstance(query.message, Message):
        await drop_keyboard(query.message)  # that certificate can't be handed over from there
    await tell(event, certificate_refused(error), answer)


@router.errors(ExceptionTypeFilter(CertificateUnknown), F.update.message.as_("message"))
async def on_certificate_unknown(
    event: ErrorEvent, message: Message, ctx: MemberContext, wake_sender: Wake
) -> None:
    """A wrong code: said with any pause or lock it caused."""
    error = event.exception
    assert isinstance(error, CertificateUnknown)
    await message.answer(certificate_unknown(error, ctx.merchant.timezone))
    wake_for_alerts(error, wake_sender)
