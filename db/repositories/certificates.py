"""Certificates (issue 16): issued in one statement for a set of customers, their ledger
entries appended in one statement, and redeemed once by a conditional update. The features
around them (offers, the wallet, the till, the reports) add their own queries in their own
repositories; what every one of them writes goes through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from db.models import Certificate, CertificateEntry, CertificateStatus
from db.repositories.base import Repo


class CertificateRepo(Repo):
    async def codes_taken(self, codes: Sequence[str]) -> set[str]:
        """Which of `codes` a certificate already holds (codes are deployment-wide)."""
        taken = await self._all(select(Certificate.code).where(Certificate.code.in_(codes)))
        return set(taken)

    async def issue(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert certificates (dicts of Certificate's columns, codes distinct) in one
        statement; their ids, in the order given (matched by code, as VoucherRepo.issue)."""
        if not rows:
            return []
        statement = insert(Certificate).returning(Certificate.id, Certificate.code)
        result = await self.s.execute(statement, list(rows))
        ids = {str(code): int(certificate_id) for certificate_id, code in result}
        return [ids[row["code"]] for row in rows]

    async def add_entries(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append ledger entries (dicts of CertificateEntry's columns) in one statement."""
        if rows:
            await self.s.execute(insert(CertificateEntry), list(rows))

    async def redeem(
        self,
        certificate_id: int,
        merchant_id: int,
        now: datetime,
        staff_id: int,
        purchase_id: int | None = None,
        *,
        customer_id: int | None = None,
    ) -> Any:
        """Open and still valid (and, with `customer_id`, still that customer's) -> redeemed,
        once: the certificate's row as redeemed, or None when it was not open (a second press,
        a second cashier, expired meanwhile) or was given to someone else since."""
        held = () if customer_id is None else (Certificate.customer_id == customer_id,)
        result = await self.s.execute(
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.merchant_id == merchant_id,
                Certificate.status == CertificateStatus.OPEN,
                Certificate.expires_at > now,
                *held,
            )
            .values(
                status=CertificateStatus.REDEEMED,
                redeemed_at=now,
                redeemed_by=staff_id,
                purchase_id=purchase_id,
            )
            .returning(
                Certificate.id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.customer_id,
                Certificate.value_minor,
                Certificate.item,
            )
        )
        return result.one_or_none()
