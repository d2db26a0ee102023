"""The certificates on a sale's confirmation (issue 16): those the purchase handed out
automatically, as the cashier reads them, and a 🎟 Give button per certificate this merchant's
cashiers give with a tap (`cig`: the sale and the offer, never names)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from handlers.ui.certificate_words import certificate_worth
from handlers.ui.got_certificate import until, worth
from services.coalition.giving import Given, GiveRefused
from services.coalition.routes import Route
from services.notices.certificates import GotCertificate
from services.numbers import MAX_BIG_ID, MAX_ID


class GiveCb(CallbackData, prefix="cig"):
    purchase: Annotated[int, Field(ge=1, le=MAX_BIG_ID)]
    offer: Annotated[int, Field(ge=1, le=MAX_ID)]


def handed_out_lines(certificates: Sequence[GotCertificate]) -> list[str]:
    """To the cashier: each certificate of a partner the sale handed out automatically."""
    return [
        _("🎟 Certificate handed out: {merchant}, {value}").format(
            merchant=escape(c.merchant), value=worth(c)
        )
        for c in certificates
    ]


def give_keyboard(purchase_id: int, routes: Sequence[Route]) -> InlineKeyboardMarkup | None:
    """A 🎟 Give button per certificate the cashier may give the sale's buyer."""
    if not routes:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("🎟 Give: {merchant} {value}").format(
                        merchant=route.merchant,
                        value=certificate_worth(
                            route.value_minor, route.item, route.currency, html=False
                        ),
                    ),
                    callback_data=GiveCb(purchase=purchase_id, offer=route.offer_id).pack(),
                )
            ]
            for route in routes
        ]
    )


def given_text(given: Given) -> str:
    c = given.certificate
    return _(
        "🎟 Certificate for {merchant} given to {name}: {value}, valid until {day}\n"
        "They were told, and will find it in /wallet."
    ).format(
        merchant=escape(c.merchant),
        name=escape(given.first_name or "—"),
        value=worth(c),
        day=until(c),
    )


def give_refused(error: GiveRefused) -> str:
    return {
        "given": _("A certificate of this offer was already given for this sale."),
        "old": _("This sale was more than a day ago: certificates are given right after one."),
        "refunded": _("This sale was refunded: no certificate can be given for it."),
        "left": _("This customer has left the program: no certificate can be given."),
        "member_blocked": _(
            "This customer's card is paused by the staff: no certificate can be given. "
            "Ask an admin."
        ),
        "not_partners": _(
            "This certificate is no longer handed out here (the offer or the partnership changed)."
        ),
        "archived": _("This offer was withdrawn by its business: it is no longer handed out."),
        "limit": _("No more certificates of this offer can be given (its limit is reached)."),
    }.get(error.reason, _("This is not a sale of this place."))
