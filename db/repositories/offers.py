"""Certificate offers (issue 16) as the issuing business manages them (/offers): its offers and
their routes, its current partners, and, for the purchase path and the partner's till, the
routes a partner hands out now (`routes_for_partner`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from db.models import CertificateOffer, Merchant, OfferRoute, Partnership
from db.repositories.base import Repo


def _active_pair(a: Any, b: Any) -> Any:
    """An active partnership of the merchants `a` and `b` (columns or values)."""
    return and_(
        Partnership.ended_at.is_(None),
        or_(
            and_(Partnership.low_merchant_id == a, Partnership.high_merchant_id == b),
            and_(Partnership.low_merchant_id == b, Partnership.high_merchant_id == a),
        ),
    )


class OfferRepo(Repo):
    async def partners(self, merchant_id: int) -> Sequence[Any]:
        """The merchant's current partners: rows (id, name, currency), by name."""
        low = select(Partnership.high_merchant_id.label("id")).where(
            Partnership.low_merchant_id == merchant_id, Partnership.ended_at.is_(None)
        )
        high = select(Partnership.low_merchant_id.label("id")).where(
            Partnership.high_merchant_id == merchant_id, Partnership.ended_at.is_(None)
        )
        ids = low.union_all(high).subquery()
        result = await self.s.execute(
            select(Merchant.id, Merchant.name, Merchant.currency)
            .join(ids, ids.c.id == Merchant.id)
            .order_by(Merchant.name, Merchant.id)
        )
        return result.all()

    async def listing(self, merchant_id: int, archived: bool) -> Sequence[CertificateOffer]:
        """The merchant's active (or archived) offers, newest first."""
        done = CertificateOffer.archived_at.is_not(None)
        return await self._all(
            select(CertificateOffer)
            .where(CertificateOffer.merchant_id == merchant_id, done if archived else ~done)
            .order_by(CertificateOffer.id.desc())
        )

    async def archived_count(self, merchant_id: int) -> int:
        return await self._int(
            select(func.count())
            .select_from(CertificateOffer)
            .where(
                CertificateOffer.merchant_id == merchant_id,
                CertificateOffer.archived_at.is_not(None),
            )
        )

    async def routes(self, offer_ids: Sequence[int]) -> Sequence[OfferRoute]:
        """The routes of these offers, in one statement."""
        if not offer_ids:
            return []
        return await self._all(
            select(OfferRoute)
            .where(OfferRoute.offer_id.in_(offer_ids))
            .order_by(OfferRoute.offer_id, OfferRoute.partner_merchant_id)
        )

    async def get(self, merchant_id: int, offer_id: int) -> CertificateOffer | None:
        """One of this merchant's offers; None for another's or none at all."""
        return await self.s.scalar(
            select(CertificateOffer).where(
                CertificateOffer.id == offer_id, CertificateOffer.merchant_id == merchant_id
            )
        )

    async def add(self, offer: CertificateOffer, routes: Sequence[dict[str, Any]]) -> int:
        self.s.add(offer)
        await self.s.flush()
        await self.add_routes(offer.id, routes)
        return offer.id

    async def add_routes(self, offer_id: int, routes: Sequence[dict[str, Any]]) -> None:
        """Insert routes (partner_merchant_id, hand_out, min_purchase_minor) in one statement."""
        if routes:
            await self.s.execute(insert(OfferRoute), [{"offer_id": offer_id, **r} for r in routes])

    async def drop_routes(self, offer_id: int, partner_ids: Sequence[int]) -> None:
        if partner_ids:
            await self.s.execute(
                delete(OfferRoute).where(
                    OfferRoute.offer_id == offer_id,
                    OfferRoute.partner_merchant_id.in_(partner_ids),
                )
            )

    async def archive(self, merchant_id: int, offer_id: int, now: datetime) -> bool:
        """Archive it now; False when it was archived already (a double press)."""
        changed = await self._changed(
            update(CertificateOffer)
            .where(
                CertificateOffer.id == offer_id,
                CertificateOffer.merchant_id == merchant_id,
                CertificateOffer.archived_at.is_(None),
            )
            .values(archived_at=now)
        )
        return changed == 1

    async def bump_programs(self, merchant_ids: Sequence[int]) -> None:
        """Raise the program version of each of these merchants in one statement (their
        copies hold the auto routes they hand out)."""
        if merchant_ids:
            await self.s.execute(
                update(Merchant)
                .where(Merchant.id.in_(sorted(set(merchant_ids))))
                .values(program_version=Merchant.program_version + 1)
                .execution_options(synchronize_session=False)
            )

    async def routes_for_partner(self, partner_merchant_id: int) -> Sequence[Any]:
        """What `partner_merchant_id` hands out now: rows (offer_id, merchant_id, hand_out,
        min_purchase_minor, value_minor, item, min_check_minor, valid_days, total_limit,
        per_customer_limit, issued_count) of the active offers of its active partnerships, in
        one statement."""
        o = CertificateOffer
        result = await self.s.execute(
            select(
                o.id.label("offer_id"),
                o.merchant_id,
                OfferRoute.hand_out,
                OfferRoute.min_purchase_minor,
                o.value_minor,
                o.item,
                o.min_check_minor,
                o.valid_days,
                o.total_limit,
                o.per_customer_limit,
                o.issued_count,
            )
            .join(OfferRoute, OfferRoute.offer_id == o.id)
            .join(Partnership, _active_pair(o.merchant_id, OfferRoute.partner_merchant_id))
            .where(
                OfferRoute.partner_merchant_id == partner_merchant_id,
                o.archived_at.is_(None),
            )
            .order_by(o.id)
        )
        return result.all()
