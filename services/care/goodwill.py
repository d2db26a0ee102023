"""Goodwill points for a low rating (the alert's 🎁 button): once per confirmed, low-rated
purchase, by an admin or owner of the purchase's own merchant (wherever they work now),
audited, and the member is told."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import LedgerReason, Purchase, PurchaseStatus
from db.repositories import PurchaseRepo
from services._tx import in_transaction
from services.care.base import CareBase
from services.care.model import MAX_GOODWILL, CareRefused, Goodwill, GoodwillGiven
from services.errors import NotStaff
from services.ledger import credit
from services.notices import GoodwillPoints
from services.ratings import LOW_STARS
from services.staff import require_admin


class GoodwillRefused(CareRefused):
    """Reasons: not_confirmed (a draft, cancelled, or refunded in full), not_low (not rated
    low), blocked (the member's card is paused)."""


@dataclass(frozen=True, slots=True)
class GoodwillOffer(Goodwill):
    """The goodwill of a purchase, and the name of the merchant it belongs to."""

    merchant: str = ""


class GoodwillCare(CareBase):
    async def goodwill_state(
        self, merchant_id: int, actor: int, purchase_id: int
    ) -> GoodwillOffer:
        """Whether goodwill was given for a purchase (role checked first)."""
        async with self.session.begin():
            purchase = await self._rated(merchant_id, actor, purchase_id)
            membership = await self.memberships.get(purchase.membership_id)
            if membership is not None and membership.blocked_at is not None:
                raise GoodwillRefused("blocked")
            merchant = await self._merchant(purchase.merchant_id)
            return GoodwillOffer(purchase.id, await self._given(purchase.id), merchant.name)

    async def _rated(self, merchant_id: int, actor: int, purchase_id: int) -> Purchase:
        """The purchase, for an admin of its own merchant or an owner; to anyone else nothing
        is said about it: an admin where they work (`merchant_id`) hears there is no such
        sale, a cashier there that this is the admins', others that this is for the staff.
        Then it must be a confirmed sale, not refunded in full, rated low."""
        purchase = await PurchaseRepo(self.session).get(purchase_id)
        try:
            if purchase is None:
                raise NotStaff()
            await require_admin(self.staff, purchase.merchant_id, actor, self.owner_ids)
        except NotStaff:
            await self._admin(merchant_id, actor)
            raise CareRefused("no_sale") from None
        if (
            purchase.status != PurchaseStatus.CONFIRMED
            or purchase.refunded_minor >= purchase.amount_minor
        ):
            raise GoodwillRefused("not_confirmed")
        if purchase.rating is None or purchase.rating > LOW_STARS:
            raise GoodwillRefused("not_low")
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
            raise CareRefused("points")

        async def work() -> GoodwillPoints:
            purchase = await self._rated(merchant_id, actor, purchase_id)
            merchant_id_ = purchase.merchant_id
            # The member's row locked: a second press waits here, then finds the points given.
            membership = await self.memberships.lock(purchase.membership_id)
            if membership is None or membership.deleted_at is not None:
                raise CareRefused("not_found")
            if membership.blocked_at is not None:
                raise GoodwillRefused("blocked")
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
