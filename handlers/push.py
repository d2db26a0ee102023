"""/push for admins and owners: a promo message to a segment of opted-in members, now or later.

The draft lives in FSM data until Send; then the service writes the campaign and one outbox row
per recipient in one transaction, and the sender delivers them at Telegram's pace.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import PushStep
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import plain_text
from handlers.ui.notices import notice_text
from handlers.ui.push_render import (
    day_choices,
    language_choices,
    level_choices,
    segment_name,
    with_count,
)
from handlers.ui.render import date_time
from services.campaigns import CampaignService
from services.campaigns.content import check_button, check_text, parse_segment
from services.campaigns.sending import AudienceCounts, CampaignStats
from services.dto import LevelInfo, MemberContext
from services.errors import NotStaff, PushRefused
from services.merchants import MerchantService
from services.notices import Push
from services.numbers import MAX_ID, InvalidNumber, parse_days, parse_id

router = Router(name=__name__)
STAFF = {"staff": True}


class AdminsOnly(BaseMiddleware):
    """Every push command, step and button checks the sender's role before anything else: a
    revoked admin mid-form, or anyone pressing an old or forged button, learns nothing."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ctx: MemberContext | None = data.get("ctx")
        campaigns: CampaignService = data["campaigns"]
        if ctx is None:
            return None
        try:
            await campaigns.check_admin(ctx.work_merchant_id, ctx.telegram_id)
        except NotStaff:
            state: FSMContext | None = data.get("state")
            if state is not None and (await state.get_state() or "").startswith("PushForm:"):
                await state.clear()
            text = _("Only the admins of this place can send pushes.")
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            elif isinstance(event, Message):
                await event.answer(text)
            return None
        return await handler(event, data)


router.message.middleware(AdminsOnly())
router.callback_query.middleware(AdminsOnly())


class PushForm(StatesGroup):
    text = State()
    photo = State()
    button = State()
    days = State()
    schedule = State()


def step(action: str, value: str = "") -> str:
    # ":" separates callback fields, so a segment such as lang:pl travels as lang-pl.
    return PushStep(action=action, value=value.replace(":", "-")).pack()


def button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=step(action, value))


def refused(error: PushRefused) -> str:
    return {
        "too_long": ngettext(
            "That is {count} character; a push can have at most 1000.",
            "That is {count} characters; a push can have at most 1000.",
            error.count,
        ).format(count=error.count),
        "html": _(
            "The formatting is not valid. Use Telegram's bold, italic and links, or close "
            "every tag you open."
        ),
        "url": _("That link is not valid. Send it like: Menu | https://example.com"),
        "button_text": _("The button text is too long (40 characters at most)."),
        "segment": _("Choose who gets the push with the buttons."),
        "audience": _("Nobody in that segment has opted in to news. Choose another."),
        "time": _("Send the time like 24.12 18:30, in the future."),
    }.get(error.reason, _("Something in the push is not right. Please try again."))


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


@router.message(Command("push"), flags=STAFF)
async def cmd_push(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    try:
        stats = await campaigns.latest(ctx.work_merchant_id, ctx.telegram_id)
    except NotStaff:
        await message.answer(_("Only the admins of this place can send pushes."))
        return
    await state.clear()
    if (command.args or "").strip().lower() == "status":
        await message.answer(
            status_text(
                stats, ctx.merchant.timezone, await merchants.levels(ctx.work_merchant_id)
            ),
            reply_markup=status_keyboard(stats),
        )
        return
    await state.set_state(PushForm.text)
    await message.answer(
        _(
            "✍️ Send the text of the push, or a photo with the text as its caption: up to 1000 "
            "characters; bold, italic and links are fine. /cancel to stop."
        )
    )


@router.message(StateFilter(PushForm.text), plain_text, flags=STAFF)
async def msg_push_text(message: Message, state: FSMContext) -> None:
    try:
        html = check_text(message.html_text)
    except PushRefused as error:
        await message.answer(refused(error))
        return
    await state.update_data(text=html, key=secrets.token_hex(16))
    if (await state.get_data()).get("photo"):  # the photo came first: no photo step
        await ask_button(message, state)
        return
    await state.set_state(PushForm.photo)
    await message.answer(
        _(
            "Add a photo or a link button? Send a photo, or a link like: Menu | "
            "https://example.com — or skip."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button(_("Skip"), "skip_photo")]]),
    )


