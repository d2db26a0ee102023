"""A member's wallet (issue 16): /wallet and "👛 Wallet" on the card, a page at a time (◀️ ▶️),
one certificate with its code and QR (or the business to join first), "🎁 Give to a friend"
and the gift link a friend opens (`t.me/<bot>?start=g<token>`).

Joining the business a certificate is for goes through the usual rules and consent (handlers/
start.py), with the source tag `cert` (from a certificate) or `gift` (a friend who is nobody
here yet, whose gift is taken when they accept). The Accept of those two comes here first:
the join is start.py's, and then the certificate is shown (or the gift taken), whose id or
token waited in the conversation's state: a pointer, not business state. A gift is checked
again before that join: one gone while its friend read the rules is said, and they are not
joined (the rules' Accept goes; the business's own join link still works)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, ErrorEvent, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _

from handlers import start
from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.gate import remember_link, send_rules
from handlers.ui.callbacks import Consent
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.qr import qr_png
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from handlers.ui.wallet_render import (
    certificate_keyboard,
    certificate_text,
    gift_gone_text,
    gift_link_keyboard,
    gift_link_text,
    gift_offer_text,
    refusal,
    wallet_keyboard,
    wallet_text,
)
from services.coalition.gifts import GiftService
from services.coalition.wallet import CertificateCard
from services.dto import MemberContext
from services.errors import CertificateRefused
from services.members import MemberService
from services.policy.certificates import CODE_PREFIX, GIFT_PREFIX, gift_payload
from services.program_settings import ProgramSettingsService

router = Router(name=__name__)
answer_refusals(router, start.router)  # an Accept of rules that changed meanwhile, as start's
GUEST = {"guest": True}  # a certificate is held by a customer, whatever business they talk to
GIFT_LINK = rf"^{GIFT_PREFIX}[A-Za-z0-9]{{16}}$"
CERT, GIFT = "cert", "gift"  # the join's source tags
PENDING = "wallet_pending"  # FSM data: the certificate id (cert) or gift token (gift) waiting


async def send_wallet(
    message: Message, telegram_id: int, wallet: GiftService, page: int = 0
) -> None:
    held = await wallet.wallet(telegram_id, page)
    await message.answer(wallet_text(held), reply_markup=wallet_keyboard(held))


async def send_certificate(
    message: Message, card: CertificateCard, bot: Bot, page: int = 0
) -> None:
    """The certificate, its Back to the wallet's `page`."""
    keyboard = certificate_keyboard(card, page)
    if card.code is None:
        await message.answer(certificate_text(card), reply_markup=keyboard)
        return
    # The QR opens the bot for the accepting business's cashier with the code filled in.
    link = await create_start_link(bot, f"{CODE_PREFIX}{card.code}")
    await message.answer_photo(
        BufferedInputFile(await asyncio.to_thread(qr_png, link), filename="certificate.png"),
        caption=certificate_text(card),
        reply_markup=keyboard,
    )


@router.message(Command("wallet"), flags=GUEST)
async def cmd_wallet(message: Message, ctx: MemberContext, wallet: GiftService) -> None:
    await send_wallet(message, ctx.telegram_id, wallet)


@router.callback_query(WalletCb.filter(F.action == WalletAction.LIST), flags=GUEST)
async def cb_wallet(
    query: CallbackQuery, callback_data: WalletCb, ctx: MemberContext, wallet: GiftService
) -> None:
    if isinstance(query.message, Message):
        await send_wallet(query.message, ctx.telegram_id, wallet, callback_data.page)


@router.callback_query(WalletCb.filter(F.action == WalletAction.PAGE), flags=GUEST)
async def cb_wallet_page(
    query: CallbackQuery, callback_data: WalletCb, ctx: MemberContext, wallet: GiftService
) -> None:
    held = await wallet.wallet(ctx.telegram_id, callback_data.page)
    if isinstance(query.message, Message):
        await edit_text(query.message, wallet_text(held), wallet_keyboard(held))


@router.callback_query(WalletCb.filter(F.action == WalletAction.SHOW), flags=GUEST)
async def cb_certificate(
    query: CallbackQuery,
    callback_data: WalletCb,
    ctx: MemberContext,
    wallet: GiftService,
    bot: Bot,
) -> None:
    card = await wallet.certificate(ctx.telegram_id, callback_data.certificate_id)
    if isinstance(query.message, Message):
        await send_certificate(query.message, card, bot, callback_data.page)


