"""A member who leaves takes everything they wrote in the chat with them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import ChatRepo, OutboxRepo


async def forget_chat(session: AsyncSession, merchant_id: int, membership_id: int) -> None:
    """The member's thread and draft go, and the admins' copies of their messages lose their
    content (the outbox rows keep status and time)."""
    chat = ChatRepo(session)
    ids = await chat.ids_of(membership_id)
    await OutboxRepo(session).forget_like(merchant_id, [f"chat:{i}:%" for i in ids])
    await chat.forget_member(membership_id)
