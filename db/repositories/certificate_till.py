"""Certificates at the accepting business's till (issue 16): one found by its code or id with
what the cashier sees and checks, whose a code typed here really is, and how many a customer
used today. Redeeming itself is CertificateRepo.redeem (db/repositories/certificates.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from db.models import Certificate, CertificateStatus, Customer, Membership, Merchant
from db.repositories.base import Repo

Partner = aliased(Merchant, name="partner")


class CertificateTillRepo(Repo):
    async def for_till(
        self, merchant_id: int, *, code: str | None = None, certificate_id: int | None = None
    ) -> Any:
        """A certificate this merchant accepts (by code or id) with the partner's name, its
        holder's Telegram id, first name and phone, who redeemed it, and the holder's
        membership here (None when they have not joined; blocked or erased as it stands).
        None: no such certificate of this merchant."""
        query = (
            select(
                Certificate.id,
                Certificate.code,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.customer_id,
                Certificate.value_minor,
                Certificate.item,
                Certificate.min_check_minor,
                Certificate.status,
                Certificate.expires_at,
                Certificate.redeemed_at,
                Certificate.redeemed_by,
                Certificate.closed_at,
                Partner.name.label("partner"),
                Customer.telegram_id,
                Customer.first_name,
                Customer.phone,
                Membership.id.label("membership_id"),
                Membership.blocked_at,
                Membership.deleted_at,
            )
            .join(Partner, Partner.id == Certificate.partner_merchant_id)
            .outerjoin(Customer, Customer.id == Certificate.customer_id)
            .outerjoin(
                Membership,
                and_(
                    Membership.customer_id == Certificate.customer_id,
                    Membership.merchant_id == Certificate.merchant_id,
                ),
            )
            .where(Certificate.merchant_id == merchant_id)
        )
        if code is not None:
            query = query.where(Certificate.code == code)
        if certificate_id is not None:
            query = query.where(Certificate.id == certificate_id)
        return (await self.s.execute(query)).first()

    async def accepted_by(self, code: str) -> str | None:
        """The name of the business that accepts the certificate with this code, if any
        (codes are deployment-wide, so one at most)."""
        return await self.s.scalar(
            select(Merchant.name)
            .join(Certificate, Certificate.merchant_id == Merchant.id)
            .where(Certificate.code == code)
        )

    async def redeemed_since(self, customer_id: int, since: datetime) -> int:
        """How many certificates the customer has had redeemed since `since`, anywhere."""
        return await self._int(
            select(func.count(Certificate.id)).where(
                Certificate.customer_id == customer_id,
                Certificate.status == CertificateStatus.REDEEMED,
                Certificate.redeemed_at >= since,
            )
        )
