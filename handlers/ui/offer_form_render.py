"""The certificate-offer form in words and buttons: each step's question and keyboard, the
partners' routes, the preview, and how a refused value or a refused offer is worded."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal
from pydantic import Field

from handlers.ui.offers_render import describe, edits_apply, no_partners, route_text
from handlers.ui.render import (
    amount_example,
    babel_locale,
    currency_sign,
    locale,
    money,
    whole_number,
)
from services.coalition.offer_inputs import (
    MAX_DAYS,
    MAX_ITEM,
    OfferInput,
    OfferRefused,
    OfferTerms,
)
from services.coalition.offers import OfferPlace, Partner
from services.numbers import MAX_ID
from services.policy.currency import currency_exponent, whole_units_only

Prompt = tuple[str, InlineKeyboardMarkup | None]


class DraftAction(StrEnum):
    MONEY = "m"
    ITEM = "i"
    NO_MIN = "nomin"
    NO_TOTAL = "nototal"
    NO_PER = "noper"
    PARTNER = "p"  # a partner's route chosen: value is the partner's id
    OFF = "off"
    AUTO = "auto"
    CASHIER = "cash"
    BACK = "back"
    ROUTES_DONE = "rd"
    SAVE = "save"
    CANCEL = "no"


class OfferDraftCb(CallbackData, prefix="ofd"):
    action: DraftAction
    value: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


def _button(text: str, action: DraftAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=OfferDraftCb(action=action, value=value).pack()
    )


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def kind_prompt(new: bool) -> Prompt:
    text = _("What does a certificate give? /cancel to stop.")
    if new:
        text = _("🎟 New certificate offer.") + "\n" + text
    row = [
        _button(_("💶 An amount off a check"), DraftAction.MONEY),
        _button(_("🎁 A named item"), DraftAction.ITEM),
    ]
    return text, _markup(row)


def value_prompt(money_kind: bool, place: OfferPlace) -> Prompt:
    if money_kind:
        return _(
            "How much does it take off a check, in {currency}? Send it like {example}."
        ).format(
            currency=currency_sign(place.currency), example=amount_example(place.currency)
        ), None
    return _("What is the item? Up to {limit} characters, like Free car wash.").format(
        limit=MAX_ITEM
    ), None


def typed_amount(minor: int, currency: str) -> str:
    """An amount as the reader types it (2000 Ft, 20,00 €): for an example that fits a rule."""
    exp = currency_exponent(currency)
    pattern = "0" if whole_units_only(currency) or not exp else "0." + "0" * exp
    value = Decimal(minor).scaleb(-exp)
    return format_decimal(
        value, format=pattern, locale=babel_locale(locale()), group_separator=False
    )


def min_check_prompt(terms: OfferTerms, place: OfferPlace) -> Prompt:
    example = amount_example(place.currency)
    if terms.value_minor:
        value = money(terms.value_minor, place.currency)
        step = 10 * 10 ** currency_exponent(place.currency)  # ten whole units above the value
        above = (terms.value_minor // step + 1) * step
        if above > place.max_sale_minor:
            return _(
                "From what check may it be used? A certificate pays part of a check and must "
                "leave something to pay, so send an amount more than {value}, up to {limit}."
            ).format(value=value, limit=money(place.max_sale_minor, place.currency)), None
        return _(
            "From what check may it be used? A certificate pays part of a check and must leave "
            "something to pay, so send an amount more than {value}, like {example}."
        ).format(value=value, example=typed_amount(above, place.currency)), None
    text = _("From what check may it be used? Send an amount like {example}, or press No minimum.")
    return text.format(example=example), _markup([_button(_("No minimum"), DraftAction.NO_MIN)])


def days_prompt() -> Prompt:
    return _(
        "For how many days is a certificate valid once handed out? Send a number from 1 to {max}."
    ).format(max=MAX_DAYS), None


def total_prompt() -> Prompt:
    text = _("How many certificates may be handed out in total? Send a number, or press No limit.")
    return text, _markup([_button(_("No limit"), DraftAction.NO_TOTAL)])


def per_customer_prompt() -> Prompt:
    text = _("How many may one customer get? Send a number, or press No limit.")
    return text, _markup([_button(_("No limit"), DraftAction.NO_PER)])


def routes_prompt(terms: OfferTerms, place: OfferPlace) -> Prompt:
    lines = [
        _(
            "Which partners hand it out, and how? Press a partner to choose; at least one is "
            "needed, then Next."
        )
    ]
    rows = []
    for partner in place.partners:
        route = terms.route(partner.id)
        off = f"<b>{escape(partner.name)}</b>: {route_text(None, place)}"
        lines.append(f"• {route_text(route, place) if route else off}")
        mark = "✅ " if route else "▫️ "
        rows.append([_button(mark + partner.name, DraftAction.PARTNER, partner.id)])
    rows.append([_button(_("Next ▶️"), DraftAction.ROUTES_DONE)])
    return "\n".join(lines), _markup(*rows)


def route_choice(partner: Partner) -> Prompt:
    text = _("How does {partner} hand it out?").format(partner=escape(partner.name))
    rows = [
        [_button(_("Automatically after a purchase"), DraftAction.AUTO, partner.id)],
        [_button(_("By their cashier with a tap"), DraftAction.CASHIER, partner.id)],
        [_button(_("Off"), DraftAction.OFF, partner.id)],
        [_button(_("◀️ Back"), DraftAction.BACK, partner.id)],
    ]
    return text, _markup(*rows)


def route_min_prompt(partner: Partner) -> Prompt:
    return _(
        "From what purchase at {partner} is a certificate handed out? Send the amount in "
        "{currency}, like {example}."
    ).format(
        partner=escape(partner.name),
        currency=currency_sign(partner.currency),
        example=amount_example(partner.currency),
    ), None


def preview(terms: OfferTerms, place: OfferPlace, editing: bool) -> Prompt:
    text = describe(terms, place)
    if editing:
        text += "\n\n" + edits_apply() + "\n\n" + _("Save the changes?")
    else:
        text += "\n\n" + _("Save this offer?")
    row = [_button(_("💾 Save"), DraftAction.SAVE), _button(_("✖️ Cancel"), DraftAction.CANCEL)]
    return text, _markup(row)


def saved_text(fields: list[str] | None) -> str:
    if fields is None:
        return _("Saved. Your partners hand it out from now on.")
    if not fields:
        return _("Nothing changed.")
    return _("Saved. Certificates handed out from now on follow these terms.")


def no_form() -> str:
    return _("This form is no longer open. Start again with /offers.")


def other_step() -> str:
    return _("That button is from another step: use the buttons of the last message.")


def use_buttons() -> str:
    return _("Please answer with the buttons below, or /cancel to stop.")


def admins_only() -> str:
    return _("Only the owners and admins of this place can manage certificate offers.")


def input_refused(error: OfferInput) -> str:
    currency = error.currency
    example = amount_example(currency)
    return {
        "item_empty": _("Send the item's name in words."),
        "item_long": ngettext(
            "An item's name can have at most {limit} character.",
            "An item's name can have at most {limit} characters.",
            MAX_ITEM,
        ).format(limit=MAX_ITEM),
        "days": _("Send the number of days as digits, from 1 to {max}.").format(max=MAX_DAYS),
        "cap": _("Send a whole number from 1 to {max}, or press No limit.").format(
            max=whole_number(1_000_000)
        ),
        "amount_decimals": _("Too many decimal places. Send the amount like {example}.").format(
            example=example
        ),
        "amount_whole": _(
            "Amounts in {currency} are whole numbers, without decimals: send it like {example}."
        ).format(currency=currency_sign(currency), example=example),
        "amount_zero": _("The amount must be more than zero."),
        "amount_large": _(
            "That is over the limit for one sale ({limit}). Send a smaller amount."
        ).format(limit=money(error.limit, currency)),
    }.get(
        error.reason,
        _("Send the amount as a number, for example {example}.").format(example=example),
    )


def offer_refused(error: OfferRefused) -> str:
    return {
        "gone": _("This offer is not one of this place's."),
        "archived": _("This offer is archived: it can no longer be changed."),
        "min_check": _(
            "The minimum check must be more than the certificate's value: a certificate pays "
            "part of a check and must leave something to pay. Send a larger amount."
        ),
        "no_route": _("Choose how at least one partner hands it out."),
        "not_partner": _(
            "That business is no longer a partner of this place. Start again with /offers."
        ),
        "no_partners": no_partners(),
        "below_issued": ngettext(
            "{n} was handed out already: the total cannot be less. Send a larger number, or "
            "press No limit.",
            "{n} were handed out already: the total cannot be less. Send a larger number, or "
            "press No limit.",
            error.count,
        ).format(n=whole_number(error.count)),
        "per_above_total": ngettext(
            "One customer cannot get more than the total of {n}. Send a number up to {n}, or "
            "press No limit.",
            "One customer cannot get more than the total of {n}. Send a number up to {n}, or "
            "press No limit.",
            error.count,
        ).format(n=whole_number(error.count)),
    }.get(error.reason, _("This form is out of date. Start again with /offers."))
