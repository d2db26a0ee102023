"""The buttons of the reward catalogue: members' (`rw`), its admins' (`rwa`) and the
vouchers' (`vch`). Typed, small: ids and a balance, never names."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.numbers import MAX_BIG_ID, MAX_ID, MAX_POINTS, MAX_SMALL
from services.rewards.values import TERMS, RewardField


class RewardAction(StrEnum):
    LIST = "l"  # the catalogue
    OFFER = "o"  # one reward, with Claim
    CLAIM = "c"  # Claim pressed, at the balance the screen showed


class RewardCb(CallbackData, prefix="rw"):
    action: RewardAction
    reward_id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    seen: Annotated[int, Field(ge=0, le=MAX_POINTS)] = 0  # the balance on the confirm screen
    terms: Annotated[int, Field(ge=0, lt=TERMS)] = 0  # RewardView.terms on the confirm screen


class AdminAction(StrEnum):
    LIST = "l"
    OPEN = "o"  # a reward's details, with its edit buttons
    ADD = "a"  # the form, from its first step
    EDIT = "e"  # one field of a reward
    SKIP = "s"  # an optional step left empty (no description, unlimited stock...)
    LEVEL = "v"  # a level picked
    SAVE = "w"
    CANCEL = "x"
    ARCHIVE = "r"  # asks first
    ARCHIVE_OK = "k"


class RewardAdminCb(CallbackData, prefix="rwa"):
    action: AdminAction
    reward_id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0  # 0: the new reward of the form
    field: RewardField | None = None
    value: Annotated[int, Field(ge=0, le=MAX_SMALL)] = 0  # a level's rank


class VoucherAction(StrEnum):
    LIST = "l"
    SHOW = "s"


class VoucherCb(CallbackData, prefix="vch"):
    action: VoucherAction
    voucher_id: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0
