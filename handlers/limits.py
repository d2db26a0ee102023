"""The Resume button of a code-entry lock: owners and the merchant's admins only."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import CodesResume
from handlers.ui.edit import drop_keyboard
from services.errors import NotStaff
from services.limits import LimitService

router = Router(name=__name__)
STAFF = {"staff": True}


@router.callback_query(CodesResume.filter(), flags=STAFF)
async def cb_resume_codes(
    query: CallbackQuery, callback_data: CodesResume, limits: LimitService
) -> None:
    try:
        resumed = await limits.resume_codes(callback_data.merchant_id, query.from_user.id)
    except NotStaff:
        await query.answer(_("Only the owners and admins can resume code entry."), show_alert=True)
        return
    await query.answer(
        _("Code entry resumed. The count of wrong codes starts again.")
        if resumed
        else _("Code entry is already open.")
    )
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
