"""Notices customer care sends a member: points an admin added or took, with the reason, and
goodwill points after a low rating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsAdjusted:
    """To a member: the staff added (delta > 0) or took points, and why."""

    kind: ClassVar[str] = "points_adjusted"
    merchant: str
    delta: int
    reason: str
    balance: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GoodwillPoints:
    """To a member who rated a purchase low: points as an apology."""

    kind: ClassVar[str] = "goodwill_points"
    merchant: str
    purchase_id: int
    points: int
    balance: int
