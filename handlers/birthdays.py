"""/birthday for admins and owners: correct a member's birthday, the "ask the staff" way."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.profile import birthday_error
from handlers.sale import on_wrong_code, refuse_seller
from handlers.ui.render import birthday_text
from services.birthdays import BirthdayCorrected, BirthdayService
from services.dto import MemberContext
from services.errors import (
    CodeInvalid,
    CodesLocked,
    InvalidBirthday,
    MemberNotFound,
    NotStaff,
    StaffPaused,
)

router = Router(name=__name__)
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
    try:
        done = await birthdays.correct(ctx.work_merchant_id, ctx.telegram_id, member, text)
    except NotStaff:
        await message.answer(_("Only the admins of this place can correct a birthday."))
        return
    except (StaffPaused, CodesLocked) as error:
        await refuse_seller(message, error, ctx)  # a look-up by code is one at the till
        return
    except CodeInvalid as error:
        await on_wrong_code(message, error, wake_sender, ctx.merchant.timezone)
        return
    except MemberNotFound as error:
        if error.reason == "shared":
            await message.answer(
                _(
                    "This member also belongs to another program here, which shares their "
                    "birthday: only an owner can change it."
                )
            )
            return
        await message.answer(
            usage()
            if error.reason == "format"
            else _("No member has this code or number here. Ask the member for a fresh /code.")
        )
        return
    except InvalidBirthday as error:
        await message.answer(birthday_error(error))
        return
    wake_sender()
    await message.answer(corrected_text(done))
