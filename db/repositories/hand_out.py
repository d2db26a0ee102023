"""Certificates a partner hands out (issue 16): the routes a merchant hands out (read with its
program), the offers taken for a set of certificates in one conditional update that checks
everything a hand-out needs, and the sale a partner's cashier gives one after.

`take` is the one gate: an offer is taken (its `issued_count` raised) only while its route
from this partner still exists with this way of handing out (and, automatically, a threshold
the purchase reaches), the partnership is active, the offer is not archived and neither cap is
reached. The process's copy of the routes (services/program.py) only says which offers to
try, so a copy a moment old hands out nothing it should not. A customer's certificates
cancelled since (withdrawn by a refund of the sale that earned them, or lost to an erasure)
count towards no cap: a refund gives the offer's count back (db/repositories/
sale_certificates.py `withdraw`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from db.models import (
    Certificate,
    CertificateOffer,
    CertificateStatus,
    Customer,
    HandOut,
    Membership,
    Merchant,
    OfferRoute,
    Partnership,
    Purchase,
    PurchaseStatus,
)
from db.repositories.base import Repo


def partners(one: Any, other: Any) -> ColumnElement[bool]:
    """An active partnership of the merchants `one` and `other` (ids or columns) exists."""
    return exists().where(
        or_(
            and_(Partnership.low_merchant_id == one, Partnership.high_merchant_id == other),
            and_(Partnership.low_merchant_id == other, Partnership.high_merchant_id == one),
        ),
        Partnership.ended_at.is_(None),
    )


def _accepting(column: Any) -> Any:
    """A column of the offer's (accepting) merchant, read in the update's RETURNING."""
    return select(column).where(Merchant.id == CertificateOffer.merchant_id).scalar_subquery()


class HandOutRepo(Repo):
    async def routes_for_partner(self, partner_id: int) -> Sequence[Any]:
        """The routes `partner_id` hands out: offers of its active partners, not archived,
        with the accepting merchant's name, currency and time zone; by offer id."""
        rows = await self.s.execute(
            select(
                OfferRoute.offer_id,
                CertificateOffer.merchant_id,
                Merchant.name,
                Merchant.currency,
                Merchant.timezone,
                OfferRoute.hand_out,
                OfferRoute.min_purchase_minor,
                CertificateOffer.value_minor,
                CertificateOffer.item,
                CertificateOffer.min_check_minor,
                CertificateOffer.valid_days,
                CertificateOffer.total_limit,
                CertificateOffer.per_customer_limit,
            )
            .join(CertificateOffer, CertificateOffer.id == OfferRoute.offer_id)
            .join(Merchant, Merchant.id == CertificateOffer.merchant_id)
            .where(
                OfferRoute.partner_merchant_id == partner_id,
                CertificateOffer.archived_at.is_(None),
                partners(partner_id, CertificateOffer.merchant_id),
            )
            .order_by(OfferRoute.offer_id)
        )
        return rows.all()

    async def take(
        self,
        offer_ids: Sequence[int],
        partner_id: int,
        how: HandOut,
        membership_id: int,
        amount_minor: int | None = None,
    ) -> list[Any]:
        """Take one certificate of each of `offer_ids` for the customer of `membership_id`,
        in one conditional UPDATE ... RETURNING: the offers that may still hand one out (see
        the module's docstring; `amount_minor`: the purchase an automatic route needs at
        least), each with its terms now, the accepting merchant's name, currency and time
        zone, and the customer's id; by offer id."""
        if not offer_ids:
            return []
        customer = select(Membership.customer_id).where(Membership.id == membership_id)
        route = [
            OfferRoute.offer_id == CertificateOffer.id,
            OfferRoute.partner_merchant_id == partner_id,
            OfferRoute.hand_out == how,
        ]
        if amount_minor is not None:
            route.append(OfferRoute.min_purchase_minor <= amount_minor)
        had = (
            select(func.count())
            .where(
                Certificate.offer_id == CertificateOffer.id,
                Certificate.first_customer_id == customer.scalar_subquery(),
                Certificate.status != CertificateStatus.CANCELLED,
            )
            .scalar_subquery()
        )
        result = await self.s.execute(
            update(CertificateOffer)
            .where(
                CertificateOffer.id.in_(offer_ids),
                CertificateOffer.archived_at.is_(None),
                or_(
                    CertificateOffer.total_limit.is_(None),
                    CertificateOffer.issued_count < CertificateOffer.total_limit,
                ),
                or_(
                    CertificateOffer.per_customer_limit.is_(None),
                    had < CertificateOffer.per_customer_limit,
                ),
                exists().where(*route),
                partners(partner_id, CertificateOffer.merchant_id),
            )
            .values(issued_count=CertificateOffer.issued_count + 1)
            .returning(
                CertificateOffer.id,
                CertificateOffer.merchant_id,
                CertificateOffer.value_minor,
                CertificateOffer.item,
                CertificateOffer.min_check_minor,
                CertificateOffer.valid_days,
                CertificateOffer.per_customer_limit,
                _accepting(Merchant.name).label("name"),
                _accepting(Merchant.currency).label("currency"),
                _accepting(Merchant.timezone).label("timezone"),
                customer.scalar_subquery().label("customer_id"),
            )
            .execution_options(synchronize_session=False)
        )
        taken = sorted(result.all(), key=lambda row: row.id)
        return await self._within_per_customer(taken)

    async def _within_per_customer(self, taken: list[Any]) -> list[Any]:
        """`taken` less the offers whose per-customer cap the customer has reached, their
        `issued_count` given back. The UPDATE's own count is read on its statement's snapshot:
        on PostgreSQL a hand-out to the same customer that held the offer's row lock and
        committed meanwhile is not in it. This count is a statement of its own, after the
        lock, so it sees that one; only offers with a per-customer cap pay it."""
        capped = [row.id for row in taken if row.per_customer_limit is not None]
        if not capped:
            return taken
        customer_id = taken[0].customer_id
        counts = await self.s.execute(
            select(Certificate.offer_id, func.count())
            .where(
                Certificate.offer_id.in_(capped),
                Certificate.first_customer_id == customer_id,
                Certificate.status != CertificateStatus.CANCELLED,  # withdrawn or lost
            )
            .group_by(Certificate.offer_id)
        )
        had: dict[int, int] = {offer_id: n for offer_id, n in counts.all()}
        full = {
            row.id
            for row in taken
            if row.per_customer_limit is not None and had.get(row.id, 0) >= row.per_customer_limit
        }
        if not full:
            return taken
        await self.s.execute(
            update(CertificateOffer)
            .where(CertificateOffer.id.in_(full))
            .values(issued_count=CertificateOffer.issued_count - 1)
            .execution_options(synchronize_session=False)
        )
        return [row for row in taken if row.id not in full]

    async def sale_to_give(self, merchant_id: int, purchase_id: int, offer_id: int) -> Any:
        """A confirmed sale of `merchant_id` a cashier gives a certificate of `offer_id`
        after: (membership_id, confirmed_at, amount_minor, refunded_minor, its buyer's
        telegram_id, first_name, language, telegram_language, bot_blocked, and membership's
        deleted_at and blocked_at; given: whether the sale has one of that offer already);
        None when the merchant made no such sale."""
        given = exists().where(
            Certificate.offer_id == offer_id, Certificate.source_purchase_id == Purchase.id
        )
        row = await self.s.execute(
            select(
                Purchase.membership_id,
                Purchase.confirmed_at,
                Purchase.amount_minor,
                Purchase.refunded_minor,
                Customer.telegram_id,
                Customer.first_name,
                Customer.language,
                Customer.telegram_language,
                Customer.bot_blocked,
                Membership.deleted_at,
                Membership.blocked_at,
                given.label("given"),
            )
            .join(Membership, Membership.id == Purchase.membership_id)
            .outerjoin(Customer, Customer.id == Membership.customer_id)
            .where(
                Purchase.id == purchase_id,
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
        )
        return row.one_or_none()

    async def why_not(self, offer_id: int, partner_id: int, how: HandOut) -> str:
        """Why `take` took nothing of `offer_id` (read only then): not_partners (no route of
        this kind from the partner any more, or the partnership ended), archived, or limit."""
        row = (
            await self.s.execute(
                select(
                    CertificateOffer.archived_at,
                    exists()
                    .where(
                        OfferRoute.offer_id == CertificateOffer.id,
                        OfferRoute.partner_merchant_id == partner_id,
                        OfferRoute.hand_out == how,
                    )
                    .label("routed"),
                    partners(partner_id, CertificateOffer.merchant_id).label("partners"),
                ).where(CertificateOffer.id == offer_id)
            )
        ).one_or_none()
        if row is None or not row.routed or not row.partners:
            return "not_partners"
        return "archived" if row.archived_at is not None else "limit"
