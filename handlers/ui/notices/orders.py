"""Texts of the notices about pre-orders and carts (services/notices/orders.py)."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import CatalogCb
from handlers.ui.notices.staff import placed
from handlers.ui.order_render import spaced
from handlers.ui.render import money
from services.notices import CartReminder, NewOrder, OrderCancelled, OrderReady, OrderWithdrawn


def new_order_text(order: NewOrder) -> str:
    return placed(
        order.place,
        (
            _("🛍 New pre-order #{id}: {items}. Total {total}.").format(
                id=order.order_id,
                items=escape(order.items),
                total=money(order.total, order.currency),
            )
            + "\n"
            + _("All waiting: /openorders")
        ),
    )


def order_withdrawn_text(order: OrderWithdrawn) -> str:
    return placed(
        order.place,
        _("✖️ The customer cancelled pre-order #{id}: {items}.").format(
            id=order.order_id, items=escape(order.items)
        ),
    )


def order_ready_text(order: OrderReady) -> str:
    return _(
        "✅ Your pre-order #{id} at {merchant} is ready for pickup. Your code: <b>{code}</b>"
    ).format(id=order.order_id, merchant=escape(order.merchant), code=spaced(order.code))


def order_cancelled_text(order: OrderCancelled) -> str:
    return _(
        "✖️ {merchant} cancelled your pre-order #{id}. Nothing was charged, and its code "
        "no longer works."
    ).format(id=order.order_id, merchant=escape(order.merchant))


def cart_reminder_text(cart: CartReminder) -> str:
    return _("🛒 Your cart is waiting: {items}. Total {total}.").format(
        items=escape(cart.items), total=money(cart.total, cart.currency)
    )


def checkout_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✅ Check out"), callback_data=CatalogCb(action="checkout").pack()
                )
            ]
        ]
    )
