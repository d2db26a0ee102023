"""Customer care: /customer's look-up, a member's page, points adjustments, the block, and
goodwill points after a low rating."""

from services.care.model import (
    MAX_GOODWILL,
    Adjusted,
    CareRefused,
    Goodwill,
    GoodwillGiven,
    MemberPage,
    MemberPaused,
    Rating,
    ReasonTooLong,
    TillCard,
    clean_reason,
    parse_delta,
    parse_points,
)
from services.care.service import CareService

__all__ = [
    "MAX_GOODWILL",
    "Adjusted",
    "CareRefused",
    "CareService",
    "Goodwill",
    "GoodwillGiven",
    "MemberPage",
    "MemberPaused",
    "Rating",
    "ReasonTooLong",
    "TillCard",
    "clean_reason",
    "parse_delta",
    "parse_points",
]