@router.callback_query(WalletCb.filter(F.action == WalletAction.GIFT), flags=GUEST)
async def cb_gift(
    query: CallbackQuery,
    callback_data: WalletCb,
    ctx: MemberContext,
    wallet: GiftService,
    bot: Bot,
) -> None:
    token = await wallet.share(ctx.telegram_id, callback_data.certificate_id)
    card = await wallet.certificate(ctx.telegram_id, callback_data.certificate_id)
    link = await create_start_link(bot, f"{GIFT_PREFIX}{token}")
    if isinstance(query.message, Message):
        await query.message.answer(
            gift_link_text(card, link),
            reply_markup=gift_link_keyboard(card, link, callback_data.page),
        )


@router.callback_query(WalletCb.filter(F.action == WalletAction.JOIN), flags=GUEST)
async def cb_join(
    query: CallbackQuery,
    callback_data: WalletCb,
    ctx: MemberContext,
    wallet: GiftService,
    state: FSMContext,
    programs: ProgramSettingsService,
    bot: Bot,
) -> None:
    card, target = await wallet.to_join(ctx.telegram_id, callback_data.certificate_id)
    if not isinstance(query.message, Message):
        return
    if card.code is not None:  # joined meanwhile (a double press, another chat)
        await send_certificate(query.message, card, bot, callback_data.page)
        return
    await remember_link(state, target, None, CERT)
    await state.update_data({PENDING: card.held.id})
    await send_rules(query.message, target, None, CERT, programs=programs)


@router.message(CommandStart(deep_link=True, magic=F.args.regexp(GIFT_LINK)), flags=GUEST)
async def cmd_gift_link(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    wallet: GiftService,
    state: FSMContext,
    programs: ProgramSettingsService,
    bot: Bot,
    wake_sender: Callable[[], None],
) -> None:
    token = gift_payload(command.args)
    assert token is not None  # the filter matched
    if ctx.customer_id is None:  # nobody here yet: the business's rules first, then the gift
        offer = await wallet.offer(ctx.telegram_id, token)
        await remember_link(state, offer.merchant, None, GIFT)
        await state.update_data({PENDING: token})
        await message.answer(gift_offer_text(offer.held))
        await send_rules(message, offer.merchant, None, GIFT, programs=programs)
        return
    await take_gift(message, ctx.telegram_id, token, wallet, bot, wake_sender)


async def take_gift(
    message: Message,
    telegram_id: int,
    token: str,
    wallet: GiftService,
    bot: Bot,
    wake_sender: Callable[[], None],
) -> None:
    certificate_id = await wallet.take(telegram_id, token)
    wake_sender()  # the giver is told
    await message.answer(_("🎁 It's yours! The certificate is in your /wallet now."))
    await send_certificate(message, await wallet.certificate(telegram_id, certificate_id), bot)


@router.callback_query(Consent.filter(F.src.in_({CERT, GIFT})), flags=GUEST)
async def cb_accept_rules_for_certificate(
    query: CallbackQuery,
    callback_data: Consent,
    members: MemberService,
    state: FSMContext,
    answer: Answer,
    wake_sender: Callable[[], None],
    wallet: GiftService,
    bot: Bot,
) -> None:
    pending = (await state.get_data()).get(PENDING)  # start's accept clears the state
    if callback_data.src == GIFT:  # before joining: a gift gone joins them to nothing
        reason = await gift_refusal(wallet, query.from_user.id, pending)
        if reason is not None:
            await gift_gone(query, state, reason)
            return
    await start.cb_accept_rules(query, callback_data, members, state, answer, wake_sender)
    message = query.message
    if not isinstance(message, Message):
        return
    if callback_data.src == GIFT and isinstance(pending, str):
        try:
            await take_gift(message, query.from_user.id, pending, wallet, bot, wake_sender)
        except CertificateRefused as refused:  # taken by another friend while they read
            await message.answer(refusal(refused.reason))
    elif callback_data.src == CERT and isinstance(pending, int):
        card = await wallet.certificate(query.from_user.id, pending)
        await send_certificate(message, card, bot)
    else:  # the state was lost (a restart without Redis): say where to look
        await message.answer(_("Your certificates are in /wallet."))


async def gift_refusal(wallet: GiftService, telegram_id: int, pending: object) -> str | None:
    """Why the gift this friend read the rules for cannot be taken now; None if it can."""
    if not isinstance(pending, str):
        return "stale"  # the state was lost (a restart without Redis, a second press)
    try:
        await wallet.offer(telegram_id, pending)
    except CertificateRefused as refused:
        return refused.reason
    return None


async def gift_gone(query: CallbackQuery, state: FSMContext, reason: str) -> None:
    """The gift went while its friend read the rules: said, and the rules' Accept goes."""
    await state.clear()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await query.message.answer(gift_gone_text(reason))


@router.errors(ExceptionTypeFilter(CertificateRefused))
async def on_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, CertificateRefused)
    await tell(event, refusal(event.exception.reason), answer)
