"""Certificates a partner hands out after a purchase there (issue 16): automatically, when the
purchase reaches a route's threshold (services/purchases.py calls `after_purchase` in the
purchase's transaction), or by the partner's cashier with a tap (services/coalition/giving.py).

Either way it is two steps, set-based: one conditional UPDATE takes the offers that may still
hand one out (db/repositories/hand_out.py `take`: route, partnership, archive, both caps), and
`services.coalition.issue.issue` writes the certificates with their `issued` entries. Each
certificate carries the purchase that earned it (`source_purchase_id`), and a unique index
keeps it to one of an offer per purchase, however often a confirmation or a tap comes again.
A merchant whose program holds no automatic route pays no statement on a purchase."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import HandOut
from db.repositories.certificates import CertificateRepo
from db.repositories.hand_out import HandOutRepo
from services.coalition.issue import Grant, Issued, issue
from services.coalition.routes import auto_due
from services.notices.certificates import GotCertificate
from services.program import Program
from services.rewards.issue import last_day


def got(certificate: Issued, merchant: str, currency: str) -> GotCertificate:
    """What the holder reads of a certificate just issued."""
    grant = certificate.grant
    return GotCertificate(
        merchant=merchant,
        value=grant.value_minor,
        currency=currency,
        item=grant.item,
        until=last_day(certificate.expires_at, grant.timezone).date(),
        timezone=grant.timezone,
    )


async def hand_out(
    session: AsyncSession,
    taken: Sequence[Any],
    partner_id: int,
    purchase_id: int,
    now: datetime,
    issued_by: int | None = None,
) -> list[tuple[Issued, GotCertificate]]:
    """Issue a certificate of each offer `taken` (HandOutRepo.take's rows) to its customer,
    for the purchase `purchase_id` at `partner_id`."""
    grants = [
        Grant(
            offer_id=row.id,
            merchant_id=row.merchant_id,
            partner_merchant_id=partner_id,
            customer_id=row.customer_id,
            value_minor=row.value_minor,
            item=row.item,
            min_check_minor=row.min_check_minor,
            valid_days=row.valid_days,
            timezone=row.timezone,
            source_purchase_id=purchase_id,
            issued_by=issued_by,
        )
        for row in taken
    ]
    issued = await issue(CertificateRepo(session), grants, now)
    return [(i, got(i, row.name, row.currency)) for i, row in zip(issued, taken, strict=True)]


async def after_purchase(
    session: AsyncSession,
    program: Program,
    membership_id: int,
    purchase_id: int,
    amount_minor: int,
    now: datetime,
) -> tuple[GotCertificate, ...]:
    """The certificates a purchase of `amount_minor` hands its buyer automatically: none
    and no statement when no automatic route's threshold is reached; else one UPDATE for
    the offers and `issue`'s three statements."""
    due = auto_due(program.routes, amount_minor)
    if not due:
        return ()
    taken = await HandOutRepo(session).take(
        due, program.id, HandOut.AUTO, membership_id, amount_minor
    )
    if not taken:
        return ()
    return tuple(g for _, g in await hand_out(session, taken, program.id, purchase_id, now))
