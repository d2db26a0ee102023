"""Texts and buttons for pre-orders waiting for pickup: the customer's and the staff's (the
messages the outbox sends about them are in handlers/ui/notices/orders.py)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_timedelta

from handlers.ui.callbacks import OrderAction, OrderCb
from handlers.ui.render import locale, money
from services.preorders import StaffOrders, WaitingOrder


def spaced(code: str) -> str:
    """123 456: easier to read out at the counter."""
    return f"{code[:3]} {code[3:]}"


def items(order: WaitingOrder) -> str:
    return escape(", ".join(f"{line.title} × {line.qty}" for line in order.lines))


def button(
    text: str, action: OrderAction, order_id: int = 0, staff: bool = False
) -> list[InlineKeyboardButton]:
    data = OrderCb(action=action, order_id=order_id, staff=staff).pack()
    return [InlineKeyboardButton(text=text, callback_data=data)]


# --- the customer ----------------------------------------------------------------------------


def order_keyboard(order_id: int) -> InlineKeyboardMarkup:
    """Under the checkout message."""
    return InlineKeyboardMarkup(
        inline_keyboard=[button(_("✖️ Cancel the order"), OrderAction.ASK, order_id)]
    )


def my_orders_button(count: int) -> list[InlineKeyboardButton]:
    return button(_("📦 My pre-orders ({n})").format(n=count), OrderAction.MINE)


def my_orders_keyboard_or_none(count: int) -> InlineKeyboardMarkup | None:
    """Under an empty cart: the way to the orders, if any wait."""
    return InlineKeyboardMarkup(inline_keyboard=[my_orders_button(count)]) if count else None


def my_orders_text(orders: tuple[WaitingOrder, ...]) -> str:
    if not orders:
        return _("You have no pre-orders waiting. Order ahead in /catalog.")
    lines = [_("📦 <b>Your pre-orders</b>")]
    for order in orders:
        status = (
            _("✅ Ready for pickup, code <b>{code}</b>")
            if order.ready
            else _("⏳ Being prepared, code <b>{code}</b>")
        ).format(code=spaced(order.code or ""))
        total = money(order.total_minor, order.currency)
        lines += ["", f"<b>#{order.id}</b> · {items(order)} — {total}", status]
    lines += ["", _("Show the code at the counter; the staff will complete the order.")]
    return "\n".join(lines)


def my_orders_keyboard(orders: tuple[WaitingOrder, ...]) -> InlineKeyboardMarkup | None:
    if not orders:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            button(_("✖️ Cancel #{id}").format(id=o.id), OrderAction.ASK, o.id) for o in orders
        ]
    )


# --- both sides --------------------------------------------------------------------------------


def cancel_prompt(order_id: int, order: WaitingOrder | None = None) -> str:
    """The staff see what they are about to cancel; the customer knows their order."""
    if order is None:
        return _("Cancel pre-order #{id}? Its code will stop working.").format(id=order_id)
    return _("Cancel pre-order #{id} ({items}, {total})? The customer will be told.").format(
        id=order_id, items=items(order), total=money(order.total_minor, order.currency)
    )


def cancel_prompt_keyboard(order_id: int, staff: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            button(_("Yes, cancel it"), OrderAction.CANCEL, order_id, staff)
            + button(_("No, keep it"), OrderAction.KEEP, order_id, staff)
        ]
    )


def order_refused(reason: str) -> str:
    return {
        "completed": _("This pre-order has already been collected."),
        "cancelled": _("This pre-order has already been cancelled."),
    }.get(reason, _("There is no such pre-order."))


# --- the staff -----------------------------------------------------------------------------------


def staff_orders_text(listing: StaffOrders) -> str:
    if not listing.orders:
        return _("No pre-orders are waiting.")
    lines = [_("🛍 <b>Pre-orders waiting</b>, oldest first")]
    for order in listing.orders:
        age = (
            format_timedelta(-order.age, add_direction=True, locale=locale())
            if order.age >= timedelta(minutes=1)
            else _("just now")
        )
        head = f"<b>#{order.id}</b> · {money(order.total_minor, order.currency)} · {age}"
        if order.ready:
            head += " · ✅ " + _("ready")
        lines += ["", head, items(order)]
    if listing.more:
        lines += [
            "",
            ngettext("…and {n} more order.", "…and {n} more orders.", listing.more).format(
                n=listing.more
            ),
        ]
    return "\n".join(lines)


def staff_orders_keyboard(listing: StaffOrders) -> InlineKeyboardMarkup | None:
    rows = []
    for order in listing.orders:
        row = (
            []
            if order.ready
            else button(_("✅ #{id} ready").format(id=order.id), OrderAction.READY, order.id, True)
        )
        row += button(_("✖️ Cancel #{id}").format(id=order.id), OrderAction.ASK, order.id, True)
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
