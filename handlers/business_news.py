"""News posts for owners and admins: write one (text, then an optional photo), delete one while
scrolling them, keep a queued push as one (once). Role checked first, as in handlers/business.py,
whose error handlers word the refusals."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers import business
from handlers.about import show_news
from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.business_buttons import news_photo_keyboard
from handlers.ui.business_render import (
    BizEdit,
    EditAction,
    kept_as_news,
    news_photo_prompt,
    news_posted,
    news_prompt,
)
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import plain_text
from services.business import BusinessService
from services.dto import MemberContext

router = Router(name=__name__)
answer_refusals(router, business.router)
STAFF = business.STAFF
Form = business.BusinessForm


async def publish(
    message: Message,
    ctx: MemberContext,
    service: BusinessService,
    state: FSMContext,
    photo: str | None,
) -> None:
    data = await state.get_data()
    if "news_html" not in data:  # the form was cancelled meanwhile: an old button
        await message.answer(news_prompt())
        await state.set_state(Form.news_text)
        return
    await service.add_news(
        ctx.work_merchant_id, ctx.telegram_id, data["news_html"], photo, data["news_length"]
    )
    await state.clear()
    await message.answer(news_posted())


@router.callback_query(BizEdit.filter(F.action == EditAction.WRITE), flags=STAFF)
async def cb_write(
    query: CallbackQuery, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    await business.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    await state.clear()
    await state.set_state(Form.news_text)
    if isinstance(query.message, Message):
        await query.message.answer(news_prompt())


@router.message(StateFilter(Form.news_text), plain_text, flags=STAFF)
async def msg_news_text(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    await business.check_news(ctx.work_merchant_id, ctx.telegram_id, len(message.text or ""))
    await state.update_data(news_html=message.html_text, news_length=len(message.text or ""))
    await state.set_state(Form.news_photo)
    await message.answer(news_photo_prompt(), reply_markup=news_photo_keyboard())


@router.message(StateFilter(Form.news_text), F.photo, F.caption, flags=STAFF)
async def msg_news_photo_with_text(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    """A photo with a caption: the whole post at once."""
    assert message.photo
    length = len(message.caption or "")
    await business.check_news(ctx.work_merchant_id, ctx.telegram_id, length)
    await state.update_data(news_html=message.html_text, news_length=length)
    await publish(message, ctx, business, state, message.photo[-1].file_id)


@router.message(StateFilter(Form.news_photo), F.photo, flags=STAFF)
async def msg_news_photo(
    message: Message, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    assert message.photo
    await publish(message, ctx, business, state, message.photo[-1].file_id)


@router.callback_query(BizEdit.filter(F.action == EditAction.NO_PHOTO), flags=STAFF)
async def cb_no_photo(
    query: CallbackQuery, ctx: MemberContext, business: BusinessService, state: FSMContext
) -> None:
    await business.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await publish(query.message, ctx, business, state, None)


@router.callback_query(BizEdit.filter(F.action == EditAction.DELETE), flags=STAFF)
async def cb_delete(
    query: CallbackQuery,
    callback_data: BizEdit,
    ctx: MemberContext,
    business: BusinessService,
    answer: Answer,
) -> None:
    merchant_id = ctx.work_merchant_id
    deleted = await business.delete_news(merchant_id, ctx.telegram_id, callback_data.value)
    answer.toast(_("🗑 Deleted.") if deleted else _("This post was deleted already."))
    page = await business.admin_news_page(merchant_id, ctx.telegram_id, 0)
    if isinstance(query.message, Message):
        await show_news(query.message, page, merchant_id, admin=True)


@router.callback_query(BizEdit.filter(F.action == EditAction.KEEP), flags=STAFF)
async def cb_keep(
    query: CallbackQuery,
    callback_data: BizEdit,
    ctx: MemberContext,
    business: BusinessService,
    answer: Answer,
) -> None:
    kept = await business.keep_push(ctx.work_merchant_id, ctx.telegram_id, callback_data.value)
    answer.toast(kept_as_news(kept))
