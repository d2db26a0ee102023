"""Enqueueing proactive messages: a row per message, written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Outbox, OutboxStatus
from db.repositories import CustomerRepo, OutboxRepo
from services.notices import PROMOTIONAL_KINDS, Notice, encode

TRANSACTIONAL = 0  # receipts, rating requests, rewards, alerts: before promotions
PROMOTIONAL = 1


async def enqueue(
    session: AsyncSession,
    merchant_id: int,
    notices: Iterable[Notice],
    now: datetime,
    dedupe_prefix: str,
    default_language: str = "en",
    campaign_id: int | None = None,
) -> int:
    """Add one row per notice unless its dedupe key is already there; returns rows added.

    The key is `<prefix>:<kind>:<chat>`, so running the same job or use case twice for the
    same subject enqueues once.
    """
    keyed = [(n, f"{dedupe_prefix}:{n.kind}:{n.telegram_id}") for n in notices]
    return await enqueue_keyed(session, merchant_id, keyed, now, default_language, campaign_id)


async def enqueue_keyed(
    session: AsyncSession,
    merchant_id: int,
    keyed: Iterable[tuple[Notice, str]],
    now: datetime,
    default_language: str = "en",
    campaign_id: int | None = None,
) -> int:
    """`enqueue` with a dedupe key of the caller's for each notice, in two queries whatever
    the count. Customers who blocked the bot are skipped. Each row gets its recipient's
    language: their choice, else Telegram's, else the merchant's default."""
    repo = OutboxRepo(session)
    keyed = [(notice, key[:120]) for notice, key in keyed]
    if not keyed:
        return 0
    people = await CustomerRepo(session).reach([n.telegram_id for n, _ in keyed])
    seen = await repo.existing_keys([key for _, key in keyed])
    added = 0
    for notice, key in keyed:
        blocked, chosen, telegram = people.get(notice.telegram_id, (False, None, None))
        if blocked or key in seen:
            continue
        seen.add(key)
        repo.add(
            Outbox(
                merchant_id=merchant_id,
                chat_id=notice.telegram_id,
                kind=notice.kind,
                priority=(
                    PROMOTIONAL if isinstance(notice.body, PROMOTIONAL_KINDS) else TRANSACTIONAL
                ),
                dedupe_key=key,
                payload=encode(notice.body),
                language=notice.language or chosen or telegram or default_language,
                campaign_id=campaign_id,
                status=OutboxStatus.PENDING,
                attempts=0,
                not_before=now,
                created_at=now,
            )
        )
        added += 1
    await session.flush()  # later reads in this transaction see the rows
    return added
