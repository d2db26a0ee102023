"""Joining: /start with or without a deep-link payload, consent, the marketing opt-in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.commands import set_staff_commands
from handlers.errors import answer_refusals
from handlers.gate import remember_link, send_rules
from handlers.profile import show_profile
from handlers.redeem import refusals as voucher_refusals
from handlers.redeem import show_voucher
from handlers.sale import begin_with_code
from handlers.sale import router as sale_form
from handlers.ui.callbacks import Consent, Marketing
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.keyboards import card_keyboard, main_menu, marketing_keyboard
from handlers.ui.member_render import card_text
from handlers.ui.rules_render import welcome_gift_text
from services import policy
from services.dto import MemberContext
from services.errors import InviteInvalid, OutdatedRules, UnknownMerchant
from services.members import MemberService
from services.program_settings import ProgramSettingsService
from services.rewards.redeem import RedeemService, voucher_payload
from services.sales import SaleService
from services.staff import StaffService
from services.states import StaffRole

router = Router(name=__name__)
answer_refusals(router, voucher_refusals, sale_form)  # a cashier's QR scan starts a sale
logger = logging.getLogger(__name__)


def invite_error(reason: str) -> str:
    return {
        "used": _("This invitation has already been used. Ask for a new one."),
        "expired": _("This invitation has expired (they last 24 hours). Ask for a new one."),
        "revoked": _(
            "Your access to this place was withdrawn, so this invitation no longer works. "
            "Ask an admin for a new one."
        ),
    }.get(reason, _("This invitation link is not valid."))


async def accept_staff_invite(
    message: Message,
    token: str,
    ctx: MemberContext,
    staff: StaffService,
    bot: Bot,
    wake_sender: Callable[[], None] = lambda: None,
) -> None:
    joined = await staff.accept_invite(
        token, ctx.telegram_id, message.from_user.first_name if message.from_user else None
    )
    wake_sender()  # the owners and admins were told in the same transaction
    await message.answer(
        (
            _("👋 Welcome to the team of {merchant} as an admin!")
            if joined.role is StaffRole.ADMIN
            else _("👋 Welcome to the team of {merchant} as a cashier!")
        ).format(merchant=escape(joined.merchant_name))
        + "\n\n"
        + _(
            "Send the customer's 6-digit code (or scan their QR) to start a sale; /sale does "
            "the same."
        )
        + "\n"
        + _("/sales – today's sales\n/refund – refund a sale")
        + "\n"
        + _("/redeem – hand over a member's voucher (or send its 8-digit code)")
        + (
            "\n"
            + _("/staff – invite and manage staff")
            + "\n\n"
            + _(
                "/help lists the rest you run here: the program's settings, the business card "
                "and news, customers, members' messages, reports and the audit log."
            )
            if joined.role is StaffRole.ADMIN
            else ""
        )
    )
    await set_staff_commands(bot, ctx.telegram_id, joined.role)


@router.message(CommandStart(), flags={"guest": True})
async def cmd_start(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    members: MemberService,
    staff: StaffService,
    sales: SaleService,
    programs: ProgramSettingsService,
    state: FSMContext,
    bot: Bot,
    wake_sender: Callable[[], None],
    redeem: RedeemService,
) -> None:
    voucher = voucher_payload(command.args)
    if voucher and await staff.role(ctx.work_merchant_id, ctx.telegram_id):
        # A cashier scanned a voucher's QR (t.me/<bot>?start=v<code>).
        await state.clear()
        await show_voucher(message, voucher, ctx, redeem)
        return
    payload = policy.parse_payload(command.args)
    if payload.problem:
        logger.info("start payload partly ignored: %s", payload.problem)
    if payload.staff_invite:
        await accept_staff_invite(message, payload.staff_invite, ctx, staff, bot, wake_sender)
        return
    if payload.pay_code and await staff.role(ctx.work_merchant_id, ctx.telegram_id):
        # A cashier scanned the customer's QR with the phone's camera.
        await begin_with_code(message, payload.pay_code, ctx, sales, state, redeem)
        return
    target = await members.join_target(payload, ctx.merchant)
    member_there = ctx.is_member and target.id == ctx.merchant.id
    if target.id != ctx.merchant.id and ctx.customer_id is not None:
        # A link to another merchant of this deployment: switch if they are a member there.
        member_there = await members.switch_merchant(ctx.telegram_id, target.id)
    if not member_there:
        await remember_link(state, target, payload.referral_code, payload.source)
        await send_rules(
            message,
            target,
            payload.referral_code,
            payload.source,
            programs=programs,
            members=members,
        )
        return
    if payload.pay_code or voucher:
        await message.answer(_("This QR code is for the staff at the till: show it to them."))
    elif payload.referral_code:
        await message.answer(_("You are already a member, so invitation links don't apply."))
    await message.answer(_("Welcome back! 👋"), reply_markup=main_menu())
    card = await members.card(target.id, ctx.telegram_id)
    await message.answer(card_text(card), reply_markup=card_keyboard())


@router.callback_query(Consent.filter(), flags={"guest": True})
async def cb_accept_rules(
    query: CallbackQuery,
    callback_data: Consent,
    members: MemberService,
    state: FSMContext,
    answer: Answer,
    wake_sender: Callable[[], None],
) -> None:
    joined = await members.join(
        telegram_id=query.from_user.id,
        merchant_id=callback_data.merchant_id,
        first_name=query.from_user.first_name,
        consent_version=callback_data.version,
        referral_code=callback_data.ref or None,
        source=callback_data.src or None,
        telegram_language=query.from_user.language_code,
    )
    if not joined.created and not joined.renewed:
        answer.toast(_("You are already a member."))
        return
    await state.clear()
    if joined.referrer_linked:
        wake_sender()  # the note to the person who invited them
    answer.toast(_("Thank you!") if joined.renewed else _("Welcome!"))
    if not isinstance(query.message, Message):
        return
    await drop_keyboard(query.message)
    await query.message.answer(
        _("Thank you: the new rules apply.")
        if joined.renewed
        else _("🎉 You are in! Your card is below; the menu at the bottom has everything."),
        reply_markup=main_menu(),
    )
    card = await members.card(joined.merchant.id, query.from_user.id)
    await query.message.answer(card_text(card), reply_markup=card_keyboard())
    if joined.welcome_reward:
        await query.message.answer(welcome_gift_text(joined.welcome_reward))
    if not joined.renewed:
        await query.message.answer(
            _(
                "Would you like to get news and special offers from {merchant}? "
                "You can change this at any time in /profile."
            ).format(merchant=escape(joined.merchant.name)),
            reply_markup=marketing_keyboard(joined.merchant.id),
        )


@router.callback_query(Marketing.filter())
async def cb_marketing_choice(
    query: CallbackQuery, callback_data: Marketing, members: MemberService, answer: Answer
) -> None:
    opted_in = await members.set_marketing(
        callback_data.merchant_id, query.from_user.id, callback_data.opt_in
    )
    note = (
        _("🔔 Done: you will get news and offers.")
        if opted_in
        else _("🔕 Done: no news or offers. You can turn them on in /profile.")
    )
    answer.toast(note if callback_data.origin == "profile" else None)
    if not isinstance(query.message, Message):
        return
    if callback_data.origin == "profile":
        profile = await members.profile(callback_data.merchant_id, query.from_user.id)
        await show_profile(query.message, profile, callback_data.merchant_id)
    else:
        await edit_text(query.message, note)


@router.errors(ExceptionTypeFilter(InviteInvalid), F.update.message.as_("message"))
async def on_invite_refused(event: ErrorEvent, message: Message) -> None:
    assert isinstance(event.exception, InviteInvalid)
    await message.answer(invite_error(event.exception.reason))


@router.errors(
    ExceptionTypeFilter(OutdatedRules, UnknownMerchant), F.update.callback_query.as_("query")
)
async def on_rules_outdated(
    event: ErrorEvent,
    query: CallbackQuery,
    ctx: MemberContext,
    answer: Answer,
    programs: ProgramSettingsService,
) -> None:
    answer.toast(_("The rules have changed; please read them again."))
    if isinstance(query.message, Message):
        await send_rules(query.message, ctx.merchant, programs=programs)
