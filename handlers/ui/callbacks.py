"""Typed callback data; packed values stay far below Telegram's 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class Consent(CallbackData, prefix="ok"):
    merchant_id: int
    version: int
    ref: str = ""
    src: str = ""


class Marketing(CallbackData, prefix="mk"):
    merchant_id: int
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
    page: int


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
    day: int
    month: int
    year: int = 0  # 0: no year given
    save: bool


class Language(CallbackData, prefix="lang"):
    code: str


class SaleDecision(CallbackData, prefix="sale"):
    key: str  # the draft purchase's idempotency key (32 hex characters)
    confirm: bool


class PointsChoice(CallbackData, prefix="pts"):
    points: int


class ReceiptSkip(CallbackData, prefix="rskip"):
    pass


class StaffInviteCb(CallbackData, prefix="sinv"):
    role: str


class StaffRevokeCb(CallbackData, prefix="srev"):
    staff_id: int


class CodesResume(CallbackData, prefix="cres"):
    merchant_id: int  # where code entry was locked after too many wrong codes


class Rate(CallbackData, prefix="rate"):
    purchase_id: int
    stars: int


class NpsScore(CallbackData, prefix="nps"):
    survey: str  # "<membership id>-<yyyymmdd>"
    score: int


class PushStep(CallbackData, prefix="push"):
    action: str  # skip_photo, skip_button, segment, send, schedule, cancel, stop
    value: str = ""


class CatalogCb(CallbackData, prefix="cat"):
    action: str  # category, add, remove, cart, empty, checkout
    value: str = ""


class OrderAction(StrEnum):
    MINE = "mine"  # the customer's list (order_id 0)
    ASK = "ask"  # cancel? asks first
    CANCEL = "cancel"
    KEEP = "keep"
    READY = "ready"  # staff only


class OrderCb(CallbackData, prefix="ord"):
    action: OrderAction
    order_id: int
    staff: bool = False  # the staff's side: a cashier may also be a customer of the place


class EraseCb(CallbackData, prefix="erase"):
    merchant_id: int
    membership_id: int  # the card this confirmation was shown for; a later one is another
    confirm: bool


class StatsCb(CallbackData, prefix="st"):
    days: int  # 0: ask for two dates


class KpiCb(CallbackData, prefix="kpi"):
    name: str
    days: int = 30
    until: int = 0  # the period's last day as a date ordinal; 0: today


class PosterCb(CallbackData, prefix="pst"):
    lang: str
    tag: str  # 32 characters at most: the packed data stays under 64 bytes
