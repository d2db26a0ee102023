"""/help: each person sees the commands of their role; staff who are not members may join."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.gate import PENDING, send_rules
from handlers.ui.callbacks import JoinProgram
from handlers.ui.help_render import role_help
from handlers.ui.keyboards import main_menu
from services.dto import MemberContext
from services.members import MemberService
from services.program_settings import ProgramSettingsService
from services.staff import StaffService

router = Router(name=__name__)


@router.message(Command("help"))
async def cmd_help(message: Message, ctx: MemberContext, staff: StaffService) -> None:
    # Members only: the gate answers staff who are not members with their own help.
    role = await staff.role(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(role_help(role, True), reply_markup=main_menu())


@router.callback_query(JoinProgram.filter(), flags={"guest": True})
async def cb_join_program(
    query: CallbackQuery,
    ctx: MemberContext,
    members: MemberService,
    programs: ProgramSettingsService,
    state: FSMContext,
    answer: Answer,
) -> None:
    """Staff asking to join as customers: only now do they see the program's rules."""
    if ctx.is_member:
        answer.toast(_("You are already a member."))
        return
    pending = (await state.get_data()).get(PENDING, {})
    ref, src = pending.get("ref"), pending.get("src")
    if pending.get("merchant_id") != ctx.merchant.id:
        ref = src = None
    if isinstance(query.message, Message):
        await send_rules(query.message, ctx.merchant, ref, src, programs=programs, members=members)