@router.message(StateFilter(PushForm.text), F.photo, flags=STAFF)
async def msg_push_photo_first(message: Message, state: FSMContext) -> None:
    """A photo with a caption is the whole content in one step: the caption is the text (the
    same 1000-character limit, inside Telegram's 1024 for captions). Without a caption the photo
    is kept and the text is asked for."""
    assert message.photo
    photo = message.photo[-1].file_id
    if not message.caption:
        await state.update_data(photo=photo)
        await message.answer(_("Got the photo. Now send the text of the push."))
        return
    try:
        html = check_text(message.html_text)
    except PushRefused as error:
        await message.answer(refused(error))
        return
    await state.update_data(text=html, photo=photo, key=secrets.token_hex(16))
    await ask_button(message, state)


async def ask_button(message: Message, state: FSMContext) -> None:
    await state.set_state(PushForm.button)
    await message.answer(
        _("Add a link button? Send it like: Menu | https://example.com — or skip."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button(_("Skip"), "skip_button")]]),
    )


@router.message(StateFilter(PushForm.photo), F.photo, flags=STAFF)
async def msg_push_photo(message: Message, state: FSMContext) -> None:
    assert message.photo
    await state.update_data(photo=message.photo[-1].file_id)
    await ask_button(message, state)


@router.message(StateFilter(PushForm.photo), plain_text, flags=STAFF)
async def msg_push_link_instead(
    message: Message, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    """A link at the photo step: no photo, and the link button is done too."""
    await msg_push_button(message, ctx, campaigns, state)


@router.callback_query(
    StateFilter(PushForm.photo), PushStep.filter(F.action == "skip_photo"), flags=STAFF
)
async def cb_skip_photo(
    query: CallbackQuery, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    """Skip at the photo-or-link step skips both: on to who gets it."""
    await query.answer()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await ask_segment(query.message, ctx, campaigns, state)


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


@router.message(StateFilter(PushForm.button), plain_text, flags=STAFF)
async def msg_push_button(
    message: Message, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    try:
        label, url = check_button(message.text or "")
    except PushRefused as error:
        await message.answer(refused(error))
        return
    await state.update_data(button_text=label or None, button_url=url)
    await ask_segment(message, ctx, campaigns, state)


@router.callback_query(
    StateFilter(PushForm.button), PushStep.filter(F.action == "skip_button"), flags=STAFF
)
async def cb_skip_button(
    query: CallbackQuery, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await ask_segment(query.message, ctx, campaigns, state)


@router.callback_query(PushStep.filter(F.action == "levels"), flags=STAFF)
async def cb_levels(
    query: CallbackQuery,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
) -> None:
    counts = await campaigns.audience_counts(ctx.work_merchant_id, ctx.telegram_id)
    levels = await merchants.levels(ctx.work_merchant_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Which level?"), reply_markup=choices_keyboard(level_choices(levels, counts))
        )


@router.callback_query(PushStep.filter(F.action == "languages"), flags=STAFF)
async def cb_languages(
    query: CallbackQuery, ctx: MemberContext, campaigns: CampaignService
) -> None:
    counts = await campaigns.audience_counts(ctx.work_merchant_id, ctx.telegram_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Which language?"), reply_markup=choices_keyboard(language_choices(counts))
        )


@router.callback_query(PushStep.filter(F.action == "days"), flags=STAFF)
async def cb_days(
    query: CallbackQuery,
    callback_data: PushStep,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
) -> None:
    kind = "joined" if callback_data.value == "joined" else "inactive"
    counts = await campaigns.audience_counts(ctx.work_merchant_id, ctx.telegram_id)
    await query.answer()
    await state.update_data(days_kind=kind)
    await state.set_state(PushForm.days)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("How many days? Press a button or send a number, for example 45."),
            reply_markup=choices_keyboard(day_choices(kind, counts)),
        )


@router.message(StateFilter(PushForm.days), plain_text, flags=STAFF)
async def msg_days(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    try:
        days = parse_days(message.text or "")
    except InvalidNumber:
        await message.answer(
            _("Send the number of days in digits, for example 30; ten years at most.")
        )
        return
    data = await state.get_data()
    await preview(message, ctx, campaigns, merchants, state, f"{data.get('days_kind')}:{days}")


@router.callback_query(PushStep.filter(F.action == "segment"), flags=STAFF)
async def cb_segment(
    query: CallbackQuery,
    callback_data: PushStep,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        segment = callback_data.value.replace("-", ":")
        await preview(query.message, ctx, campaigns, merchants, state, segment)


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
        await message.answer(_("This push is no longer open. Start again with /push."))
        return
    try:
        segment = parse_segment(segment_key.strip())
        count = await campaigns.audience_size(ctx.work_merchant_id, ctx.telegram_id, segment)
    except PushRefused as error:
        await message.answer(refused(error))
        return
    except NotStaff:
        await state.clear()
        await message.answer(_("Only the admins of this place can send pushes."))
        return
    name = segment_name(segment.key, await merchants.levels(ctx.work_merchant_id))
    if count == 0:  # nothing to send: say why, and offer the groups again
        await ask_segment(
            message,
            ctx,
            campaigns,
            state,
            _("Nobody in “{segment}” has opted in to news — choose another group.").format(
                segment=name
            ),
        )
        return
    await state.set_state(None)
    await state.update_data(segment=segment.key)
    text, keyboard = notice_text(_content(data))
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
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [button(_("📣 Send now"), "send"), button(_("🕒 Schedule"), "schedule")],
                [button(_("✖️ Cancel"), "cancel")],
            ]
        ),
    )


def _content(data: dict[str, Any]) -> Push:
    """The push as composed so far in the form."""
    return Push(
        text=data["text"],
        photo=data.get("photo"),
        button_text=data.get("button_text"),
        button_url=data.get("button_url"),
    )


async def queue(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Callable[[], None],
    send_at: datetime | None,
) -> None:
    data = await state.get_data()
    if "segment" not in data:
        await message.answer(_("This push is no longer open. Start again with /push."))
        return
    try:
        stats = await campaigns.queue(
            ctx.work_merchant_id,
            ctx.telegram_id,
            _content(data),
            parse_segment(data["segment"]),
            send_at,
            data["key"],
        )
    except PushRefused as error:
        await message.answer(refused(error))
        return
    except NotStaff:
        await message.answer(_("Only the admins of this place can send pushes."))
        return
    await state.clear()
    when = date_time(stats.send_at, ctx.merchant.timezone)
    await message.answer(
        ngettext(
            "📣 Push #{id} queued for {count} member, from {when}. See /push status.",
            "📣 Push #{id} queued for {count} members, from {when}. See /push status.",
            stats.recipients,
        ).format(id=stats.id, count=stats.recipients, when=when)
    )
    wake_sender()


@router.callback_query(PushStep.filter(F.action == "send"), flags=STAFF)
async def cb_send_now(
    query: CallbackQuery,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Callable[[], None],
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await queue(query.message, ctx, campaigns, state, wake_sender, None)


@router.callback_query(PushStep.filter(F.action == "schedule"), flags=STAFF)
async def cb_schedule(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(PushForm.schedule)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("When? Send the date and time like 24.12 18:30 (the merchant's local time).")
        )


@router.message(StateFilter(PushForm.schedule), plain_text, flags=STAFF)
async def msg_schedule(
    message: Message,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
    wake_sender: Callable[[], None],
) -> None:
    try:
        when = campaigns.send_at(message.text or "", ctx.merchant.timezone)
    except PushRefused as error:
        if error.reason == "past":
            now = campaigns.local_now(ctx.merchant.timezone)
            await message.answer(
                _(
                    "That time has already passed: it is {now} here now. Send a later one, like "
                    "24.12 18:30 (a date over a month ago means next year)."
                ).format(now=date_time(now, ctx.merchant.timezone))
            )
            return
        await message.answer(refused(error))
        return
    await queue(message, ctx, campaigns, state, wake_sender, when)


@router.callback_query(PushStep.filter(F.action == "cancel"), flags=STAFF)
async def cb_cancel_push(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled."))
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)


@router.callback_query(PushStep.filter(F.action == "stop"), flags=STAFF)
async def cb_stop_push(
    query: CallbackQuery, callback_data: PushStep, ctx: MemberContext, campaigns: CampaignService
) -> None:
    try:
        campaign_id = parse_id(callback_data.value, MAX_ID)
    except InvalidNumber:
        await query.answer(_("This button is no longer active."))
        return
    try:
        stats = await campaigns.cancel(ctx.work_merchant_id, query.from_user.id, campaign_id)
    except NotStaff:
        await query.answer(_("Only the admins of this place can send pushes."), show_alert=True)
        return
    if stats is None:
        await query.answer(_("This push has already finished."))
        return
    await query.answer(
        ngettext(
            "Stopped: {cancelled} message will not be sent.",
            "Stopped: {cancelled} messages will not be sent.",
            stats.cancelled,
        ).format(cancelled=stats.cancelled)
    )
