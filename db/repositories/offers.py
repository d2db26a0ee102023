"""Certificate offers (issue 16) as the issuing business manages them (/offers): its offers and
their routes (its current partners are PartnerRepo's; what a partner hands out now is
HandOutRepo's), and the routes between two merchants dropped when their partnership ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from db.models import CertificateOffer, Merchant, OfferRoute
from db.repositories.base import Repo


class OfferRepo(Repo):
    async def listing(
        self, merchant_id: int, archived: bool, offset: int = 0, limit: int | None = None
    ) -> Sequence[CertificateOffer]:
        """The merchant's active (or archived) offers, newest first; a page of them with
        `limit`."""
        done = CertificateOffer.archived_at.is_not(None)
        return await self._all(
            select(CertificateOffer)
            .where(CertificateOffer.merchant_id == merchant_id, done if archived else ~done)
            .order_by(CertificateOffer.id.desc())
            .offset(offset)
            .limit(limit)
        )

    async def counts(self, merchant_id: int) -> tuple[int, int]:
        """How many active and how many archived offers the merchant has, in one statement."""
        done = CertificateOffer.archived_at.is_not(None)
        row = (
            await self.s.execute(
                select(func.count().filter(~done), func.count().filter(done)).where(
                    CertificateOffer.merchant_id == merchant_id
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def same_press(
        self, merchant_id: int, actor: int, since: datetime
    ) -> Sequence[CertificateOffer]:
        """The active offers `actor` created at this merchant since `since`, newest first: a
        second press of Save finds the first's among them."""
        return await self._all(
            select(CertificateOffer)
            .where(
                CertificateOffer.merchant_id == merchant_id,
                CertificateOffer.created_by == actor,
                CertificateOffer.created_at >= since,
                CertificateOffer.archived_at.is_(None),
            )
            .order_by(CertificateOffer.id.desc())
        )

    async def lock_merchant(self, merchant_id: int) -> None:
        """The issuing merchant's row locked (PostgreSQL; SQLite holds its write lock): two
        saves of one form at once take turns."""
        await self._locked(select(Merchant).where(Merchant.id == merchant_id))

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

    async def set_terms(self, offer_id: int, values: dict[str, Any]) -> bool:
        """Write an edit's changed columns; False when the new total limit is under what was
        handed out by now (a hand-out raced the edit): nothing is written."""
        statement = update(CertificateOffer).where(CertificateOffer.id == offer_id)
        limit = values.get("total_limit")
        if limit is not None:
            statement = statement.where(CertificateOffer.issued_count <= limit)
        return await self._changed(statement.values(**values)) == 1

    async def issued(self, offer_id: int) -> int:
        return await self._int(
            select(CertificateOffer.issued_count).where(CertificateOffer.id == offer_id)
        )

    async def drop_routes_between(self, a: int, b: int) -> None:
        """Drop the routes between merchants `a` and `b`, both ways (their partnership ended:
        partnering again starts with no hand-out)."""
        offers = select(CertificateOffer.id)
        await self.s.execute(
            delete(OfferRoute).where(
                or_(
                    and_(
                        OfferRoute.partner_merchant_id == b,
                        OfferRoute.offer_id.in_(offers.where(CertificateOffer.merchant_id == a)),
                    ),
                    and_(
                        OfferRoute.partner_merchant_id == a,
                        OfferRoute.offer_id.in_(offers.where(CertificateOffer.merchant_id == b)),
                    ),
                )
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
