"""The live chat's queries: a member's one draft, the messages of a merchant's inbox, a
member's thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from db.models import ChatAuthor, ChatDraft, ChatMessage, Customer, Membership
from db.repositories.base import Repo


class ChatRepo(Repo):
    async def draft(self, membership_id: int) -> ChatDraft | None:
        return await self.s.scalar(
            select(ChatDraft).where(ChatDraft.membership_id == membership_id)
        )

    async def put_draft(
        self, membership_id: int, source_message_id: int, text: str, now: datetime
    ) -> ChatDraft:
        """The member's draft, replacing the one before (a draft at a time)."""
        await self._changed(delete(ChatDraft).where(ChatDraft.membership_id == membership_id))
        draft = ChatDraft(
            membership_id=membership_id,
            source_message_id=source_message_id,
            text=text,
            created_at=now,
        )
        self.s.add(draft)
        await self.s.flush()
        return draft

    async def take_draft(self, source_message_id: int, membership_id: int) -> bool:
        """Delete the draft if it is still there: only one Send (or Cancel) of it counts."""
        gone = await self._changed(
            delete(ChatDraft).where(
                ChatDraft.source_message_id == source_message_id,
                ChatDraft.membership_id == membership_id,
            )
        )
        return gone == 1

    async def get(self, message_id: int) -> ChatMessage | None:
        return await self.s.get(ChatMessage, message_id)

    def add(self, message: ChatMessage) -> None:
        self.s.add(message)

    async def sent_since(self, membership_id: int, since: datetime) -> int:
        """How many messages the member sent since `since`."""
        count = await self.s.scalar(
            select(func.count())
            .select_from(ChatMessage)
            .where(
                ChatMessage.membership_id == membership_id,
                ChatMessage.author == ChatAuthor.MEMBER,
                ChatMessage.created_at >= since,
            )
        )
        return int(count or 0)

    async def mark_answered(self, message_id: int, by: int, now: datetime) -> bool:
        """The first reply marks a member's message answered; False when it was already."""
        changed = await self._changed(
            update(ChatMessage)
            .where(ChatMessage.id == message_id, ChatMessage.answered_at.is_(None))
            .values(answered_at=now, answered_by=by)
        )
        return changed == 1

    async def unanswered(
        self, merchant_id: int, limit: int
    ) -> tuple[list[tuple[ChatMessage, str | None]], int]:
        """The oldest `limit` unanswered messages from members with their first names, and
        how many there are."""
        where = (
            ChatMessage.merchant_id == merchant_id,
            ChatMessage.author == ChatAuthor.MEMBER,
            ChatMessage.answered_at.is_(None),
        )
        rows = await self.s.execute(
            select(ChatMessage, Customer.first_name)
            .join(Membership, Membership.id == ChatMessage.membership_id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(*where)
            .order_by(ChatMessage.id)
            .limit(limit)
        )
        total = await self.s.scalar(select(func.count()).select_from(ChatMessage).where(*where))
        return [(message, name) for message, name in rows.all()], int(total or 0)

    async def ids_of(self, membership_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(ChatMessage.id).where(ChatMessage.membership_id == membership_id)
        )
        return list(rows.all())

    async def forget_member(self, membership_id: int) -> None:
        """Everything of a member's thread and their draft goes (they are leaving)."""
        await self._changed(
            update(ChatMessage)
            .where(
                ChatMessage.reply_to_id.in_(
                    select(ChatMessage.id).where(ChatMessage.membership_id == membership_id)
                )
            )
            .values(reply_to_id=None)
        )
        await self._changed(delete(ChatMessage).where(ChatMessage.membership_id == membership_id))
        await self._changed(delete(ChatDraft).where(ChatDraft.membership_id == membership_id))

    async def rating_reply(self, purchase_id: int) -> ChatMessage | None:
        """The first staff reply to a purchase's rating, if any."""
        return await self.s.scalar(
            select(ChatMessage)
            .where(
                ChatMessage.purchase_id == purchase_id,
                ChatMessage.author == ChatAuthor.STAFF,
                ChatMessage.reply_to_id.is_(None),
            )
            .order_by(ChatMessage.id)
            .limit(1)
        )
