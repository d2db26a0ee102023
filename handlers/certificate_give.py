"""🎟 Give on a sale's confirmation (issue 16): the partner's cashier gives the buyer a
certificate of a partner with one tap (services/coalition/giving.py). Who taps is checked by
the service before anything about the sale is read; its refusals are worded here, the till's
(not staff, paused) by the till's own button handlers."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.till_refusals import button_refusals
from handlers.ui.certificate_give_render import GiveCb, give_refused, given_text
from services.coalition.giving import GiveRefused, GivingService
from services.dto import MemberContext

router = Router(name=__name__)
answer_refusals(router, button_refusals)
STAFF = {"staff": True}


@router.callback_query(GiveCb.filter(), flags=STAFF)
async def cb_give_certificate(
    query: CallbackQuery,
    callback_data: GiveCb,
    ctx: MemberContext,
    giving: GivingService,
    answer: Answer,
    wake_sender: Callable[[], None],
) -> None:
    given = await giving.give(
        ctx.work_merchant_id, query.from_user.id, callback_data.purchase, callback_data.offer
    )
    answer.toast(_("Certificate given."))
    if isinstance(query.message, Message):
        await query.message.answer(given_text(given))
    wake_sender()


@router.errors(ExceptionTypeFilter(GiveRefused), F.update.callback_query.as_("query"))
async def on_give_refused(event: ErrorEvent, query: CallbackQuery, answer: Answer) -> None:
    assert isinstance(event.exception, GiveRefused)
    answer.alert(give_refused(event.exception))
