"""The business card and its news: values.py (what it holds, the checks), card.py (reading and
editing the card), news.py (the posts)."""

from __future__ import annotations

from services.business.news import BusinessService
from services.business.values import (
    CardField,
    CardLink,
    CardRefused,
    CardView,
    NewsItem,
    NewsPage,
)

__all__ = [
    "BusinessService",
    "CardField",
    "CardLink",
    "CardRefused",
    "CardView",
    "NewsItem",
    "NewsPage",
]
