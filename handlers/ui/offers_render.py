"""Certificate offers in words, in the reader's language: "€10.00 off a check · from a check of
€30.00 · valid 30 days · 3 of 100 handed out · up to 1 per customer", each partner's way of
handing it out, the list of /offers, one offer's page, archiving. Buttons: `of` (a saved offer)
and `ofd` (the form, handlers/ui/offer_form_render.py)."""

from __future__ import annotations

from enum import StrEnum
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import Field

from handlers.ui.render import N_, money, whole_number
from services.coalition.offer_inputs import HandOut, OfferTerms, Route
from services.coalition.offers import PAGE, OfferBoard, OfferPlace, OfferView
from services.numbers import MAX_ID

MAX_PAGE = 100_000  # a page number a button may carry (a forged larger one is refused)

OFFER_FIELDS = {  # a field an edit changed, as /audit names it (services/coalition/offers.py)
    "value": N_("value"),
    "min_check": N_("minimum check"),
    "valid_days": N_("validity"),
    "total_limit": N_("total limit"),
    "per_customer_limit": N_("limit per customer"),
    "routes": N_("partners handing it out"),
}


class OfferAction(StrEnum):
    LIST = "list"
    ARCHIVED = "old"  # the archived offers
    NEW = "new"
    SHOW = "show"
    EDIT = "edit"
    ARCHIVE = "arch"  # asks first
    ARCHIVE_OK = "archok"


class EditField(StrEnum):
    NONE = "n"
    VALUE = "value"  # money or item, the value, then the minimum check
    MIN_CHECK = "min"
    DAYS = "days"
    CAPS = "caps"  # the total cap, then the per-customer cap
    ROUTES = "routes"


class OfferCb(CallbackData, prefix="of"):
    action: OfferAction
    offer: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    field: EditField = EditField.NONE
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)] = 0  # of the list (LIST, ARCHIVED)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def title(terms: OfferTerms, currency: str) -> str:
    """€10.00 off a check, or the item's name (HTML-escaped)."""
    if terms.item is not None:
        return escape(terms.item)
    return _("{value} off a check").format(value=money(terms.value_minor, currency))


def conditions(terms: OfferTerms, currency: str, issued: int | None = None) -> str:
    """from a check of €30.00 · valid 30 days · 3 of 100 handed out · up to 1 per customer"""
    parts = [
        _("from a check of {amount}").format(amount=money(terms.min_check_minor, currency))
        if terms.min_check_minor
        else _("any check"),
        ngettext("valid {n} day", "valid {n} days", terms.valid_days).format(
            n=whole_number(terms.valid_days)
        ),
    ]
    total = terms.total_limit
    if issued is not None:
        parts.append(
            ngettext("{n} handed out", "{n} handed out", issued).format(n=whole_number(issued))
            if total is None
            else ngettext("{n} of {total} handed out", "{n} of {total} handed out", total).format(
                n=whole_number(issued), total=whole_number(total)
            )
        )
    elif total is not None:
        parts.append(ngettext("{n} in total", "{n} in total", total).format(n=whole_number(total)))
    else:
        parts.append(_("no limit in total"))
    per = terms.per_customer_limit
    parts.append(
        _("no limit per customer")
        if per is None
        else ngettext("up to {n} per customer", "up to {n} per customer", per).format(
            n=whole_number(per)
        )
    )
    return " · ".join(parts)


def route_text(route: Route | None, place: OfferPlace) -> str:
    """automatically after a purchase of at least 20.00 zł at Salon B / by the cashier at ..."""
    partner = place.partner(route.partner_id) if route else None
    if route is None or partner is None:
        return _("not handing it out")
    name = escape(partner.name)
    if route.hand_out is HandOut.AUTO:
        return _("automatically after a purchase of at least {amount} at {partner}").format(
            amount=money(route.min_purchase_minor, partner.currency), partner=name
        )
    return _("by the cashier at {partner}").format(partner=name)


def describe(terms: OfferTerms, place: OfferPlace, issued: int | None = None) -> str:
    """The offer's block: its title, its conditions and its routes (HTML)."""
    icon = "🎁" if terms.item is not None else "🎟"
    lines = [
        f"{icon} <b>{title(terms, place.currency)}</b>",
        conditions(terms, place.currency, issued),
    ]
    routes = [f"• {route_text(r, place)}" for r in terms.routes]
    lines.extend(routes or [no_route()])
    return "\n".join(lines)


def no_route() -> str:
    return _(
        "No current partner hands it out: nothing is handed out until you set a partner's way "
        "under ✏️ Partners."
    )


def _block(number: int, view: OfferView, place: OfferPlace) -> str:
    """One offer in the list, short: its number, title, conditions and how many partners hand
    it out (its page has the rest)."""
    icon = "🎁" if view.terms.item is not None else "🎟"
    count = len(view.terms.routes)
    routes = (
        ngettext("handed out by {n} partner", "handed out by {n} partners", count).format(
            n=whole_number(count)
        )
        if count
        else _("no partner hands it out")
    )
    head = f"{number}. {icon} <b>{escape(_short(view.terms, place.currency))}</b>"
    return "\n".join([head, conditions(view.terms, place.currency, view.issued), routes])


