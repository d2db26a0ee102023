"""The Resume button of a code-entry lock: owners and the merchant's admins only."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell_refusals
from handlers.ui.callbacks import CodesResume
from handlers.ui.edit import drop_keyboard
from services.errors import NotStaff
from services.limits import LimitService

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}

tell_refusals(router, lambda: _("Only the owners and admins can resume code entry."), NotStaff)


@router.callback_query(CodesResume.filter(), flags=STAFF)
async def cb_resume_codes(
    query: CallbackQuery, callback_data: CodesResume, limits: LimitService, answer: Answer
) -> None:
    resumed = await limits.resume_codes(callback_data.merchant_id, query.from_user.id)
    answer.toast(
        _("Code entry resumed. The count of wrong codes starts again.")
        if resumed
        else _("Code entry is already open.")
    )
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
