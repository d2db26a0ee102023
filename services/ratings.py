"""Ratings: the buyer rates a purchase once, may add a comment, and a low rating (1 or 2
stars) alerts the merchant's admins with the purchase it is about."""

from __future__ import annotations

from db.models import Customer, Purchase, PurchaseStatus, Staff
from db.repositories import SummaryRepo
from services.errors import RatingRefused
from services.notices import LowRatingAlert, Notice
from services.seller import SellerBase
from services.staff import alert_place, alert_recipients

LOW_STARS = 2  # a rating of at most this many stars alerts the admins


class RatingService(SellerBase):
    """A customer's stars and comment on a purchase; no seller check, the buyer rates."""

    async def rate(self, purchase_id: int, telegram_id: int, stars: int) -> tuple[Notice, ...]:
        """The buyer rates a purchase once; 1 or 2 stars alert the merchant's admins."""
        if not 1 <= stars <= 5:
            raise RatingRefused("bad_value")
        async with self.session.begin():
            now = self.clock()
            purchase = await self.purchases.get(purchase_id)
            if purchase is None or purchase.status != PurchaseStatus.CONFIRMED:
                raise RatingRefused("not_found")
            membership = await self.memberships.get(purchase.membership_id)
            customer = await self.customers.by_telegram_id(telegram_id)
            if membership is None or customer is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if not await self.purchases.rate(purchase.id, membership.id, stars, now):
                raise RatingRefused("already_rated")
            await SummaryRepo(self.session).on_rating(membership.id, stars, now)
            if stars > LOW_STARS:
                return ()
            return await self._low_rating_alerts(purchase, customer, stars, None)

    async def comment(self, purchase_id: int, telegram_id: int, text: str) -> tuple[Notice, ...]:
        """An optional comment after the stars; a low rating's comment goes to the admins."""
        async with self.session.begin():
            purchase = await self.purchases.get(purchase_id)
            customer = await self.customers.by_telegram_id(telegram_id)
            if purchase is None or customer is None or purchase.rating is None:
                raise RatingRefused("not_found")
            membership = await self.memberships.get(purchase.membership_id)
            if membership is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if purchase.rating_comment is not None:
                raise RatingRefused("already_rated")
            purchase.rating_comment = text.strip()[:1000]
            if purchase.rating > LOW_STARS:
                return ()
            return await self._low_rating_alerts(
                purchase, customer, purchase.rating, purchase.rating_comment
            )

    async def _low_rating_alerts(
        self, purchase: Purchase, customer: Customer, stars: int, comment: str | None
    ) -> tuple[Notice, ...]:
        staff: Staff | None = await self.staff.any(
            purchase.merchant_id, purchase.staff_telegram_id
        )
        admins = await alert_recipients(self.staff, purchase.merchant_id, self.owner_ids)
        merchant = await self.merchants.get(purchase.merchant_id)
        assert merchant is not None
        alert = LowRatingAlert(
            stars=stars,
            comment=comment,
            purchase_id=purchase.id,
            amount=purchase.amount_minor,
            currency=merchant.currency,
            customer=customer.first_name,
            staff=staff.name if staff else str(purchase.staff_telegram_id),
            confirmed_at=purchase.confirmed_at,
            timezone=merchant.timezone,
            place=await alert_place(self.session, merchant.name),
        )
        alerts = tuple(Notice(a, None, alert) for a in admins)
        stage = "comment" if comment is not None else "rating"
        await self._announce(purchase.merchant_id, alerts, f"{stage}:{purchase.id}")
        return alerts
