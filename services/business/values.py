"""What the business card holds, as services hand it to the renderers, and the checks of what
an admin types into it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit
from zlib import crc32

from services.errors import Refused
from services.policy import hours

MAX_DESCRIPTION = 1000
MAX_ADDRESS = 200
MAX_NEWS = 1000
MAX_LINKS = 5
MAX_LABEL = 30
MAX_URL = 300


class CardField(StrEnum):
    PHOTO = "photo"
    DESCRIPTION = "description"
    ADDRESS = "address"
    LOCATION = "location"
    HOURS = "hours"
    PHONE = "phone"
    LINKS = "links"


class CardRefused(Refused):
    """Reasons: 'too_long' (`length`, `limit`), 'hours_format', 'hours_order', 'hours_overlap',
    'phone', 'link_format', 'link_url', 'links_full', 'empty', 'no_push', 'no_link',
    'not_sent', 'no_merchant' (a forged button's)."""

    def __init__(self, reason: str, length: int = 0, limit: int = 0) -> None:
        super().__init__(reason)
        self.length, self.limit = length, limit


@dataclass(frozen=True, slots=True)
class CardLink:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class CardView:
    merchant_id: int
    name: str
    timezone: str
    photo: str | None = None
    description: str | None = None
    address: str | None = None
    location: tuple[float, float] | None = None
    week: hours.Week | None = None
    phone: str | None = None
    links: tuple[CardLink, ...] = ()
    local_now: datetime | None = None  # the merchant's wall clock, for "open now"
    news: int = 0  # live posts


@dataclass(frozen=True, slots=True)
class NewsItem:
    id: int
    text: str  # Telegram HTML
    photo: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewsPage:
    post: NewsItem | None  # None: no posts
    index: int
    total: int
    timezone: str  # the merchant's, for the post's date


def parse_links(stored: str | None) -> tuple[CardLink, ...]:
    """The stored "label url" lines; a URL has no spaces, a label may."""
    links = []
    for line in (stored or "").splitlines():
        label, _, url = line.rpartition(" ")
        if url:
            links.append(CardLink(label or url, url))
    return tuple(links)


def link_key(url: str) -> int:
    """A short, stable key of a link for its remove button (a stale button removes nothing)."""
    return crc32(url.encode())


def parse_link(text: str) -> CardLink:
    """`Instagram https://instagram.com/cafe` -> a link; only https, up to MAX_LABEL chars."""
    label, _, url = " ".join(text.split()).rpartition(" ")
    if not label or not url:
        raise CardRefused("link_format")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname:
        raise CardRefused("link_url")
    if len(url) > MAX_URL:
        raise CardRefused("link_url")
    if len(label) > MAX_LABEL:
        raise CardRefused("too_long", len(label), MAX_LABEL)
    return CardLink(label, url)


def check_length(text: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise CardRefused("empty")
    if len(text) > limit:
        raise CardRefused("too_long", len(text), limit)
    return text
