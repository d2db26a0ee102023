"""What a refund does with the certificates its sale handed out at a partner (issue 16): a
full refund withdraws the ones still open and with the customer they were handed to (cancelled,
a `cancelled` entry each); one used or given to a friend since stays, and the refund says so.
A partial refund keeps them all and says nothing, as a friend's gift voucher (issue 15).

A full refund of a sale that handed out nothing pays one read; the withdrawal is one UPDATE ...
RETURNING and one INSERT of entries, whatever the number of certificates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CertificateReason, CertificateStatus
from db.repositories.certificates import CertificateRepo
from db.repositories.sale_certificates import SaleCertificateRepo
from services.coalition.issue import entry_row
from services.notices.sales import HandedBack


async def withdraw_handed_out(
    session: AsyncSession, purchase_id: int, fully: bool, staff_id: int, now: datetime
) -> tuple[HandedBack, ...]:
    """On a full refund of `purchase_id`: its handed-out certificates, each withdrawn or kept
    (by id); nothing on a partial refund."""
    if not fully:
        return ()
    repo = SaleCertificateRepo(session)
    rows = await repo.handed_out_by(purchase_id)
    withdrawn: set[int] = set()
    if any(row.status == CertificateStatus.OPEN for row in rows):
        cancelled = await repo.withdraw(purchase_id, now)
        entries = [
            entry_row(
                row,
                CertificateReason.CANCELLED,
                now,
                customer_id=row.customer_id,
                purchase_id=purchase_id,
                staff_telegram_id=staff_id,
            )
            for row in cancelled
        ]
        await CertificateRepo(session).add_entries(entries)
        withdrawn = {row.id for row in cancelled}
    return tuple(
        HandedBack(row.name, row.value_minor, row.currency, row.item, row.id in withdrawn)
        for row in rows
        if row.status in (CertificateStatus.OPEN, CertificateStatus.REDEEMED)
    )
