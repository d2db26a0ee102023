"""A partner's certificate inside a sale (issue 16): the buyer's open certificates for the sale's
preview, one of them read for the draft, and a certificate given back by a full refund of the
sale it paid part of. Redemption itself is CertificateRepo.redeem; entries are appended there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from db.models import Certificate, CertificateOffer, CertificateStatus, Membership, Merchant
from db.repositories.base import Repo


def _holder(membership_id: int) -> Any:
    return select(Membership.customer_id).where(Membership.id == membership_id).scalar_subquery()


class SaleCertificateRepo(Repo):
    async def open_for_member(
        self, merchant_id: int, membership_id: int, now: datetime, limit: int
    ) -> Sequence[Any]:
        """The open, valid certificates for `merchant_id` held by the customer behind
        `membership_id`, soonest to expire first: a few."""
        result = await self.s.execute(
            select(
                Certificate.id,
                Certificate.value_minor,
                Certificate.item,
                Certificate.min_check_minor,
                Certificate.expires_at,
            )
            .where(
                Certificate.merchant_id == merchant_id,
                Certificate.customer_id == _holder(membership_id),
                Certificate.status == CertificateStatus.OPEN,
                Certificate.expires_at > now,
            )
            .order_by(Certificate.expires_at, Certificate.id)
            .limit(limit)
        )
        return result.all()

    async def held(self, certificate_id: int, merchant_id: int, membership_id: int) -> Any:
        """The certificate `certificate_id` for `merchant_id` when the customer behind
        `membership_id` holds it (any status), else None: another customer's is not read."""
        result = await self.s.execute(
            select(
                Certificate.id,
                Certificate.value_minor,
                Certificate.item,
                Certificate.min_check_minor,
                Certificate.status,
                Certificate.expires_at,
            ).where(
                Certificate.id == certificate_id,
                Certificate.merchant_id == merchant_id,
                Certificate.customer_id == _holder(membership_id),
            )
        )
        return result.one_or_none()

    async def of_purchase(self, certificate_id: int) -> Any:
        """A sale's certificate as a refund needs it."""
        result = await self.s.execute(
            select(
                Certificate.id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.customer_id,
                Certificate.value_minor,
                Certificate.item,
                Certificate.status,
                Certificate.expires_at,
                Certificate.purchase_id,
            ).where(Certificate.id == certificate_id)
        )
        return result.one_or_none()

    async def give_back(self, certificate_id: int, purchase_id: int, now: datetime) -> bool:
        """Redeemed in `purchase_id` and still valid -> open again, once; False otherwise."""
        result = await self.s.execute(
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.status == CertificateStatus.REDEEMED,
                Certificate.purchase_id == purchase_id,
                Certificate.expires_at > now,
                Certificate.customer_id.is_not(None),  # its holder erased their data: gone
            )
            .values(
                status=CertificateStatus.OPEN,
                redeemed_at=None,
                redeemed_by=None,
                purchase_id=None,
                gift_token=None,  # a link shared before it was used stays dead
            )
            .returning(Certificate.id)
        )
        return result.one_or_none() is not None

    async def handed_out_by(self, purchase_id: int) -> Sequence[Any]:
        """The certificates the sale `purchase_id` handed out (automatically or by a tap),
        with the accepting business's name and currency; by id."""
        result = await self.s.execute(
            select(
                Certificate.id,
                Certificate.status,
                Certificate.value_minor,
                Certificate.item,
                Merchant.name,
                Merchant.currency,
            )
            .join(Merchant, Merchant.id == Certificate.merchant_id)
            .where(Certificate.source_purchase_id == purchase_id)
            .order_by(Certificate.id)
        )
        return result.all()

    async def withdraw(self, purchase_id: int, now: datetime) -> Sequence[Any]:
        """The certificates the sale `purchase_id` handed out that are still open and with
        the customer they were handed to -> cancelled, in one statement; the rows withdrawn.
        One used, or given to a friend, since stays. Their offers count them no more (one
        statement more when any was withdrawn: a sale hands out one of an offer at most), so
        a sale refunded and rung up again hands the certificate out again."""
        result = await self.s.execute(
            update(Certificate)
            .where(
                Certificate.source_purchase_id == purchase_id,
                Certificate.status == CertificateStatus.OPEN,
                Certificate.gifted_at.is_(None),
                Certificate.customer_id == Certificate.first_customer_id,
            )
            .values(status=CertificateStatus.CANCELLED, closed_at=now, gift_token=None)
            .returning(
                Certificate.id,
                Certificate.offer_id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.customer_id,
                Certificate.value_minor,
            )
            .execution_options(synchronize_session=False)
        )
        withdrawn = result.all()
        if withdrawn:
            await self.s.execute(
                update(CertificateOffer)
                .where(CertificateOffer.id.in_({row.offer_id for row in withdrawn}))
                .values(issued_count=CertificateOffer.issued_count - 1)
                .execution_options(synchronize_session=False)
            )
        return withdrawn
