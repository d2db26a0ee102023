"""/birthday for admins and owners: correct a member's birthday, the "ask the staff" way."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.errors import answer_refusals
from handlers.profile import birthday_error
from handlers.till_refusals import TILL_ERRORS, till_refusal, wake_for_alerts
from handlers.ui.render import birthday_text
from services.birthdays import BirthdayCorrected, BirthdayService
from services.dto import MemberContext
from services.errors import InvalidBirthday, MemberNotFound, NotStaff

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}


def usage() -> str:
    return _(
        "Use: /birthday 123456 24.05.1990 with the member's payment code from /code, "
        "or /birthday #42 24.05 with the member number from the export."
    )


def corrected_text(done: BirthdayCorrected) -> str:
    birthday = birthday_text(done.birthday)
    if not done.changed:
        return _("The birthday of member #{id} already is {birthday}; nothing changed.").format(
            id=done.membership_id, birthday=birthday
        )
    text = _("🎂 The birthday of member #{id} is now {birthday}. We told them.").format(
        id=done.membership_id, birthday=birthday
    )
    if done.gift_next_year:
        text += "\n" + _("It is within the lead time, so their birthday gift starts next year.")
    return text


@router.message(Command("birthday"), flags=STAFF)
async def cmd_birthday(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    birthdays: BirthdayService,
    wake_sender: Callable[[], None],
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    member, text = [*parts, "", ""][:2]
    done = await birthdays.correct(ctx.work_merchant_id, ctx.telegram_id, member, text)
    wake_sender()
    await message.answer(corrected_text(done))


def member_not_found(error: MemberNotFound) -> str:
    if error.reason == "shared":
        return _(
            "This member also belongs to another program here, which shares their "
            "birthday: only an owner can change it."
        )
    if error.reason == "format":
        return usage()
    return _("No member has this code or number here. Ask the member for a fresh /code.")


@router.errors(
    ExceptionTypeFilter(*TILL_ERRORS, MemberNotFound, InvalidBirthday),
    F.update.message.as_("message"),
)
async def on_refused(
    event: ErrorEvent, message: Message, ctx: MemberContext, wake_sender: Callable[[], None]
) -> None:
    error = event.exception
    if isinstance(error, NotStaff):
        text = _("Only the admins of this place can correct a birthday.")
    elif isinstance(error, MemberNotFound):
        text = member_not_found(error)
    elif isinstance(error, InvalidBirthday):
        text = birthday_error(error)
    else:  # a look-up by code is one at the till: paused, locked, or a wrong code
        assert isinstance(error, TILL_ERRORS)
        text = till_refusal(error, ctx)
    await message.answer(text)
    wake_for_alerts(error, wake_sender)
