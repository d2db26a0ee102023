"""The outbox's use cases: enqueueing proactive messages (a row per message, written in the
caller's transaction), and what the sender claims and records, a statement per set of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Outbox, OutboxStatus
from db.repositories import CustomerRepo, OutboxRepo
from services.notices import PROMOTIONAL_KINDS, Notice, encode

TRANSACTIONAL = 0  # receipts, rating requests, rewards, alerts: before promotions
PROMOTIONAL = 1


def row_of(
    merchant_id: int,
    notice: Notice,
    key: str,
    language: str,
    now: datetime,
    campaign_id: int | None = None,
) -> dict[str, Any]:
    """The outbox row of one notice, due now, under the dedupe key `key` (cut to 120)."""
    promotional = isinstance(notice.body, PROMOTIONAL_KINDS)
    return {
        "merchant_id": merchant_id,
        "chat_id": notice.telegram_id,
        "kind": notice.kind,
        "priority": PROMOTIONAL if promotional else TRANSACTIONAL,
        "dedupe_key": key[:120],
        "payload": encode(notice.body),
        "language": language,
        "campaign_id": campaign_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


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
    rows = [(merchant_id, notice, key, default_language) for notice, key in keyed]
    return await enqueue_keyed_for(session, rows, now, campaign_id)


async def enqueue_keyed_for(
    session: AsyncSession,
    rows: Iterable[tuple[int, Notice, str, str]],
    now: datetime,
    campaign_id: int | None = None,
) -> int:
    """`enqueue_keyed` for notices of several merchants at once, each row (merchant_id,
    notice, key, that merchant's default language): the same two queries and one insert,
    whatever the count of merchants."""
    repo = OutboxRepo(session)
    keyed = [(merchant_id, n, key[:120], default) for merchant_id, n, key, default in rows]
    if not keyed:
        return 0
    people = await CustomerRepo(session).reach([n.telegram_id for _, n, _, _ in keyed])
    seen = await repo.existing_keys([key for _, _, key, _ in keyed])
    added = 0
    for merchant_id, notice, key, default_language in keyed:
        blocked, chosen, telegram = people.get(notice.telegram_id, (False, None, None))
        if blocked or key in seen:
            continue
        seen.add(key)
        language = notice.language or chosen or telegram or default_language
        repo.add(Outbox(**row_of(merchant_id, notice, key, language, now, campaign_id)))
        added += 1
    await session.flush()  # later reads in this transaction see the rows
    return added


@dataclass(frozen=True)
class Claimed:
    """A row the sender holds (`sending`): what it needs to render and send the message."""

    id: int
    chat_id: int
    kind: str
    priority: int
    not_before: datetime
    payload: str
    language: str | None
    campaign_id: int | None
    attempts: int  # this claim included
    paid_broadcast: bool = False  # send with allow_paid_broadcast, at the paid pace


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed row: SENT, FAILED, BLOCKED, or PENDING again at `retry_at`."""

    row_id: int
    chat_id: int
    status: OutboxStatus
    error: str | None = None
    retry_at: datetime | None = None


async def claim(
    session: AsyncSession, now: datetime, limit: int, holder: str, lease: str | None = None
) -> list[Claimed]:
    """Up to `limit` due rows for `holder` to send, in one statement, in the order they go;
    with `lease`, only while `holder` holds it."""
    rows = await OutboxRepo(session).claim(now, limit, holder, lease)
    claimed = [Claimed(**row) for row in rows]
    claimed.sort(key=lambda row: (row.priority, row.not_before, row.id))
    return claimed


async def record(
    session: AsyncSession, outcomes: Sequence[Outcome], now: datetime, holder: str
) -> None:
    """Write what became of rows `holder` claimed: one statement per kind of outcome (all the
    sent ones in one), and recipients who blocked the bot marked unreachable. A row another
    sender has claimed since keeps what that one writes."""
    repo = OutboxRepo(session)
    groups: defaultdict[tuple[OutboxStatus, str | None, datetime | None], list[int]]
    groups = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.status, outcome.error, outcome.retry_at)].append(outcome.row_id)
    for (status, error, retry_at), ids in groups.items():
        if status == OutboxStatus.SENT:
            await repo.mark_sent(ids, now, holder)
        elif status == OutboxStatus.PENDING:
            await repo.retry(ids, holder, retry_at or now, error or "")
        else:
            await repo.finish(ids, holder, status, error)
    blocked = sorted({o.chat_id for o in outcomes if o.status == OutboxStatus.BLOCKED})
    if blocked:
        await repo.block_chats(blocked)


async def release(session: AsyncSession, ids: Sequence[int], holder: str) -> int:
    """Rows `holder` claimed and never handed to Telegram are pending again."""
    return await OutboxRepo(session).release(ids, holder) if ids else 0


async def recover(session: AsyncSession, holder: str) -> int:
    """When `holder` takes the sender's lease: rows other senders (gone, since the lease is
    exclusive) left claimed are pending again."""
    return await OutboxRepo(session).recover(holder)
