"""What /merchant and /merchants show: the merchants a person may work in, the new
merchant's form and what creating it hands over; their buttons ("wp", "mer")."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import get_currency_name
from pydantic import Field

from handlers.ui.callbacks import Id
from handlers.ui.render import LANGUAGE_NAMES
from services.policy import LANGUAGES
from services.workplace import NewMerchant, Place, Places

CURRENCIES = ("EUR", "PLN", "HUF", "USD", "RUB")
TIME_ZONES = ("Europe/Warsaw", "Europe/Budapest", "Europe/Berlin", "Europe/London", "UTC")


class WorkplaceCb(CallbackData, prefix="wp"):
    merchant_id: Id


class MerAction(StrEnum):
    NEW = "new"
    SLUG = "slug"
    CURRENCY = "cur"
    TIMEZONE = "tz"
    LANGUAGE = "lang"
    CREATE = "create"
    CANCEL = "cancel"


class MerchantCb(CallbackData, prefix="mer"):
    action: MerAction
    value: Annotated[str, Field(max_length=32)] = ""


def workplace_line(name: str, *, html: bool = True) -> str:
    """The line on top of a staff message naming the merchant it is about."""
    return "🏪 " + (f"<b>{escape(name)}</b>" if html else name)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


# --- /merchant ------------------------------------------------------------------------------


def one_place_text(place: Place) -> str:
    return _("You work in one place only: <b>{name}</b>.").format(name=escape(place.name))


def places_text(places: Places) -> str:
    lines = [_("Which place are you working in? Staff commands act in the one marked ✅.")]
    for place in places.places:
        mark = "✅" if place.id == places.current else "▫️"
        lines.append(f"{mark} {escape(place.name)}")
    return "\n".join(lines)


def places_keyboard(places: Places) -> InlineKeyboardMarkup:
    buttons = [
        _button(("✅ " if p.id == places.current else "") + p.name, WorkplaceCb(merchant_id=p.id))
        for p in places.places
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 1))


def switched_text(place: Place) -> str:
    return _("You are now working in {name}.").format(name=place.name)


# --- /merchants ------------------------------------------------------------------------------


def merchants_text(places: tuple[Place, ...]) -> str:
    head = ngettext("{count} merchant:", "{count} merchants:", len(places)).format(
        count=len(places)
    )
    lines = [f"• <b>{escape(p.name)}</b> ({escape(p.slug)}, {p.currency})" for p in places]
    return "\n".join([head, *lines])


def merchants_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("➕ New merchant"), MerchantCb(action=MerAction.NEW))]]
    )


def ask_name() -> str:
    return _("The new merchant's name, as customers will see it (up to 100 characters):")


def ask_slug(slug: str) -> str:
    return _(
        "Its link name goes into its join link: 3 to 20 lowercase Latin letters and digits "
        "only, like {slug} (no spaces, dashes or other letters: join links use the dash to "
        "separate their parts). Send one, or use the suggestion:"
    ).format(slug=slug)


def slug_keyboard(slug: str) -> InlineKeyboardMarkup:
    label = _("Use {slug}").format(slug=slug)
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(label, MerchantCb(action=MerAction.SLUG, value=slug))]]
    )


def ask_currency() -> str:
    return _(
        "Its currency: press one, or send another's three-letter ISO code (like CZK). "
        "It cannot be changed later."
    )


def currency_keyboard() -> InlineKeyboardMarkup:
    buttons = [_button(c, MerchantCb(action=MerAction.CURRENCY, value=c)) for c in CURRENCIES]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 5))


def ask_timezone() -> str:
    return _("Its time zone: press one, or send another's name (like America/New_York).")


def timezone_keyboard() -> InlineKeyboardMarkup:
    buttons = [_button(z, MerchantCb(action=MerAction.TIMEZONE, value=z)) for z in TIME_ZONES]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


def ask_language() -> str:
    return _("The language its customers get unless they choose their own:")


def language_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        _button(LANGUAGE_NAMES[code], MerchantCb(action=MerAction.LANGUAGE, value=code))
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 4))


def utc_offset_text(offset: timedelta) -> str:
    """UTC+01:00, UTC−05:00, UTC+05:45."""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def preview_text(draft: NewMerchant, offset: timedelta, locale: str) -> str:
    currency = get_currency_name(draft.currency, locale=locale)
    return "\n".join(
        [
            _("Create this merchant?"),
            _("Name: {name}").format(name=f"<b>{escape(draft.name)}</b>"),
            _("Link name: {slug}").format(slug=escape(draft.slug)),
            _("Currency: {currency}").format(currency=f"{escape(currency)} ({draft.currency})"),
            _("Time zone: {zone}").format(
                zone=f"{escape(draft.timezone)} ({utc_offset_text(offset)})"
            ),
            _("Language: {language}").format(language=LANGUAGE_NAMES[draft.language]),
            _("Its program starts with the default levels and rules; change them in /settings."),
        ]
    )


def preview_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("✅ Create"), MerchantCb(action=MerAction.CREATE)),
                _button(_("Cancel"), MerchantCb(action=MerAction.CANCEL)),
            ]
        ]
    )


def created_text(place: Place, invite_link: str, join_link: str) -> str:
    return _(
        "✅ <b>{name}</b> is created, and you are working in it now (/merchant switches).\n\n"
        "Send this link to its first admin. It works once, within 24 hours:\n{invite}\n\n"
        "Its join link for customers:\n{join}\n\n"
        "Its counter poster: which language?"
    ).format(name=escape(place.name), invite=invite_link, join=join_link)


def cancelled_text() -> str:
    return _("No merchant was created.")


def refusal_text(reason: str) -> str:
    """What to send again after a MerchantRefused."""
    match reason:
        case "name":
            return _("A name is 1 to 100 characters. Please send the name again:")
        case "slug":
            return _(
                "A link name is 3 to 20 lowercase Latin letters and digits, like cafe2. "
                "Please send another:"
            )
        case "slug_taken":
            return _("Another merchant has this link name. Please send another:")
        case "currency":
            return _("Please send a currency's three-letter ISO code, like CZK, or press one.")
        case "timezone":
            return _("Please send a time zone's name, like Europe/Prague, or press one.")
        case "timezone_etc":
            return _(
                "Etc/ zones count their offset backwards (Etc/GMT+5 is UTC−5). Please send "
                "the zone of a city, like America/New_York, or UTC, or press one."
            )
        case _:
            return _("Please choose with a button.")
