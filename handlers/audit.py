"""/audit for owners and admins: the working merchant's audit log, newest first, filtered by
person, kind and day (today, yesterday, or a typed date: /audit 31.12.2026)."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from handlers.errors import answer_refusals, tell_refusals
from handlers.ui import audit_render as ui
from handlers.ui.edit import edit_text
from handlers.ui.report_render import admins_only
from services.audit_log import AuditLogService, BadDay
from services.dto import MemberContext
from services.errors import NotStaff

router = Router(name=__name__)
answer_refusals(router)
tell_refusals(router, admins_only, NotStaff)
tell_refusals(router, ui.bad_day_text, BadDay)
STAFF = {"staff": True}


@router.message(Command("audit"), flags=STAFF)
async def cmd_audit(
    message: Message, command: CommandObject, ctx: MemberContext, audit_log: AuditLogService
) -> None:
    typed = (command.args or "").strip() or None
    page = await audit_log.page(ctx.work_merchant_id, ctx.telegram_id, typed_day=typed)
    cb = ui.AuditCb(view=ui.AuditView.LIST)
    await message.answer(ui.audit_text(page, cb), reply_markup=ui.audit_keyboard(page, cb))


@router.callback_query(ui.AuditCb.filter(), flags=STAFF)
async def cb_audit(
    query: CallbackQuery,
    callback_data: ui.AuditCb,
    ctx: MemberContext,
    audit_log: AuditLogService,
) -> None:
    cb = callback_data
    page = await audit_log.page(
        ctx.work_merchant_id,
        ctx.telegram_id,
        person=cb.person or None,
        kind=cb.kind or None,
        day=date.fromordinal(cb.day) if cb.day else None,
        page=cb.page,
    )
    if not isinstance(query.message, Message):
        return
    if cb.view == ui.AuditView.LIST:
        await edit_text(query.message, ui.audit_text(page, cb), ui.audit_keyboard(page, cb))
    elif cb.view == ui.AuditView.PEOPLE:
        await edit_text(query.message, ui.pick_text(cb.view), ui.people_keyboard(page, cb))
    elif cb.view == ui.AuditView.KINDS:
        await edit_text(query.message, ui.pick_text(cb.view), ui.kinds_keyboard(page, cb))
    else:
        await edit_text(query.message, ui.pick_text(cb.view), ui.days_keyboard(page, cb))
