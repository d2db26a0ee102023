"""/partners (issue 16): an admin's console of the working merchant's partnerships (invite by a
one-time link, revoke a link, end a partnership after a confirmation), the link's preview with
Accept and Decline for an admin of another merchant, and the members' Partners page: each
partner's business card, with a button to join there."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.exception import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _

from handlers.about import send_card
from handlers.answers import Answer
from handlers.errors import answer_refusals, tell, tell_refusals
from handlers.ui.business_render import card_text
from handlers.ui.edit import edit_text
from handlers.ui.partner_refusals import admins_only, refusal
from handlers.ui.partners_render import (
    PtAction,
    PtCb,
    PtInviteCb,
    PtPageCb,
    PtViewCb,
    accepted_text,
    console_keyboard,
    console_text,
    declined_text,
    end_keyboard,
    end_question,
    ended_text,
    invite_keyboard,
    invite_text,
    page_keyboard,
    page_text,
    partner_keyboard,
    preview_keyboard,
    preview_text,
)
from services import policy
from services.coalition.partner_views import PartnerRefused
from services.coalition.partners import PartnerService
from services.dto import MemberContext
from services.errors import NotStaff
from services.policy.certificates import INVITE_PREFIX, invite_payload
from services.staff import StaffService
from services.states import StaffRole

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}
EVERYONE = {"guest": True}  # the members' page and the link's preview: role checked inside
ADMINS = (StaffRole.ADMIN, StaffRole.OWNER)

tell_refusals(router, admins_only, NotStaff)


@router.errors(ExceptionTypeFilter(PartnerRefused))
async def on_partner_refused(
    event: ErrorEvent, answer: Answer | None = None, ctx: MemberContext | None = None
) -> None:
    assert isinstance(event.exception, PartnerRefused)
    several = ctx is not None and ctx.works_in_several
    text = refusal(event.exception, event.update.message is not None, several)
    await tell(event, text, answer)


async def _is_admin(ctx: MemberContext, staff: StaffService, merchant_id: int) -> bool:
    if merchant_id != ctx.work_merchant_id:
        return False
    return await staff.role(merchant_id, ctx.telegram_id) in ADMINS


def _here(ctx: MemberContext, data: PtCb) -> int:
    """The merchant a console button acts for: the one it was shown for, which must be the
    one its presser works in now (a /merchant switch since would act elsewhere)."""
    if data.merchant_id != ctx.work_merchant_id:
        raise PartnerRefused("elsewhere")
    return data.merchant_id


@router.message(Command("partners"), flags=EVERYONE | STAFF)
async def cmd_partners(
    message: Message, ctx: MemberContext, staff: StaffService, partners: PartnerService
) -> None:
    """The console for an admin of the working merchant; the members' page for anyone else."""
    if await _is_admin(ctx, staff, ctx.work_merchant_id):
        console = await partners.console(ctx.work_merchant_id, ctx.telegram_id)
        await message.answer(console_text(console), reply_markup=console_keyboard(console))
        return
    # A member reads their place's partners; staff who joined nowhere, their workplace's.
    page = await partners.page(ctx.merchant.id if ctx.is_member else ctx.work_merchant_id)
    await message.answer(page_text(page), reply_markup=page_keyboard(page, admin=False))


@router.callback_query(PtCb.filter(F.action == PtAction.CONSOLE), flags=STAFF)
async def cb_console(
    query: CallbackQuery, callback_data: PtCb, ctx: MemberContext, partners: PartnerService
) -> None:
    console = await partners.console(_here(ctx, callback_data), ctx.telegram_id)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))


@router.callback_query(PtCb.filter(F.action == PtAction.INVITE), flags=STAFF)
async def cb_invite(
    query: CallbackQuery,
    callback_data: PtCb,
    ctx: MemberContext,
    partners: PartnerService,
    bot: Bot,
) -> None:
    here = _here(ctx, callback_data)
    invite = await partners.create_invite(here, ctx.telegram_id)
    console = await partners.console(here, ctx.telegram_id)
    link = await create_start_link(bot, INVITE_PREFIX + invite.token)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))
        await query.message.answer(
            invite_text(link, console.name),
            reply_markup=invite_keyboard(link, console.name),
        )


@router.callback_query(PtCb.filter(F.action == PtAction.REVOKE), flags=STAFF)
async def cb_revoke(
    query: CallbackQuery,
    callback_data: PtCb,
    ctx: MemberContext,
    partners: PartnerService,
    answer: Answer,
) -> None:
    here = _here(ctx, callback_data)
    closed = await partners.revoke_invite(here, ctx.telegram_id, callback_data.id)
    answer.toast(_("The link no longer works.") if closed else _("This link is closed already."))
    console = await partners.console(here, ctx.telegram_id)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))


