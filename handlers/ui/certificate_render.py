"""Texts and buttons of redeeming a certificate on its own at the till
(handlers/certificate_redeem.py): the certificate as the cashier sees it before handing it
over, the result, and the refusals (the `crt` buttons)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import BigId
from handlers.ui.redeem_render import holder_label, missed_text
from handlers.ui.render import date_time, money, time_of_day
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
    holder: BigId  # the customer the cashier was shown: a gift since makes Hand over refuse


def worth(value_minor: int, item: str | None, currency: str) -> str:
    """What a certificate gives: its named item, else its value in the business's money."""
    return escape(item) if item else money(value_minor, currency)


def certificate_text(view: CertificateView) -> str:
    lines = [
        _("🎟 <b>Gift certificate: {worth}</b>").format(
            worth=worth(view.value_minor, view.item, view.currency)
        ),
        _("👤 {who}").format(who=holder_label(view.first_name, view.phone_masked)),
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
        data = CertificateCb(action=action, certificate=view.certificate_id, holder=view.holder)
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
        who=holder_label(view.first_name, view.phone_masked),
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
        return _just_redeemed(error, at)
    if error.reason == "expired" and at is not None:
        return _(
            "⌛ This certificate has expired (it was valid until {day}) and can no longer be "
            "redeemed."
        ).format(day=valid_until(at, zone))
    return {
        "elsewhere": _("This is not a certificate of this place."),
        "changed_hands": _(
            "This certificate changed hands since you looked it up: type or scan its code again."
        ),
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


def _just_redeemed(error: TillRefused, at: datetime) -> str:
    """A Hand over a moment after the redemption: the presser's own second press, or a
    colleague's redemption, which the cashier must not hand anything over for again."""
    who = error.redeemer
    if who is None or who.own:
        return _(
            "This certificate was just redeemed, at {when}: there is nothing more to do."
        ).format(when=date_time(at, error.timezone))
    when = time_of_day(at, error.timezone)
    if who.name:
        text = _(
            "This certificate was already redeemed by {name} at {time}: do not hand anything over."
        )
        return text.format(name=escape(who.name), time=when)
    if who.owner:
        return _(
            "This certificate was already redeemed by the owner at {time}: do not hand "
            "anything over."
        ).format(time=when)
    return _(
        "This certificate was already redeemed by a colleague at {time}: do not hand anything "
        "over."
    ).format(time=when)


def certificate_unknown(error: CertificateUnknown, timezone: str) -> str:
    """A code that is no certificate, with the pause or the lock it caused."""
    text = _("No certificate has this code. Check the 10 digits and try again.")
    return missed_text(text, error, timezone)
