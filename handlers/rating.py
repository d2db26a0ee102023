"""The customer rates a purchase (1 to 5 stars) and may add a comment."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import Rate
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.keyboards import main_menu
from handlers.ui.notices.sales import STARS
from services.dto import MemberContext
from services.errors import RatingRefused
from services.sales import SaleService

router = Router(name=__name__)


class RatingForm(StatesGroup):
    comment = State()


@router.callback_query(Rate.filter())
async def cb_rate(
    query: CallbackQuery,
    callback_data: Rate,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Callable[[], None],
) -> None:
    try:
        alerts = await sales.rate(
            callback_data.purchase_id, query.from_user.id, callback_data.stars
        )
    except RatingRefused as error:
        await query.answer(
            _("You have already rated this purchase. Thank you!")
            if error.reason == "already_rated"
            else _("This rating is not available.")
        )
        return
    await query.answer(_("Thank you!"))
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await query.message.answer(
            _("Your rating: {stars}. Anything to add? Write a comment, or /skip.").format(
                stars=STARS[: callback_data.stars]
            )
        )
    await state.set_state(RatingForm.comment)
    await state.update_data(purchase_id=callback_data.purchase_id)
    if alerts:
        wake_sender()


@router.message(StateFilter(RatingForm.comment), Command("skip"))
async def cmd_skip_comment(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())


@router.message(StateFilter(RatingForm.comment), plain_text, not_menu)
async def msg_comment(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Callable[[], None],
) -> None:
    data = await state.get_data()
    await state.clear()
    try:
        alerts = await sales.comment(int(data["purchase_id"]), ctx.telegram_id, message.text or "")
    except RatingRefused:
        await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())
        return
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())
    if alerts:
        wake_sender()


@router.message(StateFilter(RatingForm.comment), off_topic)
async def msg_comment_expected(message: Message) -> None:
    await message.answer(_("Write your comment as text, or /skip."))
