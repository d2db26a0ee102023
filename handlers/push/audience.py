"""Who gets the push (everyone, a level, a language, inactive or new for N days, birthdays),
and the preview: the push exactly as customers will see it, with how many will get it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.push.form import STAFF, PushForm, button, composed, no_longer_open
from handlers.push.paid import paid_row
from handlers.ui.callbacks import PushStep
from handlers.ui.filters import plain_text
from handlers.ui.notices import notice_text
from handlers.ui.push_render import (
    day_choices,
    language_choices,
    level_choices,
    segment_name,
    with_count,
)
from services.campaigns import CampaignService
from services.campaigns.content import parse_segment
from services.campaigns.sending import AudienceCounts
from services.dto import MemberContext
from services.merchants import MerchantService
from services.numbers import parse_days

router = Router(name=__name__)


def segments_keyboard(counts: AudienceCounts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(with_count(_("Everyone who opted in"), counts.everyone), "segment", "all")],
            [button(_("By level"), "levels"), button(_("By language"), "languages")],
            [button(_("Inactive for N days"), "days", "inactive")],
            [button(_("Joined in the last N days"), "days", "joined")],
            [button(with_count(_("Birthday this month"), counts.birthday), "segment", "birthday")],
        ]
    )


def choices_keyboard(choices: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button(label, "segment", key)] for label, key in choices]
    )


async def ask_segment(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    text: str | None = None,
) -> None:
    await state.set_state(None)
    counts = await campaigns.audience_counts(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(text or _("Who gets it?"), reply_markup=segments_keyboard(counts))


AUDIENCE = {"segment", "levels", "languages", "days"}


@router.callback_query(PushStep.filter(F.action.in_(AUDIENCE)), flags=STAFF)
async def cb_audience(
    query: CallbackQuery,
    callback_data: PushStep,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    """A group: on to the preview; a group with a choice inside it: which level, which
    language, how many days."""
    if callback_data.action == "segment":
        if isinstance(query.message, Message):
            segment = callback_data.value.replace("-", ":")
            await preview(query.message, ctx, campaigns, merchants, state, segment)
        return
    counts = await campaigns.audience_counts(ctx.work_merchant_id, ctx.telegram_id)
    if callback_data.action == "levels":
        levels = await merchants.levels(ctx.work_merchant_id)
        text, choices = _("Which level?"), level_choices(levels, counts)
    elif callback_data.action == "languages":
        text, choices = _("Which language?"), language_choices(counts)
    else:
        kind = "joined" if callback_data.value == "joined" else "inactive"
        await state.update_data(days_kind=kind)
        await state.set_state(PushForm.days)
        text = _("How many days? Press a button or send a number, for example 45.")
        choices = day_choices(kind, counts)
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=choices_keyboard(choices))


@router.message(StateFilter(PushForm.days), plain_text, flags=STAFF)
async def msg_days(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    days = parse_days(message.text or "")
    data = await state.get_data()
    await preview(message, ctx, campaigns, merchants, state, f"{data.get('days_kind')}:{days}")


async def preview(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
    segment_key: str,
) -> None:
    """Show the push exactly as customers will see it, and how many will get it."""
    data = await state.get_data()
    if "text" not in data:
        await message.answer(no_longer_open())
        return
    segment = parse_segment(segment_key.strip())
    count = await campaigns.audience_size(ctx.work_merchant_id, ctx.telegram_id, segment)
    name = segment_name(segment.key, await merchants.levels(ctx.work_merchant_id))
    if count == 0:  # nothing to send: say why, and offer the groups again
        text = _("Nobody in “{segment}” has opted in to news — choose another group.")
        await ask_segment(message, ctx, campaigns, state, text.format(segment=name))
        return
    await state.set_state(None)
    await state.update_data(segment=segment.key)
    rows = [
        [button(_("📣 Send now"), "send"), button(_("🕒 Schedule"), "schedule")],
        [button(_("✖️ Cancel"), "cancel")],
    ]
    if campaigns.offers_paid(ctx.telegram_id, count):
        rows.insert(1, paid_row())
    text, keyboard = notice_text(composed(data))
    if data.get("photo"):
        await message.answer_photo(data["photo"], caption=text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)
    await message.answer(
        ngettext(
            "☝️ This is how it will look. {segment}: {count} recipient.",
            "☝️ This is how it will look. {segment}: {count} recipients.",
            count,
        ).format(segment=name, count=count),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )
