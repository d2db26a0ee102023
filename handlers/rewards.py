"""Members and the reward catalogue: "🎁 Rewards" on the card (and /rewards for anyone who
does not keep the catalogue: owners and admins get theirs, handlers/rewards_admin.py), a
reward's confirm screen, the claim, the voucher with its code and QR, and /vouchers."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import BufferedInputFile, CallbackQuery, ErrorEvent, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.rewards_admin import send_admin_list, send_with_photo
from handlers.ui.member_render import paused_note
from handlers.ui.qr import qr_png
from handlers.ui.render import points
from handlers.ui.rewards_callbacks import RewardAction, RewardCb, VoucherAction, VoucherCb
from handlers.ui.rewards_render import (
    offer_keyboard,
    offer_text,
    shelf_keyboard,
    shelf_text,
)
from handlers.ui.voucher_render import voucher_text, vouchers_keyboard, vouchers_text
from services.dto import MemberContext
from services.rewards.claims import RewardService
from services.rewards.values import RewardRefused, VoucherView

router = Router(name=__name__)
answer_refusals(router)


async def send_shelf(message: Message, ctx: MemberContext, rewards: RewardService) -> None:
    shelf = await rewards.shelf(ctx.merchant.id, ctx.telegram_id)
    await message.answer(shelf_text(shelf), reply_markup=shelf_keyboard(shelf))


async def send_voucher(message: Message, voucher: VoucherView, bot: Bot) -> None:
    if voucher.status != "open":
        await message.answer(voucher_text(voucher))
        return
    # The QR opens the bot for the cashier with the voucher's code filled in (redeem helper).
    link = await create_start_link(bot, f"v{voucher.code}")
    await message.answer_photo(
        BufferedInputFile(await asyncio.to_thread(qr_png, link), filename="voucher.png"),
        caption=voucher_text(voucher),
    )


@router.message(Command("rewards"), flags={"staff": True})  # staff who are not members too
async def cmd_rewards(message: Message, ctx: MemberContext, rewards: RewardService) -> None:
    """Owners and admins keep the catalogue; everyone else browses it."""
    if ctx.staff_merchant_id is not None and await rewards.is_admin(
        ctx.work_merchant_id, ctx.telegram_id
    ):
        await send_admin_list(message, ctx, rewards)
    else:
        await send_shelf(message, ctx, rewards)


@router.callback_query(RewardCb.filter(F.action == RewardAction.LIST))
async def cb_shelf(query: CallbackQuery, ctx: MemberContext, rewards: RewardService) -> None:
    if isinstance(query.message, Message):
        await send_shelf(query.message, ctx, rewards)


@router.callback_query(RewardCb.filter(F.action == RewardAction.OFFER))
async def cb_offer(
    query: CallbackQuery, callback_data: RewardCb, ctx: MemberContext, rewards: RewardService
) -> None:
    offer = await rewards.offer(ctx.merchant.id, ctx.telegram_id, callback_data.reward_id)
    if isinstance(query.message, Message):
        photo = offer.rewards[0].photo
        await send_with_photo(query.message, photo, offer_text(offer), offer_keyboard(offer))


@router.callback_query(RewardCb.filter(F.action == RewardAction.CLAIM))
async def cb_claim(
    query: CallbackQuery,
    callback_data: RewardCb,
    ctx: MemberContext,
    rewards: RewardService,
    answer: Answer,
    bot: Bot,
) -> None:
    try:
        voucher = await rewards.claim(
            ctx.merchant.id,
            ctx.telegram_id,
            callback_data.reward_id,
            callback_data.seen,
            callback_data.terms,
        )
    except RewardRefused as error:
        if error.reason != "terms":
            raise
        # The terms changed since the screen: the new ones, to claim at them or not.
        answer.alert(refusal(error))
        await cb_offer(query, callback_data, ctx, rewards)
        return
    answer.toast(_("🎉 It's yours!"))
    if isinstance(query.message, Message):
        await send_voucher(query.message, voucher, bot)


@router.message(Command("vouchers"))
async def cmd_vouchers(message: Message, ctx: MemberContext, rewards: RewardService) -> None:
    vouchers = await rewards.my_vouchers(ctx.merchant.id, ctx.telegram_id)
    await message.answer(vouchers_text(vouchers), reply_markup=vouchers_keyboard(vouchers))


@router.callback_query(VoucherCb.filter(F.action == VoucherAction.LIST))
async def cb_vouchers(query: CallbackQuery, ctx: MemberContext, rewards: RewardService) -> None:
    vouchers = await rewards.my_vouchers(ctx.merchant.id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await query.message.answer(
            vouchers_text(vouchers), reply_markup=vouchers_keyboard(vouchers)
        )


@router.callback_query(VoucherCb.filter(F.action == VoucherAction.SHOW))
async def cb_voucher(
    query: CallbackQuery,
    callback_data: VoucherCb,
    ctx: MemberContext,
    rewards: RewardService,
    bot: Bot,
) -> None:
    voucher = await rewards.my_voucher(ctx.merchant.id, ctx.telegram_id, callback_data.voucher_id)
    if isinstance(query.message, Message):
        await send_voucher(query.message, voucher, bot)


@router.errors(ExceptionTypeFilter(RewardRefused))
async def on_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, RewardRefused)
    await tell(event, refusal(event.exception), answer)


def refusal(error: RewardRefused) -> str:
    match error.reason:
        case "points":
            return _("Not enough points yet: {points} more to go.").format(
                points=points(error.short)
            )
        case "stock":
            return _("Sorry, this reward is out of stock.")
        case "limit":
            return _("You have already claimed this reward as many times as one member may.")
        case "level":
            return _("This reward is for members of a higher level. Keep collecting!")
        case "blocked":
            return paused_note()
        case "stale":
            return _(
                "Your points changed since this screen. Check /vouchers, then claim again "
                "from /rewards if you still want it."
            )
        case "terms":
            return _(
                "This reward's terms changed since this screen. Here they are now: claim "
                "again if you still want it."
            )
        case "voucher":
            return _("There is no such voucher of yours.")
        case _:
            return _("This reward is no longer in the catalogue.")
