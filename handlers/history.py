"""/history: the ledger of the customer's points, paginated."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from handlers.ui.callbacks import CardAction, HistoryPage, Nav
from handlers.ui.edit import edit_text
from handlers.ui.keyboards import history_keyboard
from handlers.ui.member_render import history_text
from services.dto import MemberContext
from services.members import MemberService

router = Router(name=__name__)


async def send_history(target: Message, ctx: MemberContext, members: MemberService) -> None:
    page = await members.history(ctx.merchant.id, ctx.telegram_id, 0)
    await target.answer(
        history_text(page, ctx.merchant), reply_markup=history_keyboard(page.page, page.pages)
    )


@router.message(Command("history"))
async def cmd_history(message: Message, ctx: MemberContext, members: MemberService) -> None:
    await send_history(message, ctx, members)


@router.callback_query(Nav.filter(F.to == CardAction.HISTORY))
async def cb_history(query: CallbackQuery, ctx: MemberContext, members: MemberService) -> None:
    if isinstance(query.message, Message):
        await send_history(query.message, ctx, members)


@router.callback_query(HistoryPage.filter())
async def cb_history_page(
    query: CallbackQuery, callback_data: HistoryPage, ctx: MemberContext, members: MemberService
) -> None:
    page = await members.history(ctx.merchant.id, ctx.telegram_id, callback_data.page)
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            history_text(page, ctx.merchant),
            reply_markup=history_keyboard(page.page, page.pages),
        )
