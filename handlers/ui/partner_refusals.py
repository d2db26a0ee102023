"""The words of the partnership refusals (services/coalition/partner_views.py PartnerRefused)
and of the console's role check (issue 16)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.coalition.partner_views import PartnerRefused
from services.coalition.partners import MAX_OPEN_INVITES


def refusal(error: PartnerRefused, html: bool, several: bool = False) -> str:
    """The refusal's words; `html` for a message (an alert shows names as they are);
    `several`: the person may switch business with /merchant."""
    name = error.name or ""
    name = f"<b>{escape(name)}</b>" if html else name
    match error.reason:
        case "not_admin":
            return _(
                "Only an admin of a business in this bot can accept a partnership. "
                "Please ask your business's admin to open the link."
            )
        case "expired":
            return _("This invite link has expired. Ask for a new one.")
        case "used":
            return _("This invite link has been used already. Ask for a new one.")
        case "declined":
            return _(
                "This invitation was declined, so the link no longer works. Ask for a new one."
            )
        case "withdrawn":
            return _("The business that sent this link has withdrawn it. Ask for a new one.")
        case "inviter_gone":
            return _(
                "The person who sent this link is no longer an admin of {name}, so it no longer "
                "works. Ask an admin of {name} for a new one."
            ).format(name=name)
        case "own" if several:
            return _(
                "This is the invite link of the business you work in now. To accept it for "
                "another of your businesses, switch with /merchant and open the link again."
            )
        case "own":
            return _(
                "This is your own business's invite link: send it to the admin of another "
                "business."
            )
        case "already":
            return _("Your business is partners with {name} already.").format(name=name)
        case "not_partners":
            return _("These businesses are no longer partners.")
        case "strangers":
            return _("These businesses are not partners.")
        case "too_many":
            return ngettext(
                "Your business has {count} invite link open already. Revoke it if you no "
                "longer need it, then invite again.",
                "Your business has {count} invite links open already. Revoke one you no longer "
                "need, then invite again.",
                MAX_OPEN_INVITES,
            ).format(count=MAX_OPEN_INVITES)
        case "elsewhere":
            return _(
                "This button is from the partners of another business than the one you work "
                "in now. Open /partners again, or switch back with /merchant."
            )
        case "gone":
            return _("This button is no longer active.")
    return _("This invite link is not valid. Ask for a new one.")


def admins_only() -> str:
    return _("Only the admins of this place can manage its partners.")
