"""What customer care returns and refuses, and the pure rules of what staff type: a query that
names a member, a points adjustment, its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services import policy
from services.dto import Birthday, LevelInfo
from services.errors import InvalidPhone, Refused

MAX_ADJUST = 1_000_000  # points in one adjustment either way
MAX_GOODWILL = 100_000
REASON_MAX = 200
_CODE = re.compile(r"[0-9]{6}")  # ASCII digits only: no ², no other scripts' digits
_NUMBER = re.compile(r"#?([0-9]{1,18})")
_DELTA = re.compile(r"([+\-−])\s*([0-9]+)")


class CareRefused(Refused):
    """Reasons: format (no code, number or phone), not_found (also another merchant's member),
    cashier_code (a cashier looks up by payment code only), amount (not +N or −N), too_large,
    below_zero, changed (the balance moved since the preview: saved already, or a sale),
    reason_empty, reason_long (ReasonTooLong), stale (a preview no longer open), no_sale (no
    such sale here), goodwill_given, admins_only (a cashier at an admin's step), paused
    (MemberPaused), phone_country (a phone typed without its country code found nobody),
    points (goodwill points typed that are no whole number from 1 to MAX_GOODWILL)."""


class ReasonTooLong(CareRefused):
    """The reason typed is `length` characters long, more than REASON_MAX."""

    def __init__(self, length: int) -> None:
        super().__init__("reason_long")
        self.length = length


class MemberPaused(CareRefused):
    """The member's card is blocked: their points are not adjusted until it is unblocked."""

    def __init__(self, membership_id: int) -> None:
        super().__init__("paused")
        self.membership_id = membership_id


class GoodwillGiven(CareRefused):
    """Goodwill points were given for this purchase already: by whom (None: an owner), when."""

    def __init__(self, by: str | None, at: datetime, points: int) -> None:
        super().__init__("goodwill_given")
        self.by, self.at, self.points = by, at, points


class QueryKind(StrEnum):
    CODE = "code"
    NUMBER = "number"
    PHONE = "phone"


def classify(text: str) -> tuple[QueryKind, str]:
    """A payment code (6 digits), a member number (#42, or up to 5 digits) or a phone (+48...,
    or 7 digits and more); CareRefused('format') for anything else."""
    value = text.strip().replace(" ", "")
    if _CODE.fullmatch(value):
        return QueryKind.CODE, value
    number = _NUMBER.fullmatch(value)
    if number and (value.startswith("#") or len(value) <= 5):
        return QueryKind.NUMBER, number.group(1)
    try:
        return QueryKind.PHONE, policy.normalize_phone(text)
    except InvalidPhone:
        raise CareRefused("format") from None


def parse_delta(text: str, most: int = MAX_ADJUST) -> int:
    """`+50` or `-20` (or `−20`): whole points, never zero, at most `most` either way."""
    match = _DELTA.fullmatch(text.strip())
    if match is None:
        raise CareRefused("amount")
    digits = match.group(2).lstrip("0")
    if not digits:
        raise CareRefused("amount")
    if len(digits) > len(str(most)) or int(digits) > most:
        raise CareRefused("too_large")
    return -int(digits) if match.group(1) != "+" else int(digits)


def parse_points(text: str, most: int = MAX_GOODWILL) -> int:
    """A typed number of goodwill points, 1 to `most`."""
    value = text.strip().lstrip("+")
    if not value.isascii() or not value.isdigit() or not value.lstrip("0"):
        raise CareRefused("points")
    if len(value.lstrip("0")) > len(str(most)) or int(value) > most:
        raise CareRefused("too_large")
    return int(value)


def clean_reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise CareRefused("reason_empty")
    if len(reason) > REASON_MAX:
        raise ReasonTooLong(len(reason))
    return reason


@dataclass(frozen=True, slots=True)
class Rating:
    stars: int
    comment: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class TillCard:
    """What a cashier sees: what a sale needs (the till's preview shows the same)."""

    first_name: str | None
    phone_masked: str | None
    level: LevelInfo
    balance: int
    currency: str
    point_value: int
    blocked: bool


@dataclass(frozen=True, slots=True)
class MemberPage:
    """What an admin sees of a member."""

    membership_id: int
    first_name: str | None
    phone_masked: str | None
    joined_at: datetime
    visits: int
    spend_minor: int
    level: LevelInfo
    balance: int
    currency: str
    point_value: int
    timezone: str
    ratings: tuple[Rating, ...]
    referrals_effective: int
    referrals_invited: int
    open_orders: int
    open_orders_minor: int
    birthday: Birthday | None
    blocked: bool


@dataclass(frozen=True, slots=True)
class Adjusted:
    membership_id: int
    delta: int
    balance: int


@dataclass(frozen=True, slots=True)
class Goodwill:
    """A low-rated purchase's goodwill: the buttons to give it, or who gave it."""

    purchase_id: int
    given: GoodwillGiven | None = None
