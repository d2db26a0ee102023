"""The outbox: queue, claim and finish messages; cancel and blank them when a person leaves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    RowMapping,
    Update,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)

from db.models import Customer, Outbox, OutboxStatus
from db.repositories.base import Repo, run_core
from db.repositories.leases import holds

# What the sender needs of a claimed row.
CLAIMED = (
    Outbox.id,
    Outbox.chat_id,
    Outbox.kind,
    Outbox.priority,
    Outbox.not_before,
    Outbox.payload,
    Outbox.language,
    Outbox.campaign_id,
    Outbox.attempts,
    Outbox.paid_broadcast,
)


@cache
def _claim(lease: str | None) -> Update:
    """OutboxRepo.claim's statement (bound: now, limit, holder), fenced by `lease`: rows are
    taken only while the holder's lease of that name runs (checked once, in the statement)."""
    # Picked once, in a materialized CTE: as a plain IN (subquery) PostgreSQL may run the
    # subquery again for every row it scans (a nested loop), and each run locks and
    # returns the next `limit` rows: one claim took the whole table. The UPDATE finds them
    # by primary key; a second `status = pending` there would send SQLite through every
    # pending row of the status index (20 ms at 20,000), and the rows are locked pending.
    due = select(Outbox.id).where(
        Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= bindparam("now")
    )
    if lease is not None:
        due = due.where(holds(lease, bindparam("holder")))
    cte = (
        due.order_by(Outbox.priority, Outbox.not_before, Outbox.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    return (
        update(Outbox)
        .where(Outbox.id.in_(select(cte.c.id)))
        .values(
            status=OutboxStatus.SENDING,
            attempts=Outbox.attempts + 1,
            claimed_by=bindparam("holder"),
            claimed_at=bindparam("now"),
        )
        .returning(*CLAIMED)
        .execution_options(synchronize_session=False)
    )


def _claimed_by(holder: Any, ids: Any) -> tuple[ColumnElement[bool], ...]:
    """These rows, as long as `holder` is the last who claimed them and no one since: still
    `sending`, or `pending` again (a sender that took the lease over returned them, and has
    not claimed them yet; what became of them is news to it)."""
    return (
        Outbox.id.in_(ids),
        Outbox.claimed_by == holder,
        Outbox.status.in_([OutboxStatus.SENDING, OutboxStatus.PENDING]),
    )


@cache
def _mark_sent() -> Update:
    """OutboxRepo.mark_sent's statement (bound: ids, now, holder)."""
    return (
        update(Outbox)
        .where(*_claimed_by(bindparam("holder"), bindparam("ids", expanding=True)))
        .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), last_error=None)
        .execution_options(synchronize_session=False)
    )


