"""Until a person accepts the rules, every update is answered with the rules and one button."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from handlers.deps import Handler
from handlers.ui.help_render import join_keyboard, role_help
from handlers.ui.keyboards import consent_keyboard
from handlers.ui.rules_render import rules_text
from services.dto import MemberContext, MerchantView
from services.members import MemberService
from services.program_settings import ProgramSettingsService
from services.staff import StaffService
from services.states import StaffRole

PENDING = "pending_join"  # FSM data: the link a person came from, until they accept the rules


async def remember_link(
    state: FSMContext, merchant: MerchantView, ref: str | None, src: str | None
) -> None:
    """Nothing is stored in the database before consent; the link waits in FSM storage."""
    await state.update_data({PENDING: {"merchant_id": merchant.id, "ref": ref, "src": src}})


async def send_rules(
    target: Message,
    merchant: MerchantView,
    ref: str | None = None,
    src: str | None = None,
    *,
    programs: ProgramSettingsService,
    members: MemberService | None = None,
) -> None:
    """The rules (from the program's settings) and the Accept button; above them, who
    invited this person, if someone did. A member who accepted older rules reads that they
    changed, not a welcome (in a private chat, the chat is the person)."""
    changed = target.chat.type == "private" and await programs.accepted_before(
        merchant.id, target.chat.id
    )
    prog = await programs.rules(merchant.id)
    text = rules_text(prog, changed, await programs.rewards_named(prog))
    inviter = await members.inviter_name(merchant.id, ref) if ref and members else None
    if inviter:
        text = _("🤝 {name} invited you!").format(name=escape(inviter)) + "\n\n" + text
    await target.answer(
        text,
        reply_markup=consent_keyboard(merchant.id, merchant.rules_version, ref or "", src or ""),
    )


async def send_staff_help(target: Message, role: StaffRole) -> None:
    """Staff who are not members see what they can do, and join only if they ask to."""
    await target.answer(role_help(role, False), reply_markup=join_keyboard())


class ConsentGate(BaseMiddleware):
    """Inner middleware: handlers flagged `guest` run for everyone, `staff` ones for anyone
    (their services check the role on every act), the rest for members only. Anyone else
    gets the rules, except staff (owners, admins, cashiers), who get their own help."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = event.chat if isinstance(event, Message) else None
        if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
            chat = event.message.chat
        if chat is not None and chat.type != "private":
            return None  # a card or a payment code must never be shown to a group
        ctx: MemberContext | None = data.get("ctx")
        if ctx is None or ctx.is_member or get_flag(data, "guest") or get_flag(data, "staff"):
            return await handler(event, data)
        # Keep the referrer and source of the link they came from, whatever they send next.
        state: FSMContext | None = data.get("state")
        pending = (await state.get_data()).get(PENDING, {}) if state else {}
        ref, src = pending.get("ref"), pending.get("src")
        if pending.get("merchant_id") != ctx.merchant.id:
            ref = src = None
        staff: StaffService | None = data.get("staff")
        role = await staff.role(ctx.work_merchant_id, ctx.telegram_id) if staff else None
        target = event if isinstance(event, Message) else None
        if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
            target = event.message  # the button itself is answered quietly (handlers/answers)
        if target is None:
            return None
        if role:
            await send_staff_help(target, role)
        else:
            await send_rules(
                target,
                ctx.merchant,
                ref,
                src,
                programs=data["programs"],
                members=data.get("members"),
            )
        return None
