"""Promo pushes: validation, audiences, queueing through the outbox, progress, cancelling."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Campaign, CampaignStatus, OutboxStatus
from db.repositories import CampaignRepo, MerchantRepo, OutboxRepo, StaffRepo
from services.clock import Clock, utc_now
from services.dto import Notice
from services.errors import PushRefused
from services.numbers import MAX_SMALL, InvalidNumber, parse_days, parse_int
from services.outbox import enqueue
from services.rules import LANGUAGES
from services.staff import require_admin

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


@dataclass(frozen=True, slots=True)
class PushContent:
    text: str
    photo: str | None = None
    button_text: str | None = None
    button_url: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignStats:
    id: int
    segment: str
    recipients: int
    send_at: datetime
    status: CampaignStatus
    sent: int
    pending: int
    failed: int
    blocked: int
    cancelled: int


@dataclass(frozen=True, slots=True)
class AudienceCounts:
    """How many opted-in, reachable members each segment choice reaches now."""

    everyone: int = 0
    birthday: int = 0
    levels: dict[int, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    joined: dict[int, int] = field(default_factory=dict)
    inactive: dict[int, int] = field(default_factory=dict)


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


class CampaignService:
    def __init__(
        self, session: AsyncSession, owner_ids: Sequence[int] = (), clock: Clock = utc_now
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock
        self.repo = CampaignRepo(session)
        self.merchants = MerchantRepo(session)
        self.staff = StaffRepo(session)

    async def _audience(self, merchant_id: int, segment: Segment):  # type: ignore[no-untyped-def]
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        now = self.clock()
        month = now.astimezone(ZoneInfo(merchant.timezone)).month
        return self.repo.audience(
            merchant_id, segment.kind, segment.value, now, month, merchant.default_language
        )

    async def check_admin(self, merchant_id: int, actor: int) -> None:
        """NotStaff unless the actor may send pushes here: every push step asks first."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    def send_at(self, text: str, timezone: str) -> datetime:
        return parse_send_at(text, self.clock(), timezone)

    def local_now(self, timezone: str) -> datetime:
        """The merchant's wall clock, for "that time has passed: it is now ..."."""
        return self.clock().astimezone(ZoneInfo(timezone))

    async def audience_size(self, merchant_id: int, actor: int, segment: Segment) -> int:
        """How many opted-in, reachable members the segment reaches now."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            return await self.repo.count(await self._audience(merchant_id, segment))

    async def audience_counts(self, merchant_id: int, actor: int) -> AudienceCounts:
        """Every segment choice counted at once (one grouped query), for the choice buttons."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            now = self.clock()
            month = now.astimezone(ZoneInfo(merchant.timezone)).month
            rows = await self.repo.audience_counts(
                merchant_id, now, month, merchant.default_language, DAY_CHOICES
            )
        levels: dict[int, int] = {}
        languages: dict[str, int] = {}
        joined: dict[int, int] = {}
        inactive: dict[int, int] = {}
        everyone = birthday = 0
        for rank, language, (members, born, *by_days) in rows:
            everyone += members
            birthday += born
            levels[rank] = levels.get(rank, 0) + members
            languages[language] = languages.get(language, 0) + members
            for i, n in enumerate(DAY_CHOICES):
                joined[n] = joined.get(n, 0) + by_days[2 * i]
                inactive[n] = inactive.get(n, 0) + by_days[2 * i + 1]
        return AudienceCounts(everyone, birthday, levels, languages, joined, inactive)

    async def queue(
        self,
        merchant_id: int,
        actor: int,
        content: PushContent,
        segment: Segment,
        send_at: datetime | None,
        key: str,
    ) -> CampaignStats:
        """Write the campaign and its outbox rows; one key (Send pressed twice) queues once."""
        check_text(content.text)
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            existing = await self.repo.by_key(key)
            if existing is not None:
                return await self._stats(existing)
            now = self.clock()
            when = send_at if send_at is not None and send_at > now else now
            campaign = Campaign(
                merchant_id=merchant_id,
                created_by=actor,
                text=content.text,
                photo=content.photo,
                button_text=content.button_text,
                button_url=content.button_url,
                segment=segment.key,
                recipients=0,
                send_at=when,
                status=CampaignStatus.QUEUED,
                idempotency_key=key,
                created_at=now,
            )
            self.session.add(campaign)
            await self.session.flush()
            campaign.recipients = await self.repo.queue(
                campaign, await self._audience(merchant_id, segment), now
            )
            if campaign.recipients == 0:
                raise PushRefused("audience")
            return await self._stats(campaign)

    async def _stats(self, campaign: Campaign) -> CampaignStats:
        counts = await OutboxRepo(self.session).count_by_status(campaign.id)
        return CampaignStats(
            id=campaign.id,
            segment=campaign.segment,
            recipients=campaign.recipients,
            send_at=campaign.send_at,
            status=campaign.status,
            sent=counts.get(OutboxStatus.SENT, 0),
            pending=counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0),
            failed=counts.get(OutboxStatus.FAILED, 0),
            blocked=counts.get(OutboxStatus.BLOCKED, 0),
            cancelled=counts.get(OutboxStatus.CANCELLED, 0),
        )

    async def latest(self, merchant_id: int, actor: int) -> list[CampaignStats]:
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            return [await self._stats(c) for c in await self.repo.latest(merchant_id)]

    async def cancel(self, merchant_id: int, actor: int, campaign_id: int) -> CampaignStats | None:
        """Stop what has not been sent yet; what went out stays sent."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            campaign = await self.repo.get(campaign_id)
            if campaign is None or campaign.merchant_id != merchant_id:
                return None
            if not await self.repo.finish(
                campaign.id, CampaignStatus.QUEUED, CampaignStatus.CANCELLED, self.clock()
            ):
                return None
            await self.repo.cancel_pending(campaign.id)
            campaign.status = CampaignStatus.CANCELLED
            return await self._stats(campaign)


async def push_payload(session: AsyncSession, campaign_id: int) -> dict[str, object]:
    """What the sender needs to render a push: kept once on the campaign, not per row."""
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None:
        return {}
    return {
        "text": campaign.text,
        "photo": campaign.photo,
        "button_text": campaign.button_text,
        "button_url": campaign.button_url,
    }


async def finish_if_done(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """When nothing of a campaign waits any more, mark it done and tell its author."""
    repo = CampaignRepo(session)
    counts = await OutboxRepo(session).count_by_status(campaign_id)
    if counts.get(OutboxStatus.PENDING, 0) or counts.get(OutboxStatus.SENDING, 0):
        return False
    if not await repo.finish(campaign_id, CampaignStatus.QUEUED, CampaignStatus.DONE, now):
        return False
    campaign = await repo.get(campaign_id)
    assert campaign is not None
    merchant = await MerchantRepo(session).get(campaign.merchant_id)
    assert merchant is not None
    summary = Notice(
        campaign.created_by,
        None,
        "push_done",
        {
            "campaign_id": campaign.id,
            "recipients": campaign.recipients,
            "sent": counts.get(OutboxStatus.SENT, 0),
            "failed": counts.get(OutboxStatus.FAILED, 0),
            "blocked": counts.get(OutboxStatus.BLOCKED, 0),
        },
    )
    await enqueue(
        session,
        campaign.merchant_id,
        [summary],
        now,
        f"push_done:{campaign.id}",
        merchant.default_language,
    )
    return True
