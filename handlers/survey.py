"""The NPS question's answer: a score from 0 to 10, once per survey."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.callbacks import NpsScore
from handlers.ui.edit import edit_text
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.keyboards import main_menu
from services.dto import MemberContext
from services.errors import RatingRefused
from services.jobs import JobService

router = Router(name=__name__)
answer_refusals(router)


class SurveyForm(StatesGroup):
    comment = State()


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


@router.message(StateFilter(SurveyForm.comment), Command("skip"))
async def cmd_skip_survey_comment(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())


@router.message(StateFilter(SurveyForm.comment), plain_text, not_menu)
async def msg_survey_comment(
    message: Message, ctx: MemberContext, jobs: JobService, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    with suppress(RatingRefused):  # a survey that is gone gets the same thanks
        await jobs.comment_nps(ctx.telegram_id, str(data.get("survey", "")), message.text or "")
    await message.answer(_("Thank you for your feedback!"), reply_markup=main_menu())


@router.message(StateFilter(SurveyForm.comment), off_topic)
async def msg_survey_comment_expected(message: Message) -> None:
    await message.answer(_("Write your comment as text, or /skip."))


@router.errors(ExceptionTypeFilter(RatingRefused), F.update.callback_query)
async def on_answer_refused(event: ErrorEvent, answer: Answer) -> None:
    assert isinstance(event.exception, RatingRefused)
    answer.toast(
        _("You have already answered. Thank you!")
        if event.exception.reason == "already_rated"
        else _("This survey is not available.")
    )
