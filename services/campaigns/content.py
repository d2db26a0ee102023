"""What a push says and whom it reaches, as an admin types it: the segment, the text (in the
HTML Telegram accepts), the button and the send time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from services.errors import PushRefused
from services.numbers import MAX_SMALL, InvalidNumber, parse_days, parse_int
from services.policy import LANGUAGES

MAX_TEXT = 1000
MAX_BUTTON_TEXT = 40
SEGMENT_KINDS = ("all", "level", "inactive", "birthday", "joined", "lang")
# The day counts offered as buttons for "inactive" and "joined"; any other can be typed.
DAY_CHOICES = (7, 30, 90)
# A send time up to this far in the past is a mistake and refused; one further back (05.01 typed
# in December) means next year.
PAST_GRACE = timedelta(days=30)
# What Telegram's HTML parse mode accepts.
ALLOWED_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ]
)
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);)")


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    value: str | None = None

    @property
    def key(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def parse_segment(key: str) -> Segment:
    kind, _, value = key.partition(":")
    if kind not in SEGMENT_KINDS:
        raise PushRefused("segment")
    try:
        if kind in ("inactive", "joined"):
            value = str(parse_days(value))
        elif kind == "level":
            value = str(parse_int(value, 0, MAX_SMALL))
    except InvalidNumber:
        raise PushRefused("segment") from None
    if kind == "lang" and value not in LANGUAGES:
        raise PushRefused("segment")
    return Segment(kind, value or None)


class _TagCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.bad = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad = True
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.bad = True


def visible_length(html: str) -> int:
    """Characters the customer will see: tags removed, entities counted as one."""
    text = re.sub(r"<[^>]+>", "", html)
    return len(re.sub(r"&(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);", "_", text))


def telegram_html_ok(html: str) -> bool:
    """Whether Telegram's HTML parse mode will accept `html`: known tags, properly nested,
    no bare "&" or "<"."""
    parser = _TagCheck()
    parser.feed(html)
    parser.close()
    return not (parser.bad or parser.stack or _ENTITY.search(html))


def check_text(html: str) -> str:
    """At most 1000 visible characters of the HTML Telegram accepts, or PushRefused."""
    html = html.strip()
    if not html:
        raise PushRefused("too_long", 0)
    count = visible_length(html)
    if count > MAX_TEXT:
        raise PushRefused("too_long", count)
    if not telegram_html_ok(html):
        raise PushRefused("html")
    return html


def check_button(text: str) -> tuple[str, str]:
    """`Label | https://example.com` -> (label, url)."""
    label, sep, url = (part.strip() for part in text.partition("|"))
    if not sep:
        label, url = "", label
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in url:
        raise PushRefused("url")
    if len(url) > 500:
        raise PushRefused("url")
    if len(label) > MAX_BUTTON_TEXT:
        raise PushRefused("button_text")
    return label, url


_SEND_AT = re.compile(r"\s*([0-9]{1,2})\.([0-9]{1,2})\s+([0-9]{1,2}):([0-9]{2})\s*")


def parse_send_at(text: str, now: datetime, timezone: str) -> datetime:
    """`24.12 18:30` in the merchant's time zone, this year if that is still ahead. A moment
    passed within PAST_GRACE is refused ("past"); one passed longer ago means next year."""
    match = _SEND_AT.fullmatch(text)
    if not match:
        raise PushRefused("time")
    day, month, hour, minute = (int(g) for g in match.groups())
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    try:
        when = datetime(local_now.year, month, day, hour, minute, tzinfo=tz)
        if when > local_now:
            return when
        if local_now - when <= PAST_GRACE:
            raise PushRefused("past")
        return datetime(local_now.year + 1, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise PushRefused("time") from None
