"""Joining: /start with or without a deep-link payload, consent, the marketing opt-in."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.gate import send_rules
from handlers.ui.callbacks import Consent, Marketing
from handlers.ui.keyboards import card_keyboard, main_menu, marketing_keyboard, profile_keyboard
from handlers.ui.render import card_text, profile_text
from services import rules
from services.dto import MemberContext
from services.errors import OutdatedRules, UnknownMerchant
from services.members import MemberService

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.message(CommandStart(), flags={"guest": True})
async def cmd_start(
    message: Message, command: CommandObject, ctx: MemberContext, members: MemberService
) -> None:
    payload = rules.parse_payload(command.args)
    if payload.problem:
        logger.info("start payload partly ignored: %s", payload.problem)
    target = await members.join_target(payload, ctx.merchant)
    member_there = ctx.is_member and target.id == ctx.merchant.id
    if target.id != ctx.merchant.id and ctx.customer_id is not None:
        # A link to another merchant of this deployment: switch if they are a member there.
        member_there = await members.switch_merchant(ctx.telegram_id, target.id)
    if not member_there:
        await send_rules(message, target, payload.referral_code, payload.source)
        return
    if payload.pay_code:
        await message.answer(_("This QR code is for the staff at the till: show it to them."))
    elif payload.referral_code:
        await message.answer(_("You are already a member, so invitation links don't apply."))
    await message.answer(_("Welcome back! 👋"), reply_markup=main_menu())
    card = await members.card(target.id, ctx.telegram_id)
    await message.answer(card_text(card), reply_markup=card_keyboard())


@router.callback_query(Consent.filter(), flags={"guest": True})
async def cb_accept_rules(
    query: CallbackQuery, callback_data: Consent, ctx: MemberContext, members: MemberService
) -> None:
    try:
        joined = await members.join(
            telegram_id=query.from_user.id,
            merchant_id=callback_data.merchant_id,
            first_name=query.from_user.first_name,
            consent_version=callback_data.version,
            referral_code=callback_data.ref or None,
            source=callback_data.src or None,
        )
    except (OutdatedRules, UnknownMerchant):
        await query.answer(_("The rules have changed; please read them again."))
        if isinstance(query.message, Message):
            await send_rules(query.message, ctx.merchant)
        return
    if not joined.created:
        await query.answer(_("You are already a member."))
        return
    await query.answer(_("Welcome!"))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("🎉 You are in! Your card is below; the menu at the bottom has everything."),
            reply_markup=main_menu(),
        )
        card = await members.card(joined.merchant.id, query.from_user.id)
        await query.message.answer(card_text(card), reply_markup=card_keyboard())
        await query.message.answer(
            _(
                "Would you like to get news and special offers from {merchant}? "
                "You can change this at any time in /profile."
            ).format(merchant=joined.merchant.name),
            reply_markup=marketing_keyboard(),
        )


@router.callback_query(Marketing.filter())
async def cb_marketing_choice(
    query: CallbackQuery, callback_data: Marketing, ctx: MemberContext, members: MemberService
) -> None:
    opted_in = await members.set_marketing(
        ctx.merchant.id, query.from_user.id, callback_data.opt_in
    )
    note = (
        _("🔔 Done: you will get news and offers.")
        if opted_in
        else _("🔕 Done: no news or offers. You can turn them on in /profile.")
    )
    await query.answer(note if callback_data.origin == "profile" else None)
    if not isinstance(query.message, Message):
        return
    if callback_data.origin == "profile":
        profile = await members.profile(ctx.merchant.id, query.from_user.id)
        await query.message.edit_text(
            profile_text(profile), reply_markup=profile_keyboard(profile)
        )
    else:
        await query.message.edit_text(note)
