"""Sending a push: the audience of a segment, queueing it through the outbox once, its
progress, cancelling what has not gone yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from db.models import Campaign, CampaignStatus, OutboxStatus
from db.repositories import CampaignRepo, OutboxRepo
from services.base import Service
from services.campaigns.content import DAY_CHOICES, Segment, check_text, parse_send_at
from services.campaigns.paid import PaidQuote, offers_paid, require_owner
from services.errors import PushRefused
from services.notices import Push
from services.staff import require_admin


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


class CampaignService(Service):
    @cached_property
    def repo(self) -> CampaignRepo:
        return CampaignRepo(self.session)

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

    def offers_paid(self, actor: int, recipients: int) -> bool:
        """Whether the preview offers `actor` to send this push as a paid broadcast."""
        return offers_paid(actor, self.owner_ids, recipients)

    def require_owner(self, actor: int) -> None:
        """PushRefused("owner") unless the actor may pay for a broadcast (services/campaigns/
        paid.py): a paid step asks first, before it reads anything."""
        require_owner(actor, self.owner_ids)

    async def paid_quote(self, merchant_id: int, actor: int, segment: Segment) -> PaidQuote:
        """What a paid broadcast to the segment costs at most; owners only."""
        require_owner(actor, self.owner_ids)
        async with self.session.begin():
            return PaidQuote(await self.repo.count(await self._audience(merchant_id, segment)))

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
        content: Push,
        segment: Segment,
        send_at: datetime | None,
        key: str,
        paid: bool = False,
    ) -> CampaignStats:
        """Write the campaign and its outbox rows; one key (Send pressed twice) queues once.
        `paid`: as a paid broadcast (owners only, audited)."""
        if paid:
            require_owner(actor, self.owner_ids)
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
            if paid:
                await OutboxRepo(self.session).pay_for(campaign.id)
                self.audit.add(
                    merchant_id,
                    actor,
                    "paid_broadcast",
                    now,
                    target=str(campaign.id),
                    details=str(campaign.recipients),
                )
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
