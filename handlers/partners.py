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
from handlers.ui.partners_render import (
    PtAction,
    PtCb,
    PtInviteCb,
    PtViewCb,
    accepted_text,
    admins_only,
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
    refusal,
)
from services import policy
from services.coalition.partners import PartnerRefused, PartnerService
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
async def on_partner_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, PartnerRefused)
    await tell(event, refusal(event.exception), answer)


async def _is_admin(ctx: MemberContext, staff: StaffService, merchant_id: int) -> bool:
    if merchant_id != ctx.work_merchant_id:
        return False
    return await staff.role(merchant_id, ctx.telegram_id) in ADMINS


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
async def cb_console(query: CallbackQuery, ctx: MemberContext, partners: PartnerService) -> None:
    console = await partners.console(ctx.work_merchant_id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))


@router.callback_query(PtCb.filter(F.action == PtAction.INVITE), flags=STAFF)
async def cb_invite(
    query: CallbackQuery, ctx: MemberContext, partners: PartnerService, bot: Bot
) -> None:
    invite = await partners.create_invite(ctx.work_merchant_id, ctx.telegram_id)
    console = await partners.console(ctx.work_merchant_id, ctx.telegram_id)
    link = await create_start_link(bot, INVITE_PREFIX + invite.token)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))
        await query.message.answer(
            invite_text(link, console.name), reply_markup=invite_keyboard(link, console.name)
        )


@router.callback_query(PtCb.filter(F.action == PtAction.REVOKE), flags=STAFF)
async def cb_revoke(
    query: CallbackQuery,
    callback_data: PtCb,
    ctx: MemberContext,
    partners: PartnerService,
    answer: Answer,
) -> None:
    closed = await partners.revoke_invite(ctx.work_merchant_id, ctx.telegram_id, callback_data.id)
    answer.toast(_("The link no longer works.") if closed else _("This link is closed already."))
    console = await partners.console(ctx.work_merchant_id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await edit_text(query.message, console_text(console), console_keyboard(console))


@router.callback_query(PtCb.filter(F.action == PtAction.END), flags=STAFF)
async def cb_end(
    query: CallbackQuery, callback_data: PtCb, ctx: MemberContext, partners: PartnerService
) -> None:
    partner = await partners.ending(ctx.work_merchant_id, ctx.telegram_id, callback_data.id)
    if isinstance(query.message, Message):
        await edit_text(query.message, end_question(partner), end_keyboard(partner))


@router.callback_query(PtCb.filter(F.action == PtAction.END_OK), flags=STAFF)
async def cb_end_confirmed(
    query: CallbackQuery,
    callback_data: PtCb,
    ctx: MemberContext,
    partners: PartnerService,
    wake_sender: Callable[[], None],
) -> None:
    ended = await partners.end(ctx.work_merchant_id, ctx.telegram_id, callback_data.id)
    wake_sender()
    if isinstance(query.message, Message):
        await edit_text(query.message, ended_text(ended), None)


@router.callback_query(PtViewCb.filter(F.partner_id == 0), flags=EVERYONE)
async def cb_page(
    query: CallbackQuery,
    callback_data: PtViewCb,
    ctx: MemberContext,
    staff: StaffService,
    partners: PartnerService,
) -> None:
    page = await partners.page(callback_data.merchant_id)
    admin = await _is_admin(ctx, staff, callback_data.merchant_id)
    if isinstance(query.message, Message):
        await query.message.answer(page_text(page), reply_markup=page_keyboard(page, admin))


@router.callback_query(PtViewCb.filter(F.partner_id > 0), flags=EVERYONE)
async def cb_partner_card(
    query: CallbackQuery, callback_data: PtViewCb, partners: PartnerService, bot: Bot
) -> None:
    entry = await partners.partner_card(callback_data.merchant_id, callback_data.partner_id)
    payload = policy.build_payload(merchant_slug=entry.slug, source="partner")
    link = await create_start_link(bot, payload)
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
    token, who, where = callback_data.token, ctx.telegram_id, ctx.work_merchant_id
    if callback_data.accept:
        done = await partners.accept(token, who, where)
        text = accepted_text(done.partner, done.again)
        wake_sender()
    else:
        text = declined_text(await partners.decline(token, who, where))
    if isinstance(query.message, Message):
        await edit_text(query.message, text, None)
