"""What the till says when it refuses: one wording per domain error of a sale, for the sale
form (handlers/sale.py), refunds (handlers/refunds.py) and /birthday's look-up by code.

A button's refusal is an alert and leaves any form alone; a message's refusal is worded the
same, with the paused cashier's or the locked till's time where a message has room for it.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.ui.callbacks import SaleDecision
from handlers.ui.edit import drop_keyboard
from handlers.ui.limits_render import codes_locked_text, refusal_text
from handlers.ui.sale_certificate_render import over_certificate
from handlers.ui.sale_render import amount_error, code_error, paused_text, sale_refused
from services.coalition.sale_share import RefundOverCertificate
from services.dto import MemberContext
from services.errors import (
    CodeInvalid,
    CodesLocked,
    DomainError,
    InvalidAmount,
    NotStaff,
    SaleRefused,
    StaffPaused,
)

SELLER_ERRORS = (NotStaff, StaffPaused, CodesLocked)
TILL_ERRORS = (*SELLER_ERRORS, CodeInvalid, InvalidAmount, SaleRefused)
Wake = Callable[[], None]

# The error handlers of the till's buttons; the routers of the sale form and of refunds
# pass their buttons' refusals on to them (handlers/errors.py answer_refusals).
button_refusals = Router(name=__name__)


def not_staff() -> str:
    return _("This command is for the staff of this place.")


def amount_refused(error: InvalidAmount, ctx: MemberContext) -> str:
    if isinstance(error, RefundOverCertificate):
        return over_certificate(error)
    return amount_error(error.reason, ctx.merchant.max_sale_minor, ctx.merchant.currency)


def till_refusal(error: DomainError, ctx: MemberContext) -> str:
    """A message's wording of a refusal at the till."""
    timezone = ctx.merchant.timezone
    if isinstance(error, StaffPaused):
        return paused_text(error.until, timezone)
    if isinstance(error, CodesLocked):
        return codes_locked_text(error.until, timezone)
    if isinstance(error, CodeInvalid):
        text = code_error(error.reason)
        if error.paused and error.until is not None:
            text += "\n\n" + paused_text(error.until, timezone)
        if error.locked_until is not None:
            text += "\n\n" + codes_locked_text(error.locked_until, timezone)
        return text
    if isinstance(error, InvalidAmount):
        return amount_refused(error, ctx)
    if isinstance(error, SaleRefused):
        return refusal_text(error, sale_refused(error.reason))
    return not_staff()


def wake_for_alerts(error: DomainError, wake_sender: Wake) -> None:
    """A wrong code that paused the cashier or locked the till queued the admins' alert."""
    if isinstance(error, CodeInvalid) and (error.paused or error.locked_until is not None):
        wake_sender()


@button_refusals.errors(ExceptionTypeFilter(*TILL_ERRORS), F.update.callback_query.as_("query"))
async def on_button_refused(
    event: ErrorEvent,
    query: CallbackQuery,
    ctx: MemberContext,
    answer: Answer,
    callback_data: object = None,
) -> None:
    """Not staff (before anything else), or a stale or forged draft."""
    error = event.exception
    if isinstance(error, SaleRefused):
        answer.alert(refusal_text(error, sale_refused(error.reason)))
        confirm = isinstance(callback_data, SaleDecision) and callback_data.confirm
        if confirm and error.reason != "not_found" and isinstance(query.message, Message):
            await drop_keyboard(query.message)  # that sale can no longer be confirmed
    elif isinstance(error, InvalidAmount):
        answer.alert(amount_refused(error, ctx))
    elif isinstance(error, CodeInvalid):
        answer.alert(code_error(error.reason))
    else:
        answer.alert(not_staff())
