"""Texts and buttons of redeeming a certificate on its own at the till
(handlers/certificate_redeem.py): the certificate as the cashier sees it before handing it
over, the result, and the refusals (the `crt` buttons)."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import BigId
from handlers.ui.redeem_render import missed_text
from handlers.ui.render import date_time, money
from handlers.ui.voucher_render import valid_until
from services.coalition.redeem import (
    CertificateRedeemed,
    CertificateUnknown,
    CertificateView,
    TillRefused,
)


class CertificateAction(StrEnum):
    HAND = "h"  # ✅ Hand over
    KEEP = "x"  # Cancel: the certificate stays open


class CertificateCb(CallbackData, prefix="crt"):
    """A certificate's button at the till."""

    action: CertificateAction
    certificate: BigId


def worth(value_minor: int, item: str | None, currency: str) -> str:
    """What a certificate gives: its named item, else its value in the business's money."""
    return escape(item) if item else money(value_minor, currency)


def _who(first_name: str | None, phone_masked: str | None) -> str:
    who = escape(first_name or "—")
    return f"{who} · {phone_masked}" if phone_masked else who


def certificate_text(view: CertificateView) -> str:
    lines = [
        _("🎟 <b>Gift certificate: {worth}</b>").format(
            worth=worth(view.value_minor, view.item, view.currency)
        ),
        _("👤 {who}").format(who=_who(view.first_name, view.phone_masked)),
        _("🤝 Handed out by {partner}").format(partner=escape(view.partner)),
    ]
    if view.min_check_minor:
        lines.append(
            _("Minimum check: {amount}").format(amount=money(view.min_check_minor, view.currency))
        )
    lines += [
        _("Valid until {day}").format(day=valid_until(view.expires_at, view.timezone)),
        "",
    ]
    if view.item:
        lines.append(_("Hand the item over, then press ✅ Hand over."))
    else:
        lines += [
            _("Take it as payment of its value, then press ✅ Hand over."),
            _(
                "It can also pay part of a check: to use it on a check, start /sale with the "
                "customer's code: the preview offers it."
            ),
        ]
    return "\n".join(lines)


def certificate_keyboard(view: CertificateView) -> InlineKeyboardMarkup:
    def button(text: str, action: CertificateAction) -> InlineKeyboardButton:
        data = CertificateCb(action=action, certificate=view.certificate_id)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✅ Hand over"), CertificateAction.HAND),
                button(_("✖️ Cancel"), CertificateAction.KEEP),
            ]
        ]
    )


def redeemed_text(done: CertificateRedeemed) -> str:
    view = done.view
    return _("✅ Certificate redeemed: {worth} for {who}.").format(
        worth=worth(view.value_minor, view.item, view.currency),
        who=_who(view.first_name, view.phone_masked),
    )


def kept_text() -> str:
    return _("✖️ Not redeemed. The certificate stays valid.")


def certificate_refused(error: TillRefused) -> str:
    at, zone = error.at, error.timezone
    if error.reason == "elsewhere" and error.place:
        return _(
            "This certificate is for {place}, not here: the customer can use it there."
        ).format(place=escape(error.place))
    if error.reason == "redeemed" and at is not None:
        return _("🚫 This certificate was already redeemed on {when}.").format(
            when=date_time(at, zone)
        )
    if error.reason == "just_redeemed" and at is not None:
        return _(
            "This certificate was just redeemed, at {when}: there is nothing more to do."
        ).format(when=date_time(at, zone))
    if error.reason == "expired" and at is not None:
        return _(
            "⌛ This certificate has expired and can no longer be redeemed. It was valid until "
            "{day}."
        ).format(day=valid_until(at, zone))
    return {
        "format": _("A certificate code has 10 digits, like 12345 67890. Check it and try again."),
        "elsewhere": _("This is not a certificate of this place."),
        "just_redeemed": _("This certificate was just redeemed: there is nothing more to do."),
        "cancelled": _("This certificate was cancelled: it can no longer be redeemed."),
        "not_joined": _(
            "The customer has not joined this place yet: ask them to open the certificate in "
            "/wallet and join first."
        ),
        "member_blocked": _(
            "This customer's card is paused by the staff: their certificates can't be "
            "redeemed. Ask an admin."
        ),
        "own": _("You can't redeem a certificate of your own. Ask a colleague."),
    }.get(error.reason, _("This certificate can no longer be redeemed."))


def certificate_unknown(error: CertificateUnknown, timezone: str) -> str:
    """A code that is no certificate, with the pause or the lock it caused."""
    text = _("No certificate has this code. Check the 10 digits and try again.")
    return missed_text(text, error, timezone)
