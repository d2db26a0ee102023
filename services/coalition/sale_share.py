"""A partner's certificate paying part of a check at the business that accepts it (issue 16),
as the till's steps need it: the buyer's certificates offered on a sale's preview, the one a
draft uses, its redemption when the sale is confirmed, and what a refund of that sale does with
it. The draft stores the check less the certificate's share as `purchase.amount_minor`, the
share as `certificate_minor` (services/policy/certificates.py `check_share`).

Nothing here costs a sale without a certificate a statement: the preview reads the buyer's
certificates only when the till's lookup counted some, and the confirmation and the refund act
only when the purchase names one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CertificateReason, CertificateStatus
from db.repositories.certificates import CertificateRepo
from db.repositories.sale_certificates import SaleCertificateRepo
from services.coalition.issue import entry_row
from services.coalition.redeem import flag_many
from services.errors import InvalidAmount, SaleRefused
from services.notices import Notice, Receipt
from services.program import Program

CHOICES_IN_SALE = 3  # certificate buttons on one preview


@dataclass(frozen=True, slots=True)
class SaleCertificate:
    """The certificate a sale's draft uses: what it pays of the check (0 for a named item,
    which is handed over with the sale)."""

    id: int
    share_minor: int
    item: str | None = None


@dataclass(frozen=True, slots=True)
class CertificateChoice:
    """A certificate the buyer could use in this sale: a 🎟 button of the preview."""

    id: int
    value_minor: int
    item: str | None


class CertificateFate(StrEnum):
    """What a refund did with the certificate that paid part of the sale."""

    RETURNED = "returned"  # a full refund: open again in the holder's wallet
    KEPT = "kept"  # a partial refund: it stays used
    EXPIRED = "expired"  # a full refund, but it had expired: it stays used
    LEFT = "left"  # a full refund, but its holder erased their data: nobody to give it to


@dataclass(frozen=True, slots=True)
class CertificateBack:
    value_minor: int
    item: str | None
    fate: CertificateFate


class RefundOverCertificate(InvalidAmount):
    """refund_too_large on a sale a certificate paid part of: the certificate's share is not
    money to hand back, so the refund says it and what at most can be refunded."""

    def __init__(self, certificate_minor: int, left_minor: int, currency: str) -> None:
        super().__init__("refund_too_large")
        self.certificate_minor = certificate_minor
        self.left_minor = left_minor
        self.currency = currency


def too_large(error: InvalidAmount, purchase: Any, left: int, currency: str) -> InvalidAmount:
    """`error`, or, when it is refund_too_large on a sale a certificate paid part of in money,
    the same saying so."""
    if error.reason != "refund_too_large" or not purchase.certificate_minor:
        return error
    return RefundOverCertificate(purchase.certificate_minor, left, currency)


def drafted(row: Any) -> SaleCertificate | None:
    """The certificate an open draft uses, from the till's lookup row (draft columns)."""
    certificate_id = getattr(row, "draft_certificate_id", None)
    if certificate_id is None:
        return None
    return SaleCertificate(
        certificate_id, int(row.draft_certificate_minor or 0), row.draft_certificate_item
    )


async def choices(
    session: AsyncSession, merchant_id: int, membership_id: int, now: datetime
) -> tuple[CertificateChoice, ...]:
    """The buyer's open certificates here, soonest to expire first: one read."""
    rows = await SaleCertificateRepo(session).open_for_member(
        merchant_id, membership_id, now, CHOICES_IN_SALE
    )
    return tuple(CertificateChoice(r.id, r.value_minor, r.item) for r in rows)


async def redeem_in_sale(
    session: AsyncSession,
    owner_ids: frozenset[int] | Sequence[int],
    program: Program,
    sale: Any,
    buyer: Any,
    staff_id: int,
    now: datetime,
) -> Any:
    """Redeem the certificate the confirmed draft `sale` names, with its `redeemed` entry, and
    count the buyer's redemptions of the day for the admins' flag (services/coalition/
    redeem.py `flag_many`): three statements, a few more on the day the flag goes up. The buyer
    (`buyer`: the family's row at depth 0) must still hold it: used, expired or given away
    since the preview, the whole sale is refused (SaleRefused certificate_used or
    certificate_expired) and the caller's transaction undone."""
    repo = CertificateRepo(session)
    row = await repo.redeem(
        sale.certificate_id, program.id, now, staff_id, purchase_id=sale.purchase_id
    )
    customer_id = buyer.customer_id
    if row is None or customer_id is None or row.customer_id != customer_id:
        gone = await SaleCertificateRepo(session).of_purchase(sale.certificate_id)
        expired = gone is not None and (
            gone.status == CertificateStatus.EXPIRED or gone.expires_at <= now
        )
        raise SaleRefused("certificate_expired" if expired else "certificate_used")
    entry = entry_row(
        row,
        CertificateReason.REDEEMED,
        now,
        customer_id=row.customer_id,
        purchase_id=sale.purchase_id,
        staff_telegram_id=staff_id,
    )
    await repo.add_entries([entry])
    await flag_many(session, owner_ids, program, customer_id, buyer.first_name, now)
    return row


def with_certificate(
    notices: Sequence[Notice], share_minor: int, item: str | None
) -> list[Notice]:
    """The buyer's receipt among `notices`, saying what the certificate paid."""
    return [
        replace(n, body=replace(n.body, certificate_minor=share_minor, certificate_item=item))
        if isinstance(n.body, Receipt)
        else n
        for n in notices
    ]


async def refund_certificate(
    session: AsyncSession, purchase: Any, fully: bool, staff_id: int, now: datetime
) -> CertificateBack | None:
    """What a refund of `purchase` does with the certificate that paid part of it: a refund
    that leaves nothing of the sale gives it back to its holder (open again, a `refunded`
    entry) while it is still valid; otherwise it stays used. None: the sale used none."""
    if purchase.certificate_id is None:
        return None
    repo = SaleCertificateRepo(session)
    row = await repo.of_purchase(purchase.certificate_id)
    if row is None:
        return None
    fate = CertificateFate.KEPT
    if fully:
        if await repo.give_back(row.id, purchase.id, now):
            entry = entry_row(
                row,
                CertificateReason.REFUNDED,
                now,
                customer_id=row.customer_id,
                purchase_id=purchase.id,
                staff_telegram_id=staff_id,
            )
            await CertificateRepo(session).add_entries([entry])
            fate = CertificateFate.RETURNED
        elif row.customer_id is None:
            fate = CertificateFate.LEFT
        elif row.expires_at <= now:
            fate = CertificateFate.EXPIRED
    return CertificateBack(row.value_minor, row.item, fate)


def certificate_told(back: CertificateBack | None) -> dict[str, Any]:
    """The refund notice's fields for the certificate, when the sale used one."""
    if back is None:
        return {}
    return {
        "certificate_fate": back.fate.value,
        "certificate_minor": back.value_minor,
        "certificate_item": back.item,
    }
