"""Goodwill points for a low rating (the alert's 🎁 button): once per purchase, by an admin or
owner of the purchase's merchant, audited, and the member is told."""

from __future__ import annotations

from db.models import LedgerReason, Purchase
from db.repositories import PurchaseRepo
from services._tx import in_transaction
from services.care.base import CareBase
from services.care.model import MAX_GOODWILL, CareRefused, Goodwill, GoodwillGiven
from services.ledger import credit
from services.notices import GoodwillPoints
from services.staff import require_admin


class GoodwillCare(CareBase):
    async def goodwill_state(self, merchant_id: int, actor: int, purchase_id: int) -> Goodwill:
        """Whether goodwill was given for a purchase of the merchant (role checked first)."""
        async with self.session.begin():
            purchase = await self._rated(merchant_id, actor, purchase_id)
            return Goodwill(purchase.id, await self._given(purchase.id))

    async def _rated(self, merchant_id: int, actor: int, purchase_id: int) -> Purchase:
        """The purchase, for an admin of its merchant (`merchant_id`, where they work) or an
        owner, who holds every merchant; the role is checked before the purchase is read."""
        if actor not in self.owner_ids:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
        purchase = await PurchaseRepo(self.session).get(purchase_id)
        mine = actor in self.owner_ids or (purchase and purchase.merchant_id == merchant_id)
        if purchase is None or not mine:
            raise CareRefused("no_sale")
        return purchase

    async def _given(self, purchase_id: int) -> GoodwillGiven | None:
        entry = await self.care.goodwill(purchase_id)
        if entry is None:
            return None
        by = await self.care.goodwill_by(purchase_id)
        return GoodwillGiven(by, entry.created_at, entry.delta_minor)

    async def goodwill(
        self, merchant_id: int, actor: int, purchase_id: int, points: int
    ) -> GoodwillPoints:
        """Goodwill points to the buyer of a purchase, once per purchase; audited, told."""

        if not 1 <= points <= MAX_GOODWILL:
            raise CareRefused("too_large")

        async def work() -> GoodwillPoints:
            purchase = await self._rated(merchant_id, actor, purchase_id)
            merchant_id_ = purchase.merchant_id
            # The member's row locked: a second press waits here, then finds the points given.
            membership = await self.memberships.lock(purchase.membership_id)
            if membership is None or membership.deleted_at is not None:
                raise CareRefused("not_found")
            given = await self._given(purchase.id)
            if given is not None:
                raise given
            merchant = await self._merchant(merchant_id_)
            now = self.clock()
            await credit(self.ledger, membership, points, LedgerReason.GOODWILL, now, purchase.id)
            self.audit.add(
                merchant_id_,
                actor,
                "goodwill_points",
                now,
                target=str(purchase.id),
                details=str(points),
            )
            body = GoodwillPoints(
                merchant=merchant.name,
                purchase_id=purchase.id,
                points=points,
                balance=membership.balance_minor,
            )
            await self._tell(merchant, membership, body, f"goodwill:{purchase.id}")
            return body

        return await in_transaction(self.session, work)
