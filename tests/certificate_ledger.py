"""The oracle of the certificates' own ledger (issue 16), for every test that changes
certificates and for the property test: what the entries say must be what the certificates
are."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Certificate, CertificateEntry, CertificateReason, CertificateStatus


async def check_certificate_invariant(session: AsyncSession) -> None:
    """For every certificate: its entries' deltas sum to 1 if it is open, else 0; its
    `redeemed` entries less its `refunded` ones are at most 1, and 1 exactly when it is
    redeemed. For every business: the sum of delta * value over its entries is the value of
    its open certificates (and the sum of delta their number)."""
    e = CertificateEntry
    async with session.begin():
        entries = {
            int(cid): (int(delta), int(redeemed), int(refunded))
            for cid, delta, redeemed, refunded in await session.execute(
                select(
                    e.certificate_id,
                    func.sum(e.delta),
                    func.count().filter(e.reason == CertificateReason.REDEEMED),
                    func.count().filter(e.reason == CertificateReason.REFUNDED),
                ).group_by(e.certificate_id)
            )
        }
        owed = {
            int(m): (int(n), int(v))
            for m, n, v in await session.execute(
                select(
                    e.merchant_id, func.sum(e.delta), func.sum(e.delta * e.value_minor)
                ).group_by(e.merchant_id)
            )
        }
        certificates = (
            await session.execute(
                select(
                    Certificate.id,
                    Certificate.merchant_id,
                    Certificate.status,
                    Certificate.value_minor,
                )
            )
        ).all()
    open_of: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for cid, merchant_id, status, value in certificates:
        delta, redeemed, refunded = entries.get(cid, (0, 0, 0))
        is_open = status == CertificateStatus.OPEN
        assert delta == int(is_open), (cid, status, delta)
        used = redeemed - refunded
        assert 0 <= used <= 1, (cid, redeemed, refunded)
        assert (used == 1) == (status == CertificateStatus.REDEEMED), (cid, status, used)
        if is_open:
            open_of[merchant_id][0] += 1
            open_of[merchant_id][1] += value
    assert set(entries) <= {c[0] for c in certificates}, "entries of no certificate"
    for merchant_id in set(owed) | set(open_of):
        assert owed.get(merchant_id, (0, 0)) == tuple(open_of.get(merchant_id, (0, 0))), (
            merchant_id,
            owed.get(merchant_id),
            open_of.get(merchant_id),
        )
