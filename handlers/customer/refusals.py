"""How /customer's refusals read: its own, the till's (a look-up by code), the birthday's."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.birthdays import member_not_found
from handlers.errors import tell
from handlers.profile import birthday_error
from handlers.till_refusals import TILL_ERRORS, till_refusal, wake_for_alerts
from handlers.ui import customer_render as ui
from handlers.ui.edit import drop_keyboard
from services.care import (
    CareRefused,
    GoodwillGiven,
)
from services.dto import MemberContext
from services.errors import DomainError, InvalidBirthday, MemberNotFound, NotStaff

router = Router(name=__name__)
Wake = Callable[[], None]


@router.errors(ExceptionTypeFilter(GoodwillGiven))
async def on_goodwill_given(
    event: ErrorEvent, ctx: MemberContext, state: FSMContext, answer: Answer | None = None
) -> None:
    assert isinstance(event.exception, GoodwillGiven)
    if event.update.message is not None:
        await state.clear()  # a typed amount would be refused again
    await tell(event, ui.goodwill_given_text(event.exception, ctx.merchant.timezone), answer)
    query = event.update.callback_query
    if query is not None and isinstance(query.message, Message):
        await drop_keyboard(query.message)


@router.errors(
    ExceptionTypeFilter(CareRefused, NotStaff, *TILL_ERRORS, MemberNotFound, InvalidBirthday)
)
async def on_refused(
    event: ErrorEvent, ctx: MemberContext, wake_sender: Wake, answer: Answer | None = None
) -> None:
    error = event.exception
    if isinstance(error, CareRefused):
        text = ui.care_refused(error)
    elif isinstance(error, NotStaff):
        text = _("This is for the staff of this place.")
    elif isinstance(error, MemberNotFound):
        text = member_not_found(error)
    elif isinstance(error, InvalidBirthday):
        text = birthday_error(error)
    else:  # a look-up by code is one at the till
        assert isinstance(error, DomainError)
        text = till_refusal(error, ctx)
        wake_for_alerts(error, wake_sender)
    await tell(event, text, answer)
