"""The buttons of customer care that more than one feature shows: the low-rating alert's
Reply and Goodwill points (handled by handlers/chat.py and handlers/customer.py), and a member's
message to the staff with its Reply button."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.ui.callbacks import BigId


class RatingReplyCb(CallbackData, prefix="rrep"):
    """Reply to the customer who rated a purchase low (the alert's button)."""

    purchase_id: BigId


class GoodwillCb(CallbackData, prefix="gw"):
    """Give goodwill points to the customer who rated a purchase low (the alert's button)."""

    purchase_id: BigId


class ChatReplyCb(CallbackData, prefix="crep"):
    """Reply to a member's message to the staff (the live chat)."""

    message_id: BigId
