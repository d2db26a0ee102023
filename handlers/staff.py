"""/staff for admins and owners: invite cashiers and admins by one-time links, list, revoke."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell_refusals
from handlers.ui.callbacks import StaffInviteCb, StaffRevokeCb
from handlers.ui.edit import edit_text
from handlers.ui.staff_render import invite_text, staff_keyboard, staff_text
from services import policy
from services.dto import MemberContext
from services.errors import NotStaff
from services.staff import StaffService

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}

tell_refusals(router, lambda: _("Only the admins of this place can manage staff."), NotStaff)


@router.message(Command("staff"), flags=STAFF)
async def cmd_staff(message: Message, ctx: MemberContext, staff: StaffService) -> None:
    members = await staff.members(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(staff_text(members), reply_markup=staff_keyboard(members))


@router.callback_query(StaffInviteCb.filter(), flags=STAFF)
async def cb_invite_staff(
    query: CallbackQuery,
    callback_data: StaffInviteCb,
    ctx: MemberContext,
    staff: StaffService,
    bot: Bot,
) -> None:
    try:
        invite = await staff.create_invite(
            ctx.work_merchant_id, query.from_user.id, callback_data.role
        )
    except ValueError:  # a forged role: refused like a stranger
        raise NotStaff() from None
    link = await create_start_link(bot, policy.build_payload(staff_invite=invite.token))
    if isinstance(query.message, Message):
        await query.message.answer(invite_text(link, invite.role))


@router.callback_query(StaffRevokeCb.filter(), flags=STAFF)
async def cb_revoke_staff(
    query: CallbackQuery,
    callback_data: StaffRevokeCb,
    ctx: MemberContext,
    staff: StaffService,
    answer: Answer,
) -> None:
    revoked = await staff.revoke(ctx.work_merchant_id, query.from_user.id, callback_data.staff_id)
    members = await staff.members(ctx.work_merchant_id, query.from_user.id)
    answer.toast(
        _("{name} no longer has access.").format(name=revoked.name)
        if revoked
        else _("Already revoked.")
    )
    if isinstance(query.message, Message):
        await edit_text(query.message, staff_text(members), reply_markup=staff_keyboard(members))
