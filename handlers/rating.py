"""The customer rates a purchase (1 to 5 stars) and may add a comment."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.callbacks import Rate
from handlers.ui.edit import drop_keyboard
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.keyboards import main_menu
from handlers.ui.staff_render import STARS
from services.dto import MemberContext, Notice
from services.errors import RatingRefused
from services.sales import SaleService

router = Router(name=__name__)
answer_refusals(router)


class RatingForm(StatesGroup):
    comment = State()


@router.callback_query(Rate.filter())
async def cb_rate(
    query: CallbackQuery,
    callback_data: Rate,
    sales: SaleService,
    state: FSMContext,
    answer: Answer,
    wake_sender: Callable[[], None],
) -> None:
    alerts = await sales.rate(callback_data.purchase_id, query.from_user.id, callback_data.stars)
    answer.toast(_("Thank you!"))
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
    alerts: tuple[Notice, ...] = ()
    with suppress(RatingRefused):  # a purchase gone meanwhile gets the same thanks
        alerts = await sales.comment(int(data["purchase_id"]), ctx.telegram_id, message.text or "")
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())
    if alerts:
        wake_sender()


@router.message(StateFilter(RatingForm.comment), off_topic)
async def msg_comment_expected(message: Message) -> None:
    await message.answer(_("Write your comment as text, or /skip."))


@router.errors(ExceptionTypeFilter(RatingRefused), F.update.callback_query)
async def on_rating_refused(event: ErrorEvent, answer: Answer) -> None:
    assert isinstance(event.exception, RatingRefused)
    answer.toast(
        _("You have already rated this purchase. Thank you!")
        if event.exception.reason == "already_rated"
        else _("This rating is not available.")
    )
