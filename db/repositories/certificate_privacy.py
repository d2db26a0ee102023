"""A holder's certificates when they erase their data (issue 16): the open ones cancelled, and
their customer id cleared from the certificates and the certificates' ledger, each step one
statement for all of them. The certificates and their entries stay: they are the accepting
business's accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, true, update
from sqlalchemy.orm import aliased

from db.models import Certificate, CertificateEntry, CertificateStatus, Membership, Merchant
from db.repositories.base import Repo


def _for(merchant_id: int | None, column: Any) -> ColumnElement[bool]:
    return true() if merchant_id is None else column == merchant_id


class CertificatePrivacyRepo(Repo):
    async def held(self, customer_id: int) -> list[Any]:
        """The certificates the customer holds, for any business, oldest first: rows of
        (certificate, the accepting business, the business that handed it out)."""
        accepting, partner = aliased(Merchant), aliased(Merchant)
        rows = await self.s.execute(
            select(Certificate, accepting, partner.name)
            .join(accepting, accepting.id == Certificate.merchant_id)
            .join(partner, partner.id == Certificate.partner_merchant_id)
            .where(Certificate.customer_id == customer_id)
            .order_by(Certificate.issued_at, Certificate.id)
        )
        return list(rows.all())

    async def memberships_left(self, customer_id: int) -> int:
        """The memberships the customer still has (anywhere in the deployment)."""
        found = await self.s.scalar(
            select(func.count()).where(Membership.customer_id == customer_id)
        )
        return int(found or 0)

    async def cancel_open(
        self, customer_id: int, merchant_id: int | None, now: datetime
    ) -> list[Any]:
        """The customer's open certificates (for `merchant_id`, or everywhere when None)
        cancelled: their rows (id, merchant_id, partner_merchant_id, value_minor)."""
        result = await self.s.execute(
            update(Certificate)
            .where(
                Certificate.customer_id == customer_id,
                Certificate.status == CertificateStatus.OPEN,
                _for(merchant_id, Certificate.merchant_id),
            )
            .values(status=CertificateStatus.CANCELLED, closed_at=now, gift_token=None)
            .returning(
                Certificate.id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.value_minor,
            )
        )
        return list(result.all())

    async def forget_holder(self, customer_id: int, merchant_id: int | None) -> None:
        """The customer's id cleared from certificates they hold or were first handed, and
        from those certificates' ledger entries (for `merchant_id`, or everywhere)."""
        await self.s.execute(
            update(CertificateEntry)
            .where(
                CertificateEntry.customer_id == customer_id,
                _for(merchant_id, CertificateEntry.merchant_id),
            )
            .values(customer_id=None)
        )
        c = Certificate
        await self.s.execute(
            update(c)
            .where(
                or_(c.customer_id == customer_id, c.first_customer_id == customer_id),
                _for(merchant_id, c.merchant_id),
            )
            .values(
                customer_id=case((c.customer_id == customer_id, None), else_=c.customer_id),
                # a gift link they made dies with them: the friend reads "no longer valid"
                gift_token=case((c.customer_id == customer_id, None), else_=c.gift_token),
                first_customer_id=case(
                    (c.first_customer_id == customer_id, None), else_=c.first_customer_id
                ),
            )
            .execution_options(synchronize_session=False)
        )

    async def unlink_handed_out(self, customer_id: int, merchant_id: int) -> None:
        """The certificates `merchant_id` handed out to the customer (for other businesses)
        no longer point at the purchase there that earned them: that purchase is anonymised,
        and the source would tie it back to the person. They stay the person's and usable;
        their ledger entries name no purchase of `merchant_id` (the `issued` entry has none)."""
        await self.s.execute(
            update(Certificate)
            .where(
                Certificate.partner_merchant_id == merchant_id,
                Certificate.merchant_id != merchant_id,
                Certificate.first_customer_id == customer_id,
                Certificate.source_purchase_id.is_not(None),
            )
            .values(source_purchase_id=None)
            .execution_options(synchronize_session=False)
        )