class OutboxRepo(Repo):
    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        rows = await self.s.scalars(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(keys)))
        return set(rows)

    def add(self, row: Outbox) -> None:
        self.s.add(row)

    async def claim(
        self, now: datetime, limit: int, holder: str, lease: str | None = None
    ) -> Sequence[RowMapping]:
        """Up to `limit` due rows, pending -> sending, in one statement: transactional before
        promotional, oldest first (the caller sorts them: RETURNING keeps no order). With
        `lease`, none unless `holder` holds that lease at this moment (db/repositories/leases).

        On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so a second sender would
        take others instead of waiting; SQLite's write lock is exclusive already (and its
        compiler leaves the clause out). Each claim counts as an attempt."""
        params = {"now": now, "limit": limit, "holder": holder}
        result = await run_core(self.s, _claim(lease), params)
        return result.mappings().all()

    async def mark_sent(self, ids: Sequence[int], now: datetime, holder: str) -> int:
        """Telegram accepted these rows that `holder` claimed."""
        params = {"ids": list(ids), "now": now, "holder": holder}
        result = await run_core(self.s, _mark_sent(), params)
        return int(cast("CursorResult[Any]", result).rowcount)

    async def finish(
        self, ids: Sequence[int], holder: str, status: OutboxStatus, error: str | None
    ) -> int:
        """These rows `holder` claimed end unsent: failed, or blocked by their recipient."""
        return await self._changed(
            update(Outbox).where(*_claimed_by(holder, ids)).values(status=status, last_error=error)
        )

    async def retry(
        self, ids: Sequence[int], holder: str, not_before: datetime, error: str
    ) -> int:
        """These rows `holder` claimed go back to pending, due again at `not_before`."""
        return await self._changed(
            update(Outbox)
            .where(*_claimed_by(holder, ids))
            .values(status=OutboxStatus.PENDING, not_before=not_before, last_error=error)
        )

    async def release(self, ids: Sequence[int], holder: str) -> int:
        """Rows `holder` claimed and never handed to Telegram go back to pending, the claim's
        attempt taken back (unless another sender returned them already)."""
        return await self._changed(
            update(Outbox)
            .where(
                Outbox.id.in_(ids),
                Outbox.claimed_by == holder,
                Outbox.status == OutboxStatus.SENDING,
            )
            .values(status=OutboxStatus.PENDING, attempts=Outbox.attempts - 1)
        )

    async def block_chats(self, chat_ids: Sequence[int]) -> int:
        """These recipients blocked the bot: they are marked unreachable, and their waiting
        messages will not be sent (a customer who writes to the bot again is reachable)."""
        await self._changed(
            update(Customer).where(Customer.telegram_id.in_(chat_ids)).values(bot_blocked=True)
        )
        return await self._changed(
            update(Outbox)
            .where(Outbox.chat_id.in_(chat_ids), Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.BLOCKED)
        )

    async def cancel_waiting(self, merchant_id: int, chat_id: int) -> int:
        """A member left the program: what was queued for them there is not sent."""
        return await self._changed(
            update(Outbox)
            .where(
                Outbox.merchant_id == merchant_id,
                Outbox.chat_id == chat_id,
                Outbox.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.CANCELLED)
        )

    async def anonymize(self, merchant_id: int, chat_id: int, anonymous_chat_id: int) -> None:
        """A member left: the merchant's messages to them keep their status and time (the
        reports count them) but no content, and no longer carry their Telegram id."""
        # Keys of `enqueue` end with the chat id: that end is replaced, so keys stay unique.
        # Keys of the caller's (cart reminders, expiry) name the membership: they stay as
        # they are (cut short, two reminders' keys were one and the erasure failed).
        kept = func.length(Outbox.dedupe_key) - len(str(chat_id))
        renamed = func.substr(Outbox.dedupe_key, 1, kept) + str(anonymous_chat_id)
        await self._changed(
            update(Outbox)
            .where(Outbox.merchant_id == merchant_id, Outbox.chat_id == chat_id)
            .values(
                chat_id=anonymous_chat_id,
                dedupe_key=case(
                    (Outbox.dedupe_key.like(f"%:{chat_id}"), renamed), else_=Outbox.dedupe_key
                ),
                payload="{}",
                last_error=None,
            )
        )

    async def forget(self, merchant_id: int, *about: ColumnElement[bool]) -> None:
        """The merchant's messages matching `about` named a person who left: those not yet
        sent are not sent, and none keeps its content (but one on its way right now)."""
        mine = (Outbox.merchant_id == merchant_id, *about)
        await self._changed(
            update(Outbox)
            .where(*mine, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
        )
        await self._changed(
            update(Outbox).where(*mine, Outbox.status != OutboxStatus.SENDING).values(payload="{}")
        )

    async def forget_like(self, merchant_id: int, patterns: Sequence[str]) -> None:
        """`forget` the messages whose dedupe key is LIKE one of `patterns`, 400 at a time."""
        for chunk in range(0, len(patterns), 400):
            like = [Outbox.dedupe_key.like(pattern) for pattern in patterns[chunk : chunk + 400]]
            await self.forget(merchant_id, or_(*like))

    async def forget_purchases(self, merchant_id: int, purchase_ids: Sequence[int]) -> None:
        """Messages to others about these purchases (notes to referrers, alerts to admins)
        named the buyer: `forget` them."""
        stages = ("sale", "rating", "comment", "refund")
        keys = [f"{stage}:{pid}:%" for pid in purchase_ids for stage in stages]
        await self.forget_like(merchant_id, keys)

    async def forget_keys(self, merchant_id: int, keys: Sequence[str]) -> None:
        """Messages to others that named a person who left, by their dedupe keys: `forget`
        them."""
        if keys:
            await self.forget(merchant_id, Outbox.dedupe_key.in_(list(keys)))

    async def recover(self, holder: str) -> int:
        """When a sender takes the lease: rows other senders left `sending` go back to pending
        (see bot/delivery.py). The lease is exclusive, so their holders are gone; rows of
        `holder`'s own are its business (it knows which it handed to Telegram)."""
        return await self._changed(
            update(Outbox)
            .where(
                Outbox.status == OutboxStatus.SENDING,
                or_(Outbox.claimed_by.is_(None), Outbox.claimed_by != holder),
            )
            .values(status=OutboxStatus.PENDING)
        )

    async def pay_for(self, campaign_id: int) -> int:
        """The campaign's waiting messages go as a paid broadcast."""
        return await self._changed(
            update(Outbox)
            .where(Outbox.campaign_id == campaign_id, Outbox.status == OutboxStatus.PENDING)
            .values(paid_broadcast=True)
        )

    async def waiting(self, campaign_id: int) -> bool:
        """Whether any message of the campaign is still to be sent (pending or claimed)."""
        query = select(Outbox.id).where(
            Outbox.campaign_id == campaign_id,
            Outbox.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        return bool(await self.s.scalar(select(query.exists())))

    async def count_by_status(self, campaign_id: int | None = None) -> dict[OutboxStatus, int]:
        query = select(Outbox.status, func.count()).group_by(Outbox.status)
        if campaign_id is not None:
            query = query.where(Outbox.campaign_id == campaign_id)
        return {status: int(n) for status, n in (await self.s.execute(query)).all()}
