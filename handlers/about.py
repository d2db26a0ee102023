"""The business card as members read it: /about and the menu button, the week's hours, the map,
and the news, scrolled in place. Public information: people who have not joined see it too."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell_refusals
from handlers.ui.business_buttons import card_keyboard, news_keyboard
from handlers.ui.business_render import (
    CAPTION_LIMIT,
    BizAction,
    BizCb,
    NewsCb,
    admins_only,
    card_text,
    news_text,
    week_text,
)
from handlers.ui.edit import edit_text
from handlers.ui.keyboards import MENU_ABOUT
from handlers.ui.partners_render import partners_button
from services.business import BusinessService, CardRefused, CardView, NewsPage
from services.coalition.partners import PartnerService
from services.dto import MemberContext
from services.errors import NotStaff

router = Router(name=__name__)
answer_refusals(router)
EVERYONE = {"guest": True}


def _stale() -> str:
    return _("This button is no longer active.")


tell_refusals(router, _stale, CardRefused)  # only a forged button's merchant gets here
tell_refusals(router, admins_only, NotStaff)  # the admin's view of the news


async def send_card(
    target: Message, card: CardView, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """The photo with the text as its caption; a text too long for a caption goes under it."""
    if card.photo and len(text) <= CAPTION_LIMIT:
        await target.answer_photo(card.photo, caption=text, reply_markup=keyboard)
        return
    if card.photo:
        await target.answer_photo(card.photo)
    await target.answer(text, reply_markup=keyboard)


async def show_news(message: Message, page: NewsPage, merchant_id: int, admin: bool) -> None:
    """The page in place of the one shown; a post with a photo after one without (or the other
    way round) replaces the message, as Telegram cannot turn one kind into the other."""
    text = news_text(page, page.timezone)
    keyboard = news_keyboard(page, merchant_id, admin)
    photo = page.post.photo if page.post else None
    if bool(message.photo) == bool(photo):
        if photo:
            media = InputMediaPhoto(media=photo, caption=text)
            try:
                await message.edit_media(media, reply_markup=keyboard)
            except TelegramBadRequest as error:
                if "not modified" not in str(error):
                    raise
        else:
            await edit_text(message, text, keyboard)
        return
    with suppress(TelegramBadRequest):  # too old to delete: the new page comes below it
        await message.delete()
    await send_news(message, page, merchant_id, admin)


async def send_news(message: Message, page: NewsPage, merchant_id: int, admin: bool) -> None:
    text = news_text(page, page.timezone)
    keyboard = news_keyboard(page, merchant_id, admin)
    if page.post is not None and page.post.photo:
        await message.answer_photo(page.post.photo, caption=text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


@router.message(F.text == MENU_ABOUT, flags=EVERYONE)
@router.message(Command("about"), flags=EVERYONE)
async def cmd_about(
    message: Message, ctx: MemberContext, business: BusinessService, partners: PartnerService
) -> None:
    card = await business.card(ctx.merchant.id)
    keyboard = card_keyboard(card)
    if await partners.has_partners(ctx.merchant.id):
        keyboard.inline_keyboard.append(partners_button(ctx.merchant.id))
    await send_card(message, card, card_text(card), keyboard)


@router.callback_query(BizCb.filter(F.action == BizAction.WEEK), flags=EVERYONE)
async def cb_week(query: CallbackQuery, callback_data: BizCb, business: BusinessService) -> None:
    card = await business.card(callback_data.merchant_id)
    if isinstance(query.message, Message):
        await query.message.answer(week_text(card))


@router.callback_query(BizCb.filter(F.action == BizAction.MAP), flags=EVERYONE)
async def cb_map(
    query: CallbackQuery, callback_data: BizCb, business: BusinessService, answer: Answer
) -> None:
    card = await business.card(callback_data.merchant_id)
    if card.location is None or not isinstance(query.message, Message):
        answer.toast(_stale())
        return
    lat, lon = card.location
    if card.address:
        await query.message.answer_venue(lat, lon, title=card.name, address=card.address)
    else:
        await query.message.answer_location(lat, lon)


@router.callback_query(NewsCb.filter(), flags=EVERYONE)
async def cb_news(
    query: CallbackQuery, callback_data: NewsCb, ctx: MemberContext, business: BusinessService
) -> None:
    """From the card: a new message; from the pager: the page in place. The admin's view (with
    a delete button) is for the admins of the place they work for, checked first."""
    if callback_data.admin:
        merchant_id = ctx.work_merchant_id
        page = await business.admin_news_page(merchant_id, ctx.telegram_id, callback_data.page)
    else:
        merchant_id = callback_data.merchant_id
        page = await business.news_page(merchant_id, callback_data.page)
    if not isinstance(query.message, Message):
        return
    if callback_data.flip:
        await show_news(query.message, page, merchant_id, callback_data.admin)
    else:
        await send_news(query.message, page, merchant_id, callback_data.admin)
