"""The business card of a merchant and its news posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from db.models import BusinessCard, NewsPost
from db.repositories.base import Repo


class BusinessRepo(Repo):
    async def card(self, merchant_id: int) -> BusinessCard | None:
        return await self.s.get(BusinessCard, merchant_id)

    async def card_for_edit(self, merchant_id: int) -> BusinessCard | None:
        """Read under a lock: two admins adding a link at once both keep theirs."""
        found = await self._locked(
            select(BusinessCard).where(BusinessCard.merchant_id == merchant_id)
        )
        return found.one_or_none()

    async def news_count(self, merchant_id: int) -> int:
        return await self._int(
            select(func.count(NewsPost.id)).where(
                NewsPost.merchant_id == merchant_id, NewsPost.deleted_at.is_(None)
            )
        )

    async def news_at(self, merchant_id: int, index: int) -> NewsPost | None:
        """The `index`-th live post, newest first."""
        return await self.s.scalar(
            select(NewsPost)
            .where(NewsPost.merchant_id == merchant_id, NewsPost.deleted_at.is_(None))
            .order_by(NewsPost.created_at.desc(), NewsPost.id.desc())
            .offset(index)
            .limit(1)
        )

    async def kept_from(self, campaign_id: int) -> NewsPost | None:
        return await self.s.scalar(select(NewsPost).where(NewsPost.campaign_id == campaign_id))

    async def delete_news(self, merchant_id: int, post_id: int, now: datetime) -> bool:
        """Once: a second tap finds it deleted already and changes nothing."""
        changed = await self._changed(
            update(NewsPost)
            .where(
                NewsPost.id == post_id,
                NewsPost.merchant_id == merchant_id,
                NewsPost.deleted_at.is_(None),
            )
            .values(deleted_at=now)
        )
        return changed > 0
