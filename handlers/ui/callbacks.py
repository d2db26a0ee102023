"""Typed callback data; packed values stay far below Telegram's 64 bytes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.numbers import MAX_BIG_ID, MAX_ID, MAX_PAGE
from services.reports.periods import MAX_RANGE_DAYS

# Bounded fields: a forged or stale button whose numbers are out of range does not unpack, so
# its filter does not match and the fallback answers "This button is no longer active."
BigId = Annotated[int, Field(ge=1, le=MAX_BIG_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Consent(CallbackData, prefix="ok"):
    merchant_id: Id
    version: Annotated[int, Field(ge=0, le=MAX_ID)]
    ref: str = ""
    src: str = ""


class Marketing(CallbackData, prefix="mk"):
    merchant_id: Id
    opt_in: bool
    origin: str = "join"  # "join" right after consent, "profile" from the profile screen


class CardAction(StrEnum):
    CARD = "card"
    CODE = "code"
    INVITE = "invite"
    HISTORY = "history"
    PROFILE = "profile"


class Nav(CallbackData, prefix="nav"):
    to: CardAction


class HistoryPage(CallbackData, prefix="hist"):
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)]


class ProfileAction(StrEnum):
    BIRTHDAY = "bday"
    PHONE = "phone"
    CLEAR_PHONE = "nophone"
    LANGUAGE = "lang"
    ERASE = "erase"
    DATA = "data"  # download my data: always the presser's own


class ProfileCb(CallbackData, prefix="prof"):
    action: ProfileAction


class BirthdayConfirm(CallbackData, prefix="bdok"):
    day: Annotated[int, Field(ge=1, le=31)]
    month: Annotated[int, Field(ge=1, le=12)]
    year: Annotated[int, Field(ge=0, le=9999)] = 0  # 0: no year given
    save: bool


class Language(CallbackData, prefix="lang"):
    code: str


DraftKey = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]  # a sale draft's idempotency key


class SaleDecision(CallbackData, prefix="sale"):
    key: DraftKey
    confirm: bool


class PointsChoice(CallbackData, prefix="pts"):
    """A points button of a sale preview: the same draft re-priced (a new one replaces it)."""

    key: DraftKey
    points: Annotated[int, Field(ge=0, le=MAX_BIG_ID)]


class ReceiptAdd(CallbackData, prefix="rcpt"):
    """ "Add receipt no." on a sale preview: asks for it, then shows the preview again."""

    key: DraftKey


class RefundDecision(CallbackData, prefix="rf"):
    purchase_id: BigId
    amount: Annotated[int, Field(ge=1, le=MAX_BIG_ID)]  # as the preview showed it
    before: Annotated[int, Field(ge=0, le=MAX_BIG_ID)]  # refunded before the preview
    confirm: bool


class StaffInviteCb(CallbackData, prefix="sinv"):
    role: str


class StaffRevokeCb(CallbackData, prefix="srev"):
    staff_id: Id


class CodesResume(CallbackData, prefix="cres"):
    merchant_id: Id  # where code entry was locked after too many wrong codes


class Rate(CallbackData, prefix="rate"):
    purchase_id: BigId
    stars: Annotated[int, Field(ge=1, le=5)]


class NpsScore(CallbackData, prefix="nps"):
    survey: Annotated[str, Field(pattern=r"^[0-9]{1,19}-[0-9]{8}$")]  # "<membership>-<yyyymmdd>"
    score: Annotated[int, Field(ge=0, le=10)]


class PushStep(CallbackData, prefix="push"):
    action: str  # skip_photo, skip_button, segment, send, schedule, cancel, stop
    value: str = ""


class CatalogCb(CallbackData, prefix="cat"):
    action: str  # category, add, remove, cart, empty, checkout
    value: Annotated[str, Field(pattern=r"^[0-9]{0,9}$")] = ""  # an index or an item id


class OrderAction(StrEnum):
    MINE = "mine"  # the customer's list (order_id 0)
    ASK = "ask"  # cancel? asks first
    CANCEL = "cancel"
    KEEP = "keep"
    READY = "ready"  # staff only


class OrderCb(CallbackData, prefix="ord"):
    action: OrderAction
    order_id: Annotated[int, Field(ge=0, le=MAX_BIG_ID)]
    staff: bool = False  # the staff's side: a cashier may also be a customer of the place


class EraseCb(CallbackData, prefix="erase"):
    merchant_id: Id
    membership_id: BigId  # the card this confirmation was shown for; a later one is another
    confirm: bool


class StatsCb(CallbackData, prefix="st"):
    days: Annotated[int, Field(ge=0, le=MAX_RANGE_DAYS)]  # 0: ask for two dates


class KpiCb(CallbackData, prefix="kpi"):
    name: str
    days: Annotated[int, Field(ge=1, le=MAX_RANGE_DAYS)] = 30
    # The period's last day as a date ordinal (date.max is 3,652,059); 0: today.
    until: Annotated[int, Field(ge=0, le=3_652_059)] = 0


class PosterCb(CallbackData, prefix="pst"):
    lang: str
    tag: str  # 32 characters at most: the packed data stays under 64 bytes


class JoinProgram(CallbackData, prefix="jn"):
    """Staff who are not members asking, of their own accord, to join as customers."""
