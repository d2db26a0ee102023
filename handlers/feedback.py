"""Customers' feedback: stars on a purchase (1 to 5) and the NPS score (0 to 10, once per
survey), each followed by an optional comment or /skip."""

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
from handlers.ui.callbacks import NpsScore, Rate
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.keyboards import main_menu
from handlers.ui.notices.sales import STARS
from services.dto import MemberContext
from services.errors import RatingRefused
from services.jobs import JobService
from services.notices import Notice
from services.sales import SaleService

router = Router(name=__name__)
answer_refusals(router)
Wake = Callable[[], None]


class RatingForm(StatesGroup):
    comment = State()


class SurveyForm(StatesGroup):
    comment = State()


COMMENT = StateFilter(RatingForm.comment, SurveyForm.comment)


async def thank(message: Message) -> None:
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())


@router.callback_query(Rate.filter())
async def cb_rate(
    query: CallbackQuery,
    callback_data: Rate,
    sales: SaleService,
    state: FSMContext,
    answer: Answer,
    wake_sender: Wake,
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


@router.callback_query(NpsScore.filter())
async def cb_nps_score(
    query: CallbackQuery,
    callback_data: NpsScore,
    jobs: JobService,
    state: FSMContext,
    answer: Answer,
) -> None:
    survey = callback_data.survey.replace("-", ":")
    await jobs.answer_nps(query.from_user.id, survey, callback_data.score)
    answer.toast(_("Thank you!"))
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            _("Thank you! Your answer: {score} of 10.").format(score=callback_data.score),
        )
        await query.message.answer(_("Anything to add? Write a comment, or /skip."))
    await state.set_state(SurveyForm.comment)
    await state.update_data(survey=survey)


@router.message(COMMENT, Command("skip"))
async def cmd_skip_comment(message: Message, state: FSMContext) -> None:
    await state.clear()
    await thank(message)


@router.message(StateFilter(RatingForm.comment), plain_text, not_menu)
async def msg_rating_comment(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    data = await state.get_data()
    await state.clear()
    alerts: tuple[Notice, ...] = ()
    with suppress(RatingRefused):  # a purchase gone meanwhile gets the same thanks
        alerts = await sales.comment(int(data["purchase_id"]), ctx.telegram_id, message.text or "")
    await thank(message)
    if alerts:
        wake_sender()


@router.message(StateFilter(SurveyForm.comment), plain_text, not_menu)
async def msg_survey_comment(
    message: Message, ctx: MemberContext, jobs: JobService, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    with suppress(RatingRefused):  # a survey that is gone gets the same thanks
        await jobs.comment_nps(ctx.telegram_id, str(data.get("survey", "")), message.text or "")
    await thank(message)


@router.message(COMMENT, off_topic)
async def msg_comment_expected(message: Message) -> None:
    await message.answer(_("Write your comment as text, or /skip."))


@router.errors(ExceptionTypeFilter(RatingRefused), F.update.callback_query)
async def on_feedback_refused(
    event: ErrorEvent, answer: Answer, callback_data: object = None
) -> None:
    assert isinstance(event.exception, RatingRefused)
    again = event.exception.reason == "already_rated"
    if isinstance(callback_data, Rate):
        answer.toast(
            _("You have already rated this purchase. Thank you!")
            if again
            else _("This rating is not available.")
        )
    else:
        answer.toast(
            _("You have already answered. Thank you!")
            if again
            else _("This survey is not available.")
        )
