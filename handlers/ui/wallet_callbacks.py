"""The wallet's buttons (`wl`, issue 16): an action and a certificate id, never a code."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.numbers import MAX_BIG_ID


class WalletAction(StrEnum):
    LIST = "l"  # the wallet
    SHOW = "s"  # one certificate
    GIFT = "g"  # 🎁 Give to a friend: its gift link
    JOIN = "j"  # the rules of the business that accepts it


class WalletCb(CallbackData, prefix="wl"):
    action: WalletAction
    certificate_id: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0
