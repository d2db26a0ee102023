"""News posts on the business card: written in the chat or kept from a sent push (once)."""

from __future__ import annotations

from db.models import CampaignStatus, NewsPost
from db.repositories import CampaignRepo
from services._tx import in_transaction
from services.business.card import CardService
from services.business.values import MAX_NEWS, CardRefused, NewsItem, NewsPage
from services.staff import require_admin


class BusinessService(CardService):
    """The card and its news: what handlers ask for as `business`."""

    async def news_page(self, merchant_id: int, index: int) -> NewsPage:
        """One post, newest first; a page past the end shows the last one."""
        async with self.session.begin():
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise CardRefused("no_merchant")
            total = await self.repo.news_count(merchant_id)
            index = max(0, min(index, total - 1))
            post = await self.repo.news_at(merchant_id, index) if total else None
            item = None
            if post is not None:
                item = NewsItem(post.id, post.text, post.photo, post.created_at)
            return NewsPage(item, index, total, merchant.timezone)

    async def admin_news_page(self, merchant_id: int, actor: int, index: int) -> NewsPage:
        await self.check_admin(merchant_id, actor)
        return await self.news_page(merchant_id, index)

    async def check_news(self, merchant_id: int, actor: int, length: int) -> None:
        """The role first, then the post's length, before the form goes on."""
        await self.check_admin(merchant_id, actor)
        if length > MAX_NEWS:
            raise CardRefused("too_long", length, MAX_NEWS)

    async def add_news(
        self, merchant_id: int, actor: int, text: str, photo: str | None, length: int
    ) -> int:
        """A post written in the chat (`text` as Telegram HTML, `length` its visible length)."""

        async def work() -> int:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            if length > MAX_NEWS:
                raise CardRefused("too_long", length, MAX_NEWS)
            if not text.strip():
                raise CardRefused("empty")
            return await self._post(merchant_id, actor, text, photo, None)

        return await in_transaction(self.session, work)

    async def _post(
        self, merchant_id: int, actor: int, text: str, photo: str | None, campaign: int | None
    ) -> int:
        now = self.clock()
        post = NewsPost(
            merchant_id=merchant_id,
            text=text,
            photo=photo,
            campaign_id=campaign,
            created_by=actor,
            created_at=now,
        )
        self.session.add(post)
        await self.session.flush()  # its id for the audit; a push kept twice fails here
        details = None if campaign is None else f"campaign:{campaign}"
        self.audit.add(merchant_id, actor, "news_post", now, target=str(post.id), details=details)
        return post.id

    async def delete_news(self, merchant_id: int, actor: int, post_id: int) -> bool:
        """False when it was deleted already (a second tap) or is no post of this merchant."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
            if not await self.repo.delete_news(merchant_id, post_id, now):
                return False
            self.audit.add(merchant_id, actor, "news_delete", now, target=str(post_id))
            return True

    async def keep_push(self, merchant_id: int, actor: int, campaign_id: int) -> bool:
        """A sent push kept as a news post, once; False when it was kept already."""

        async def work() -> bool:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            campaign = await CampaignRepo(self.session).get(campaign_id)
            if campaign is None or campaign.merchant_id != merchant_id:
                raise CardRefused("no_push")
            if campaign.status == CampaignStatus.CANCELLED or campaign.send_at > self.clock():
                raise CardRefused("not_sent")  # news of what members never got, or not yet
            if await self.repo.kept_from(campaign_id) is not None:
                return False
            await self._post(merchant_id, actor, campaign.text, campaign.photo, campaign_id)
            return True

        return await in_transaction(self.session, work)
