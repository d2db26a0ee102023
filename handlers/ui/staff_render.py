"""Texts and buttons for managing the staff: the team, invitations, revocations."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import StaffInviteCb, StaffRevokeCb
from services.staff import StaffMember


def staff_text(members: list[StaffMember]) -> str:
    roles = {"admin": _("admin"), "staff": _("cashier")}
    lines = [_("👥 <b>Staff</b>"), ""]
    if not members:
        lines.append(_("Nobody yet. Invite a cashier with the button below."))
    for m in members:
        lines.append(f"• {escape(m.name)} — {roles.get(m.role, _('staff member'))}")
    return "\n".join(lines)


def staff_keyboard(members: list[StaffMember]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=_("➕ Invite a cashier"), callback_data=StaffInviteCb(role="staff").pack()
            ),
            InlineKeyboardButton(
                text=_("➕ Invite an admin"), callback_data=StaffInviteCb(role="admin").pack()
            ),
        ]
    ]
    for m in members:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("🚫 Revoke {name}").format(name=m.name),
                    callback_data=StaffRevokeCb(staff_id=m.id).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def invite_text(link: str, role: str) -> str:
    if role == "admin":
        return _(
            "Send this link to the new admin. It works once, within 24 hours:\n{link}"
        ).format(link=link)
    return _("Send this link to the new cashier. It works once, within 24 hours:\n{link}").format(
        link=link
    )
