"""The oracle of the certificates' own ledger (issue 16), for every test that changes
certificates and for the property test: what the entries say must be what the certificates
are."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Certificate,
    CertificateEntry,
    CertificateOffer,
    CertificateReason,
    CertificateStatus,
)


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


async def check_certificate_counts(session: AsyncSession) -> None:
    """For every business: its `issued` entries are its certificates, and each way one ends
    is counted by its entries as by its status (redeemed net of refunds, expired, cancelled;
    the rest open), so issued = redeemed + expired + cancelled + open. An open certificate has
    a holder. For every offer: `issued_count` is its certificates less those a refund withdrew,
    within `total_limit`, and nobody holds more of it first handed to them, not cancelled,
    than `per_customer_limit`."""
    e, c, o = CertificateEntry, Certificate, CertificateOffer
    async with session.begin():
        by_reason: dict[tuple[int, str], int] = {
            (int(m), str(r)): int(n)
            for m, r, n in await session.execute(
                select(e.merchant_id, e.reason, func.count()).group_by(e.merchant_id, e.reason)
            )
        }
        by_status: dict[tuple[int, str], int] = {
            (int(m), str(st)): int(n)
            for m, st, n in await session.execute(
                select(c.merchant_id, c.status, func.count()).group_by(c.merchant_id, c.status)
            )
        }
        orphans = await session.scalar(
            select(func.count()).where(c.status == CertificateStatus.OPEN, c.customer_id.is_(None))
        )
        # A refund withdraws what its sale handed out: a `cancelled` entry naming the sale.
        # The offer counts it no more, and cancelled ones count towards nobody's cap.
        withdrawn = select(e.certificate_id).where(
            e.reason == CertificateReason.CANCELLED, e.purchase_id.is_not(None)
        )
        offers = (
            await session.execute(
                select(
                    o.id,
                    o.issued_count,
                    o.total_limit,
                    o.per_customer_limit,
                    select(func.count())
                    .where(c.offer_id == o.id, c.id.not_in(withdrawn))
                    .scalar_subquery()
                    .label("made"),
                )
            )
        ).all()
        most: dict[int, int] = defaultdict(int)  # offer -> most first handed to one person
        for offer_id, held in await session.execute(
            select(c.offer_id, func.count())
            .where(c.first_customer_id.is_not(None), c.status != CertificateStatus.CANCELLED)
            .group_by(c.offer_id, c.first_customer_id)
        ):
            most[int(offer_id)] = max(most[int(offer_id)], int(held))
    assert orphans == 0, "an open certificate nobody holds"
    R, S = CertificateReason, CertificateStatus
    for merchant_id in {m for m, _ in by_reason} | {m for m, _ in by_status}:
        entries = {r: by_reason.get((merchant_id, str(r)), 0) for r in R}
        statuses = {st: by_status.get((merchant_id, str(st)), 0) for st in S}
        seen = (merchant_id, entries, statuses)
        issued = entries[R.ISSUED]
        redeemed = entries[R.REDEEMED] - entries[R.REFUNDED]
        assert issued == sum(statuses.values()), seen
        assert issued == redeemed + entries[R.EXPIRED] + entries[R.CANCELLED] + statuses[S.OPEN]
        assert redeemed == statuses[S.REDEEMED], seen
        assert entries[R.EXPIRED] == statuses[S.EXPIRED], seen
        assert entries[R.CANCELLED] == statuses[S.CANCELLED], seen
    for offer_id, issued_count, total, per_customer, made in offers:
        assert issued_count == made, (offer_id, issued_count, made)
        assert total is None or made <= total, (offer_id, made, total)
        held = most[offer_id]
        assert per_customer is None or held <= per_customer, (offer_id, held, per_customer)
