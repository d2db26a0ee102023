"""The push sent now or scheduled, or cancelled; /push status and stopping a queued push."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.answers import Answer
from handlers.push.form import STAFF, PushForm, button, composed, no_longer_open, time_wanted
from handlers.ui.business_buttons import keep_keyboard
from handlers.ui.callbacks import PushStep
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import plain_text
from handlers.ui.push_render import segment_name
from handlers.ui.render import date_time
from services.campaigns import CampaignService
from services.campaigns.content import parse_segment
from services.campaigns.sending import CampaignStats
from services.dto import LevelInfo, MemberContext
from services.numbers import MAX_ID, parse_id

router = Router(name=__name__)
Wake = Callable[[], None]


def status_text(
    stats: list[CampaignStats], timezone: str, levels: Sequence[LevelInfo] = ()
) -> str:
    if not stats:
        return _("No pushes yet. Start one with /push.")
    lines = [_("📣 <b>Latest pushes</b>"), ""]
    for s in stats:
        when = date_time(s.send_at, timezone)
        lines.append(
            _(
                "#{id} · {when} · {segment}: {sent} sent, {pending} waiting, {failed} failed, "
                "{blocked} blocked"
            ).format(
                id=s.id,
                when=when,
                segment=segment_name(s.segment, levels),
                sent=s.sent,
                pending=s.pending,
                failed=s.failed,
                blocked=s.blocked,
            )
            + (" · " + _("cancelled") if s.status == "cancelled" else "")
        )
    return "\n".join(lines)


def status_keyboard(stats: list[CampaignStats]) -> InlineKeyboardMarkup | None:
    rows = [
        [button(_("✖️ Stop push #{id}").format(id=s.id), "stop", str(s.id))]
        for s in stats
        if s.status == "queued" and s.pending
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def queue(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Wake,
    send_at: datetime | None,
    paid: bool = False,
) -> None:
    data = await state.get_data()
    if "segment" not in data:
        await message.answer(no_longer_open())
        return
    segment = parse_segment(data["segment"])
    stats = await campaigns.queue(
        ctx.work_merchant_id, ctx.telegram_id, composed(data), segment, send_at, data["key"], paid
    )
    await state.clear()
    when = date_time(stats.send_at, ctx.merchant.timezone)
    text = ngettext(
        "📣 Push #{id} queued for {count} member, from {when}. See /push status.",
        "📣 Push #{id} queued for {count} members, from {when}. See /push status.",
        stats.recipients,
    ).format(id=stats.id, count=stats.recipients, when=when)
    if paid:
        text += "\n" + _("⚡ It goes as a paid broadcast.")
    keep = keep_keyboard(stats.id) if send_at is None else None  # a sent push: keep as news
    await message.answer(text, reply_markup=keep)
    wake_sender()


@router.callback_query(PushStep.filter(F.action.in_({"send", "paid_send"})), flags=STAFF)
async def cb_send_now(
    query: CallbackQuery,
    callback_data: PushStep,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    """Send now; `paid_send`: as a paid broadcast (handlers/push/paid.py), owners only."""
    paid = callback_data.action == "paid_send"
    if paid:
        campaigns.require_owner(ctx.telegram_id)  # before anything is read
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await queue(query.message, ctx, campaigns, state, wake_sender, None, paid)


@router.callback_query(PushStep.filter(F.action == "schedule"), flags=STAFF)
async def cb_schedule(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(PushForm.schedule)
    if isinstance(query.message, Message):
        await query.message.answer(time_wanted())


@router.message(StateFilter(PushForm.schedule), plain_text, flags=STAFF)
async def msg_schedule(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    when = campaigns.send_at(message.text or "", ctx.merchant.timezone)
    await queue(message, ctx, campaigns, state, wake_sender, when)


@router.callback_query(PushStep.filter(F.action == "cancel"), flags=STAFF)
async def cb_cancel_push(query: CallbackQuery, state: FSMContext, answer: Answer) -> None:
    await state.clear()
    answer.toast(_("Cancelled."))
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)


@router.callback_query(PushStep.filter(F.action == "stop"), flags=STAFF)
async def cb_stop_push(
    query: CallbackQuery,
    callback_data: PushStep,
    ctx: MemberContext,
    campaigns: CampaignService,
    answer: Answer,
) -> None:
    campaign_id = parse_id(callback_data.value, MAX_ID)
    stats = await campaigns.cancel(ctx.work_merchant_id, query.from_user.id, campaign_id)
    if stats is None:
        answer.toast(_("This push has already finished."))
        return
    answer.toast(
        ngettext(
            "Stopped: {cancelled} message will not be sent.",
            "Stopped: {cancelled} messages will not be sent.",
            stats.cancelled,
        ).format(cancelled=stats.cancelled)
    )
