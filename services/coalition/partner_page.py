"""The members' Partners page (issue 16): a line for each partner of a business, a partner's
full business card on its button. Public information: no role is checked."""

from __future__ import annotations

from functools import cached_property

from db.models import Merchant
from db.repositories.partners import PartnerRepo
from services.base import Service
from services.business import BusinessService
from services.coalition.partner_views import (
    PartnerCard,
    PartnerEntry,
    PartnerRefused,
    PartnersPage,
)

PAGE_SIZE = 10  # partners on one members' page


class PartnerPages(Service):
    """The reads of partnerships anyone may do; PartnerService adds the admins' acts."""

    @property
    def repo(self) -> PartnerRepo:
        raise NotImplementedError  # PartnerService's

    @cached_property
    def cards(self) -> BusinessService:
        return BusinessService(self.session, self.owner_ids, self.clock)

    async def _merchant(self, merchant_id: int) -> Merchant:
        merchant = await self.merchants.get(merchant_id)
        if merchant is None:  # a forged button's merchant
            raise PartnerRefused("gone")
        return merchant

    async def has_partners(self, merchant_id: int) -> bool:
        async with self.session.begin():
            return await self.repo.has_partners(merchant_id)

    async def page(self, merchant_id: int, page: int = 0) -> PartnersPage:
        """The members' Partners page: a line for each partner (public information, read in
        one statement), PAGE_SIZE a page; a page past the end shows the last."""
        async with self.session.begin():
            merchant = await self._merchant(merchant_id)
            rows = await self.repo.partner_cards(merchant_id)
            pages = max(1, -(-len(rows) // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            entries = tuple(
                PartnerEntry(m_id, name, (card.address or card.description) if card else None)
                for m_id, name, _, card in rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            )
            return PartnersPage(merchant.id, merchant.name, entries, page, pages)

    async def partner_card(
        self, merchant_id: int, partner_id: int, customer_id: int | None = None
    ) -> PartnerCard:
        """A partner's card opened from `merchant_id`'s Partners page, while they partner;
        whether the reader (`customer_id`) is a member there already."""
        async with self.session.begin():
            if not await self.repo.active_between(merchant_id, partner_id):
                raise PartnerRefused("not_partners")
            partner = await self._merchant(partner_id)
            member = customer_id is not None and (
                await self.memberships.find(customer_id, partner_id) is not None
            )
            card = await self.cards.view(partner_id)
            return PartnerCard(card, partner.slug, merchant_id, member)
