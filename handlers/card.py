"""The card, the one-time payment code and the referral link."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from handlers.code_message import replace_code_message
from handlers.ui.callbacks import CardAction, Nav
from handlers.ui.keyboards import (
    MENU_CARD,
    MENU_CODE,
    MENU_INVITE,
    card_keyboard,
    code_keyboard,
    invite_keyboard,
)
from handlers.ui.member_render import card_text, code_caption, invite_caption, share_text
from handlers.ui.qr import qr_png
from services import policy
from services.codes import CodeService
from services.dto import MemberContext
from services.members import MemberService

router = Router(name=__name__)


async def send_card(
    target: Message, user_id: int, ctx: MemberContext, members: MemberService
) -> None:
    card = await members.card(ctx.merchant.id, user_id)
    await target.answer(card_text(card), reply_markup=card_keyboard())


async def send_code(
    target: Message,
    user_id: int,
    ctx: MemberContext,
    codes: CodeService,
    bot: Bot,
    state: FSMContext | None = None,
) -> None:
    issued = await codes.issue(ctx.merchant.id, user_id)
    # The QR opens the bot for the cashier with the code filled in.
    link = await create_start_link(bot, policy.build_payload(pay_code=issued.code))
    sent = await target.answer_photo(
        # Rendering a QR takes ~20 ms of CPU: off the event loop, so other updates go on.
        BufferedInputFile(await asyncio.to_thread(qr_png, link), filename="code.png"),
        caption=code_caption(issued, ctx.merchant),
        reply_markup=code_keyboard(),
    )
    if state is not None:  # the new code is the only one the chat shows
        await replace_code_message(state, bot, target.chat.id, sent.message_id)


async def send_invite(
    target: Message, user_id: int, ctx: MemberContext, members: MemberService, bot: Bot
) -> None:
    card = await members.card(ctx.merchant.id, user_id)
    link = await create_start_link(bot, policy.build_payload(referral_code=card.referral_code))
    await target.answer_photo(
        BufferedInputFile(await asyncio.to_thread(qr_png, link), filename="invite.png"),
        caption=invite_caption(link, ctx.merchant),
        reply_markup=invite_keyboard(link, share_text(ctx.merchant)),
    )


@router.message(F.text == MENU_CARD)
@router.message(Command("card"))  # registered first: asked first
async def cmd_card(message: Message, ctx: MemberContext, members: MemberService) -> None:
    await send_card(message, ctx.telegram_id, ctx, members)


@router.message(F.text == MENU_CODE)
@router.message(Command("code"))  # registered first: asked first
async def cmd_code(
    message: Message, ctx: MemberContext, codes: CodeService, bot: Bot, state: FSMContext
) -> None:
    await send_code(message, ctx.telegram_id, ctx, codes, bot, state)


@router.message(F.text == MENU_INVITE)
@router.message(Command("invite"))  # registered first: asked first
async def cmd_invite(
    message: Message, ctx: MemberContext, members: MemberService, bot: Bot
) -> None:
    await send_invite(message, ctx.telegram_id, ctx, members, bot)


@router.callback_query(Nav.filter(F.to == CardAction.CARD))
async def cb_card(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    if isinstance(query.message, Message):
        await send_card(query.message, ctx.telegram_id, ctx, members)


@router.callback_query(Nav.filter(F.to == CardAction.CODE))
async def cb_code(
    query: CallbackQuery, ctx: MemberContext, codes: CodeService, bot: Bot, state: FSMContext
) -> None:
    if isinstance(query.message, Message):
        await send_code(query.message, ctx.telegram_id, ctx, codes, bot, state)


@router.callback_query(Nav.filter(F.to == CardAction.INVITE))
async def cb_invite(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, bot: Bot
) -> None:
    if isinstance(query.message, Message):
        await send_invite(query.message, ctx.telegram_id, ctx, members, bot)
