"""The outbox: queue, claim and finish messages; cancel and blank them when a person leaves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select, update

from db.models import Outbox, OutboxStatus
from db.repositories.base import Repo


class OutboxRepo(Repo):
    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        rows = await self.s.scalars(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(keys)))
        return set(rows)

    def add(self, row: Outbox) -> None:
        self.s.add(row)

    async def due(self, now: datetime, limit: int) -> Sequence[Outbox]:
        """Pending rows whose time has come: transactional before promotional, oldest first."""
        return await self._all(
            select(Outbox)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= now)
            .order_by(Outbox.priority, Outbox.not_before, Outbox.id)
            .limit(limit)
        )

    async def claim(self, row_id: int) -> bool:
        """pending -> sending, once: a second sender that raced for the row gets False."""
        changed = await self._changed(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, attempts=Outbox.attempts + 1)
        )
        return changed > 0

    async def finish(
        self, row_id: int, status: OutboxStatus, now: datetime, error: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": status, "last_error": error}
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        await self._changed(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING)
            .values(**values)
        )

    async def retry(self, row_id: int, not_before: datetime, error: str) -> None:
        await self._changed(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, not_before=not_before, last_error=error)
        )

    async def block_chat(self, chat_id: int) -> int:
        """The recipient blocked the bot: their waiting messages will not be sent."""
        return await self._changed(
            update(Outbox)
            .where(Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.PENDING)
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

    async def recover(self) -> int:
        """After a crash: rows left `sending` go back to pending (see bot/delivery.py)."""
        return await self._changed(
            update(Outbox)
            .where(Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING)
        )

    async def count_by_status(self, campaign_id: int | None = None) -> dict[OutboxStatus, int]:
        query = select(Outbox.status, func.count()).group_by(Outbox.status)
        if campaign_id is not None:
            query = query.where(Outbox.campaign_id == campaign_id)
        return {status: int(n) for status, n in (await self.s.execute(query)).all()}
