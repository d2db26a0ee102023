"""Texts of the notices to admins and owners about partnerships (services/notices/partners.py):
another business accepted the invite or declined it, a partner ended the partnership."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.ui.notices.staff import placed
from services.notices import PartnerInviteDeclined, PartnershipEnded, PartnershipStarted


def partnership_started_text(started: PartnershipStarted) -> str:
    text = _(
        "🤝 {partner} accepted your invitation: you are partners now. Your members see its "
        "business card under 🤝 Partners, and its members see yours. /partners"
    ).format(partner=f"<b>{escape(started.partner)}</b>")
    return placed(started.place, text)


def partnership_ended_text(ended: PartnershipEnded) -> str:
    text = _(
        "🔚 {partner} ended your partnership. Neither of you hands out the other's "
        "certificates any more; certificates already handed out stay valid until they expire."
    ).format(partner=f"<b>{escape(ended.partner)}</b>")
    return placed(ended.place, text)


def invite_declined_text(declined: PartnerInviteDeclined) -> str:
    text = _(
        "{partner} declined your invitation to partner; that link no longer works. You may "
        "send another from /partners."
    ).format(partner=f"<b>{escape(declined.partner)}</b>")
    return placed(declined.place, text)
