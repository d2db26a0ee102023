"""/push for admins and owners: a promo message to a segment of opted-in members, now or later.

The draft lives in FSM data until Send; then the service writes the campaign and one outbox row
per recipient in one transaction, and the sender delivers them at Telegram's pace.

- form.py: the form's states, buttons, prompts and wording; AdminsOnly, checked first
- content.py: /push, the text, a photo, a link button
- audience.py: who gets it, and the preview
- sending.py: send now, schedule or cancel; /push status, and stopping a queued push
- paid.py: an owner's large push as a paid broadcast, its cost shown before it is sent

Their routers hang under `router`, whose middlewares and error handlers serve them all.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.push import audience, content, paid, sending
from handlers.push.form import AdminsOnly, PushForm, admins_only, days_wanted, refused
from handlers.ui.render import date_time
from services.campaigns import CampaignService
from services.dto import MemberContext
from services.errors import NotStaff, PushRefused
from services.numbers import InvalidNumber

__all__ = ["AdminsOnly", "PushForm", "router"]

router = Router(name=__name__)
answer_refusals(router)  # first: AdminsOnly's refusal is worded here too
router.message.middleware(AdminsOnly())
router.callback_query.middleware(AdminsOnly())
router.include_routers(content.router, audience.router, sending.router, paid.router)


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() in PushForm:
        await state.clear()
    await tell(event, admins_only(), answer)


@router.errors(ExceptionTypeFilter(PushRefused))
async def on_push_refused(
    event: ErrorEvent, ctx: MemberContext, campaigns: CampaignService
) -> None:
    """Said in the chat, for a typed step and a pressed button alike; the step waits."""
    error = event.exception
    assert isinstance(error, PushRefused)
    text = refused(error)
    if error.reason == "past":
        now = date_time(campaigns.local_now(ctx.merchant.timezone), ctx.merchant.timezone)
        text = _(
            "That time has already passed: it is {now} here now. Send a later one, like "
            "24.12 18:30 (a date over a month ago means next year)."
        ).format(now=now)
    query = event.update.callback_query
    chat = event.update.message or (query.message if query is not None else None)
    if isinstance(chat, Message):
        await chat.answer(text)


@router.errors(
    ExceptionTypeFilter(InvalidNumber), StateFilter(PushForm.days), F.update.message.as_("message")
)
async def on_days_refused(event: ErrorEvent, message: Message) -> None:
    await message.answer(days_wanted())


@router.errors(ExceptionTypeFilter(InvalidNumber), F.update.callback_query)
async def on_forged_stop(event: ErrorEvent, answer: Answer) -> None:
    answer.toast(_("This button is no longer active."))