@router.callback_query(PtCb.filter(F.action == PtAction.END), flags=STAFF)
async def cb_end(
    query: CallbackQuery, callback_data: PtCb, ctx: MemberContext, partners: PartnerService
) -> None:
    here = _here(ctx, callback_data)
    partner = await partners.ending(here, ctx.telegram_id, callback_data.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, end_question(partner), end_keyboard(partner, here))


@router.callback_query(PtCb.filter(F.action == PtAction.END_OK), flags=STAFF)
async def cb_end_confirmed(
    query: CallbackQuery,
    callback_data: PtCb,
    ctx: MemberContext,
    partners: PartnerService,
    wake_sender: Callable[[], None],
) -> None:
    here = _here(ctx, callback_data)
    ended = await partners.end(here, ctx.telegram_id, callback_data.id)
    wake_sender()
    if isinstance(query.message, Message):
        await edit_text(query.message, ended_text(ended), None)


async def _show_page(
    query: CallbackQuery,
    ctx: MemberContext,
    staff: StaffService,
    partners: PartnerService,
    merchant_id: int,
    number: int,
    *,
    edit: bool,
) -> None:
    page = await partners.page(merchant_id, number)
    keyboard = page_keyboard(page, await _is_admin(ctx, staff, merchant_id))
    if not isinstance(query.message, Message):
        return
    if edit:
        await edit_text(query.message, page_text(page), keyboard)
    else:
        await query.message.answer(page_text(page), reply_markup=keyboard)


@router.callback_query(PtViewCb.filter(F.partner_id == 0), flags=EVERYONE)
async def cb_page(
    query: CallbackQuery,
    callback_data: PtViewCb,
    ctx: MemberContext,
    staff: StaffService,
    partners: PartnerService,
) -> None:
    await _show_page(query, ctx, staff, partners, callback_data.merchant_id, 0, edit=False)


@router.callback_query(PtPageCb.filter(), flags=EVERYONE)
async def cb_page_turned(
    query: CallbackQuery,
    callback_data: PtPageCb,
    ctx: MemberContext,
    staff: StaffService,
    partners: PartnerService,
) -> None:
    merchant_id, number = callback_data.merchant_id, callback_data.page
    await _show_page(query, ctx, staff, partners, merchant_id, number, edit=True)


@router.callback_query(PtViewCb.filter(F.partner_id > 0), flags=EVERYONE)
async def cb_partner_card(
    query: CallbackQuery,
    callback_data: PtViewCb,
    ctx: MemberContext,
    partners: PartnerService,
    bot: Bot,
) -> None:
    of, partner_id = callback_data.merchant_id, callback_data.partner_id
    entry = await partners.partner_card(of, partner_id, ctx.customer_id)
    # Someone who joins by this link is counted as brought by the business whose page it was.
    source = None if entry.member else f"partner{of}"
    link = await create_start_link(
        bot, policy.build_payload(merchant_slug=entry.slug, source=source)
    )
    if isinstance(query.message, Message):
        await send_card(
            query.message, entry.card, card_text(entry.card), partner_keyboard(entry, link)
        )


@router.message(
    CommandStart(deep_link=True, magic=F.args.regexp(r"^k[A-Za-z0-9]{16}$")), flags=EVERYONE
)
async def cmd_start_invite(
    message: Message, command: CommandObject, ctx: MemberContext, partners: PartnerService
) -> None:
    token = invite_payload(command.args)
    assert token is not None  # the filter matched its shape
    preview = await partners.preview(token, ctx.telegram_id, ctx.work_merchant_id)
    await message.answer(preview_text(preview), reply_markup=preview_keyboard(preview))


@router.callback_query(PtInviteCb.filter(), flags=EVERYONE)
async def cb_invite_answer(
    query: CallbackQuery,
    callback_data: PtInviteCb,
    ctx: MemberContext,
    partners: PartnerService,
    wake_sender: Callable[[], None],
) -> None:
    # For the business the preview named, whatever its admin works in now: the service
    # checks they are its admin before anything of the link is read.
    token, who, where = callback_data.token, ctx.telegram_id, callback_data.merchant_id
    if callback_data.accept:
        text = accepted_text(await partners.accept(token, who, where))
        wake_sender()
    else:
        text = declined_text(await partners.decline(token, who, where))
    if isinstance(query.message, Message):
        await edit_text(query.message, text, None)
