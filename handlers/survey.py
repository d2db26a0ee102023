"""The NPS question's answer: a score from 0 to 10, once per survey."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import NpsScore
from handlers.ui.edit import edit_text
from services.errors import RatingRefused
from services.jobs import JobService

router = Router(name=__name__)


@router.callback_query(NpsScore.filter())
async def cb_nps_score(query: CallbackQuery, callback_data: NpsScore, jobs: JobService) -> None:
    survey = callback_data.survey.replace("-", ":")
    try:
        await jobs.answer_nps(query.from_user.id, survey, callback_data.score)
    except RatingRefused as error:
        await query.answer(
            _("You have already answered. Thank you!")
            if error.reason == "already_rated"
            else _("This survey is not available.")
        )
        return
    await query.answer(_("Thank you!"))
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            _("Thank you! Your answer: {score} of 10.").format(score=callback_data.score),
        )