def no_partners() -> str:
    return _(
        "Certificates are handed out by partner businesses, and this place has none yet. "
        "Invite a neighbour with /partners, then come back to /offers."
    )


def board_text(board: OfferBoard, archived: bool = False) -> str:
    head = _("🗄 <b>Archived offers</b>") if archived else _("🎟 <b>Certificate offers</b>")
    if board.pages > 1:
        head += " " + _("(page {page} of {pages})").format(
            page=whole_number(board.page + 1), pages=whole_number(board.pages)
        )
    first = board.page * PAGE + 1
    blocks = [_block(first + i, v, board.place) for i, v in enumerate(board.offers)]
    if not blocks:
        blocks = [_empty(board, archived)]
    if not board.place.partners and not archived:
        blocks.append(no_partners())
    return "\n\n".join([head, *blocks])


def _empty(board: OfferBoard, archived: bool) -> str:
    if archived:
        return _("No archived offers.")
    if board.archived:
        return ngettext(
            "No active offers; {n} archived offer is under 🗄 Archived.",
            "No active offers; {n} archived offers are under 🗄 Archived.",
            board.archived,
        ).format(n=whole_number(board.archived))
    return _("No offers yet. Press ➕ New offer: your partners will hand it out.")


def board_keyboard(board: OfferBoard, archived: bool = False) -> InlineKeyboardMarkup:
    first = board.page * PAGE + 1
    rows = [
        [_button(f"{first + i}. {_short(v.terms, board.place.currency)}", _show(v.id))]
        for i, v in enumerate(board.offers)
    ]
    action = OfferAction.ARCHIVED if archived else OfferAction.LIST
    turn = []
    if board.page > 0:
        turn.append(_button("◀️", OfferCb(action=action, page=board.page - 1)))
    if board.page + 1 < board.pages:
        turn.append(_button("▶️", OfferCb(action=action, page=board.page + 1)))
    if turn:
        rows.append(turn)
    if archived:
        rows.append([_button(_("◀️ Active offers"), OfferCb(action=OfferAction.LIST))])
        return InlineKeyboardMarkup(inline_keyboard=rows)
    if board.place.partners:
        rows.append([_button(_("➕ New offer"), OfferCb(action=OfferAction.NEW))])
    if board.archived:
        label = _("🗄 Archived ({count})").format(count=whole_number(board.archived))
        rows.append([_button(label, OfferCb(action=OfferAction.ARCHIVED))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _short(terms: OfferTerms, currency: str) -> str:
    text = terms.item if terms.item is not None else title(terms, currency)
    return text if len(text) <= 40 else text[:39] + "…"


def _show(offer_id: int) -> OfferCb:
    return OfferCb(action=OfferAction.SHOW, offer=offer_id)


def page_text(view: OfferView, place: OfferPlace) -> str:
    text = describe(view.terms, place, view.issued)
    if view.archived:
        return text + "\n\n" + _("Archived: partners no longer hand it out.")
    return text + "\n\n" + edits_apply()


def edits_apply() -> str:
    return _(
        "Changes apply to certificates handed out from now on; those handed out already keep "
        "their terms."
    )


def page_keyboard(view: OfferView) -> InlineKeyboardMarkup:
    back = [_button(_("◀️ All offers"), OfferCb(action=OfferAction.LIST))]
    if view.archived:
        back = [_button(_("◀️ Archived offers"), OfferCb(action=OfferAction.ARCHIVED))]
        return InlineKeyboardMarkup(inline_keyboard=[back])

    def edit(text: str, field: EditField) -> InlineKeyboardButton:
        return _button(text, OfferCb(action=OfferAction.EDIT, offer=view.id, field=field))

    rows = [
        [edit(_("✏️ Value"), EditField.VALUE), edit(_("✏️ Minimum check"), EditField.MIN_CHECK)],
        [edit(_("✏️ Validity"), EditField.DAYS), edit(_("✏️ Limits"), EditField.CAPS)],
        [edit(_("✏️ Partners"), EditField.ROUTES)],
        [_button(_("🗄 Archive"), OfferCb(action=OfferAction.ARCHIVE, offer=view.id))],
        back,
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def archive_question(view: OfferView, place: OfferPlace) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "{offer}\n\nArchive this offer? Partners stop handing it out; certificates handed out "
        "already stay valid until their date."
    ).format(offer=describe(view.terms, place, view.issued))
    rows = [
        [
            _button(_("🗄 Archive"), OfferCb(action=OfferAction.ARCHIVE_OK, offer=view.id)),
            _button(_("Keep it"), _show(view.id)),
        ]
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def archived_text(now: bool) -> str:
    if not now:
        return _("This offer was archived already.")
    return _(
        "Archived. Partners no longer hand it out; certificates handed out already stay valid."
    )
