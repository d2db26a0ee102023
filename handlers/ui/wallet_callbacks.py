"""The wallet's buttons (`wl`, issue 16): an action, a certificate id (never a code) and the
wallet's page to come back to."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.numbers import MAX_BIG_ID

MAX_PAGE = 9_999  # a page past the last reads as the last


class WalletAction(StrEnum):
    LIST = "l"  # the wallet, at `page`, in a new message
    PAGE = "p"  # ◀️ ▶️: the wallet's message turned to `page`
    SHOW = "s"  # one certificate
    GIFT = "g"  # 🎁 Give to a friend: its gift link
    JOIN = "j"  # the rules of the business that accepts it


class WalletCb(CallbackData, prefix="wl"):
    action: WalletAction
    certificate_id: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)] = 0
