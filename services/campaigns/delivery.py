"""What the sender asks about a push: the content to render (kept once on the campaign), and
whether the campaign is done (then its author hears how it went)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CampaignStatus, OutboxStatus
from db.repositories import CampaignRepo, MerchantRepo, OutboxRepo
from services.notices import Notice, Push, PushDone
from services.outbox import enqueue


async def push_payload(session: AsyncSession, campaign_id: int) -> Push | None:
    """What the sender needs to render a push: kept once on the campaign, not per row."""
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None:
        return None
    return Push(
        text=campaign.text,
        photo=campaign.photo,
        button_text=campaign.button_text,
        button_url=campaign.button_url,
    )


async def finish_if_done(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """When nothing of a campaign waits any more, mark it done and tell its author."""
    repo = CampaignRepo(session)
    outbox = OutboxRepo(session)
    if await outbox.waiting(campaign_id):  # one index probe after every batch; the count once
        return False
    counts = await outbox.count_by_status(campaign_id)
    if not await repo.finish(campaign_id, CampaignStatus.QUEUED, CampaignStatus.DONE, now):
        return False
    campaign = await repo.get(campaign_id)
    assert campaign is not None
    merchant = await MerchantRepo(session).get(campaign.merchant_id)
    assert merchant is not None
    summary = Notice(
        campaign.created_by,
        None,
        PushDone(
            campaign_id=campaign.id,
            recipients=campaign.recipients,
            sent=counts.get(OutboxStatus.SENT, 0),
            failed=counts.get(OutboxStatus.FAILED, 0),
            blocked=counts.get(OutboxStatus.BLOCKED, 0),
        ),
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
