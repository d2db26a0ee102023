"""Certificates past their time (issue 16): closed in one conditional update, and the ones
about to run out, with what their holders' notices say of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from db.models import Certificate, CertificateStatus, Customer, Merchant
from db.repositories.base import Repo

# What a holder's notice needs of a certificate and of the business that accepts it.
_SAID = (
    Certificate.id,
    Certificate.merchant_id,
    Customer.telegram_id,
    Merchant.name,
    Merchant.currency,
    Merchant.timezone,
    Certificate.value_minor,
    Certificate.item,
    Certificate.issued_at,
    Certificate.expires_at,
)


class CertificateExpiryRepo(Repo):
    async def expire_due(self, now: datetime) -> list[Any]:
        """Every open certificate past expires_at becomes expired, in one UPDATE ...
        RETURNING (id, merchant_id, partner_merchant_id, customer_id, value_minor), by id.
        Run twice, the second finds none."""
        result = await self.s.execute(
            update(Certificate)
            .where(Certificate.status == CertificateStatus.OPEN, Certificate.expires_at <= now)
            .values(status=CertificateStatus.EXPIRED, closed_at=now)
            .returning(
                Certificate.id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.customer_id,
                Certificate.value_minor,
            )
            .execution_options(synchronize_session=False)
        )
        return sorted(result.all(), key=lambda row: row.id)

    async def told(self, certificate_ids: Sequence[int]) -> list[Any]:
        """What the holders of these certificates are told (the `_SAID` columns), for those
        that still have a holder; by accepting merchant, then id."""
        if not certificate_ids:
            return []
        return await self._said(Certificate.id.in_(certificate_ids))

    async def expiring(self, now: datetime, until: datetime) -> list[Any]:
        """Open certificates running out after `now` and by `until` that have a holder (the
        `_SAID` columns); by accepting merchant, then id."""
        return await self._said(
            Certificate.status == CertificateStatus.OPEN,
            Certificate.expires_at > now,
            Certificate.expires_at <= until,
        )

    async def _said(self, *where: Any) -> list[Any]:
        rows = await self.s.execute(
            select(*_SAID)
            .join(Customer, Customer.id == Certificate.customer_id)
            .join(Merchant, Merchant.id == Certificate.merchant_id)
            .where(*where)
            .order_by(Certificate.merchant_id, Certificate.id)
        )
        return list(rows.all())
