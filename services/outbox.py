"""Enqueueing proactive messages: a row per message, written in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Outbox, OutboxStatus
from db.repositories import CustomerRepo, OutboxRepo
from services.dto import Notice

TRANSACTIONAL = 0  # receipts, rating requests, rewards, alerts: before promotions
PROMOTIONAL = 1
PROMOTIONAL_KINDS = frozenset({"push", "birthday", "cart_reminder", "nps"})


def _default(value: object) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _restore(obj: dict[str, Any]) -> Any:
    if "__datetime__" in obj:
        return datetime.fromisoformat(obj["__datetime__"])
    return obj


def dump_payload(data: dict[str, object]) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":"))


def load_payload(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text, object_hook=_restore)
    return loaded


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
                priority=PROMOTIONAL if notice.kind in PROMOTIONAL_KINDS else TRANSACTIONAL,
                dedupe_key=key,
                payload=dump_payload(notice.data),
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
