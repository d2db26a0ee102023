"""/push and the push's content: its text (or a photo with a caption), a photo, a link button."""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.push.audience import ask_segment
from handlers.push.form import STAFF, PushForm, ask_link, ask_photo, ask_text
from handlers.push.sending import status_keyboard, status_text
from handlers.ui.callbacks import PushStep
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import plain_text
from services.campaigns import CampaignService
from services.campaigns.content import check_button, check_text
from services.dto import MemberContext
from services.merchants import MerchantService

router = Router(name=__name__)


@router.message(Command("push"), flags=STAFF)
async def cmd_push(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    campaigns: CampaignService,
    merchants: MerchantService,
    state: FSMContext,
) -> None:
    stats = await campaigns.latest(ctx.work_merchant_id, ctx.telegram_id)
    await state.clear()
    if (command.args or "").strip().lower() == "status":
        levels = await merchants.levels(ctx.work_merchant_id)
        await message.answer(
            status_text(stats, ctx.merchant.timezone, levels), reply_markup=status_keyboard(stats)
        )
        return
    await state.set_state(PushForm.text)
    await ask_text(message)


@router.message(StateFilter(PushForm.text), plain_text, flags=STAFF)
async def msg_push_text(message: Message, state: FSMContext) -> None:
    html = check_text(message.html_text)
    await state.update_data(text=html, key=secrets.token_hex(16))
    if (await state.get_data()).get("photo"):  # the photo came first: no photo step
        await ask_button(message, state)
        return
    await state.set_state(PushForm.photo)
    await ask_photo(message)


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
    html = check_text(message.html_text)
    await state.update_data(text=html, photo=photo, key=secrets.token_hex(16))
    await ask_button(message, state)


async def begin_with_text(
    message: Message, ctx: MemberContext, campaigns: CampaignService, state: FSMContext, html: str
) -> None:
    """A push another feature wrote (a promotion's announcement): its text as if typed, then
    who gets it, the preview and Send as for any push."""
    await state.clear()
    await state.update_data(text=check_text(html), key=secrets.token_hex(16))
    await ask_segment(message, ctx, campaigns, state)


async def ask_button(message: Message, state: FSMContext) -> None:
    await state.set_state(PushForm.button)
    await ask_link(message)


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


@router.message(StateFilter(PushForm.button), plain_text, flags=STAFF)
async def msg_push_button(
    message: Message, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    label, url = check_button(message.text or "")
    await state.update_data(button_text=label or None, button_url=url)
    await ask_segment(message, ctx, campaigns, state)


@router.callback_query(
    StateFilter(PushForm.photo), PushStep.filter(F.action == "skip_photo"), flags=STAFF
)
@router.callback_query(
    StateFilter(PushForm.button), PushStep.filter(F.action == "skip_button"), flags=STAFF
)
async def cb_skip(
    query: CallbackQuery,
    ctx: MemberContext,
    campaigns: CampaignService,
    state: FSMContext,
) -> None:
    """Skip at the photo-or-link step skips both; at the link step, the link: on to who gets
    it."""
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await ask_segment(query.message, ctx, campaigns, state)
