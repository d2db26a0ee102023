"""/help for each role: what a customer, a cashier and an admin or owner can do here."""

from __future__ import annotations

from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.commands import ADMIN_WORDING, customer_commands, staff_commands
from handlers.ui.callbacks import JoinProgram
from services.states import StaffRole

ADMIN_ROLES = (StaffRole.ADMIN, StaffRole.OWNER)


def customer_help() -> str:
    return (
        _(
            "ℹ️ <b>How it works</b>\n"
            "Show your payment code at the till: you earn points on every purchase and can pay "
            "part of a check with them. Your level grows with your purchases and with friends "
            "you bring.\n\n"
            "/card – your card, balance and level\n"
            "/code – a one-time payment code for the till\n"
            "/invite – your link to invite friends\n"
            "/history – your points history\n"
            "/profile – birthday, phone, news and offers\n"
            "/language – change the language\n"
            "/help – this help"
        )
        + "\n\n"
        + _(
            "/about – the place: hours, address, news. Anything else you write here goes to the "
            "staff, and their answer comes back in this chat."
        )
    )


def _lines(commands: list[BotCommand]) -> str:
    return "\n".join(f"/{c.command} – {c.description}" for c in commands)


def till_commands() -> list[BotCommand]:
    customer = {c.command for c in customer_commands()}
    return [c for c in staff_commands(StaffRole.STAFF) if c.command not in customer]


def admin_commands(role: StaffRole = StaffRole.ADMIN) -> list[BotCommand]:
    """An admin's commands; an owner's add creating places."""
    shown = {c.command for c in customer_commands()} | {c.command for c in till_commands()}
    shown -= set(ADMIN_WORDING)  # an admin's console under a customer's command
    return [c for c in staff_commands(role) if c.command not in shown]


def role_help(role: StaffRole | None, member: bool) -> str:
    """The customer help for members, each staff role's commands before it; staff who are
    not members get their commands only, and a word on joining."""
    parts = []
    if role:
        parts.append(
            _("🧾 <b>At the till</b>")
            + "\n"
            + _(
                "Send the customer's 6-digit code (or scan their QR) to start a sale; /sale "
                "does the same."
            )
            + "\n"
            + _lines(till_commands())
        )
        if role in ADMIN_ROLES:
            parts.append(_("🛠 <b>Running the program</b>") + "\n" + _lines(admin_commands(role)))
    if member or not role:
        parts.append(customer_help())
    else:
        parts.append(
            _("/cancel – stop what you are doing")
            + "\n"
            + _("/help – this help")
            + "\n\n"
            + _(
                "You are not a member of the loyalty program yourself; join it with the "
                "button below if you like."
            )
        )
    return "\n\n".join(parts)


def join_keyboard() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("Join the program"), callback_data=JoinProgram().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])
