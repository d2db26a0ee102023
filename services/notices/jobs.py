"""Notices of the scheduled jobs and of birthdays: gifts, expiring points, the NPS question
and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class BirthdayGift:
    """To a member on their birthday: the gift and how long it lasts."""

    kind: ClassVar[str] = "birthday"
    merchant: str
    bonus: int
    balance: int
    days: int = 14  # rows queued before the merchant chose: the old fixed validity


@dataclass(frozen=True, slots=True, kw_only=True)
class BirthdayCorrection:
    """To a member: an admin corrected their birthday."""

    kind: ClassVar[str] = "birthday_corrected"
    merchant: str
    day: int
    month: int
    year: int | None = None
    gift_next_year: bool = False  # it is too close: the gift starts next year


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsExpired:
    """To a member: points older than the merchant's lifetime expired."""

    kind: ClassVar[str] = "expired"
    points: int
    balance: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpiryWarning:
    """To a member: points will expire in a few days."""

    kind: ClassVar[str] = "expiry_warning"
    points: int
    days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NpsSurvey:
    """To a member: how likely they are to recommend us, 0 to 10."""

    kind: ClassVar[str] = "nps"
    survey: str  # "<membership id>:<yyyymmdd>", sent back with the score


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestFigures:
    """One week's figures in the digest; a rate is None when there was nothing to divide by."""

    members: int
    new_members: int
    active: int
    purchases: int
    revenue: int
    average_check: float | None
    retention: float | None
    csat: float | None
    nps: int | None
    issued: int
    redeemed: int
    liability: int
    vouchers_redeemed: int = 0  # rows queued before rewards (issue 15) have none
    cards_completed: int = 0
    partners: int = 0  # the coalition (issue 16): its line shows while there are partners
    certificates_handed: int = 0  # handed out by the business as a partner
    certificates_redeemed: int = 0  # its own certificates redeemed at its tills
    customers_brought: int = 0  # new customers its partners' certificates brought


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyDigest:
    """To the admins and owners on Monday: last week against the week before."""

    kind: ClassVar[str] = "digest"
    merchant: str
    currency: str
    members: int
    first_day: date
    last_day: date
    timezone: str | None = None  # rows queued before dates were read in the merchant's region
    current: DigestFigures
    previous: DigestFigures
