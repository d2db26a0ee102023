"""Reports on the coalition (issue 16): what a business's certificates did in a period, read
from their own ledger (`certificate_entry`), and the customers its partners brought. One
statement a figure group, grouped in SQL by partner, never a statement per partner.

A certificate's entries carry the business that accepts it (`merchant_id`) and the partner
that handed it out (`partner_merchant_id`), so "for it" and "by it" are one grouped scan each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from db.models import (
    Certificate,
    CertificateEntry,
    CertificateReason,
    CertificateStatus,
    Membership,
    Merchant,
    Partnership,
    Purchase,
)
from db.reports.base import ReportQueries, as_int, counted, net_revenue, tally, within

E = CertificateEntry
R = CertificateReason
AFTER = timedelta(days=90)  # KPI.md: new customers' purchases in the 90 days after first use


def _value(condition: Any) -> Any:
    return func.sum(E.value_minor).filter(condition)


class CoalitionQueries(ReportQueries):
    async def for_partners(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, ...]]:
        """The certificates FOR the merchant (it accepts them), per partner that handed them
        out: (partner, issued, issued value, redeemed, redeemed value, redeemed in a sale,
        expired, gifted, refunded, refunded value, cost, cancelled — in the period — then
        open at its end and their value: the ledger's sums of delta and delta * value before
        it). The cost is the value of those redeemed in the period and not given back by a
        refund since (up to the period's end), so never below nothing."""
        period = within(E.created_at, start, end)
        back = aliased(CertificateEntry)
        given_back = exists().where(
            back.certificate_id == E.certificate_id,
            back.reason == R.REFUNDED,
            back.created_at > E.created_at,
            back.created_at < end,
        )

        def of(reason: R) -> Any:
            return and_(period, E.reason == reason)

        query = (
            select(
                E.partner_merchant_id,
                tally(of(R.ISSUED)),
                _value(of(R.ISSUED)),
                tally(of(R.REDEEMED)),
                _value(of(R.REDEEMED)),
                tally(and_(of(R.REDEEMED), E.purchase_id.is_not(None))),
                tally(of(R.EXPIRED)),
                tally(of(R.GIFTED)),
                tally(of(R.REFUNDED)),
                _value(of(R.REFUNDED)),
                _value(and_(of(R.REDEEMED), ~given_back)),
                tally(of(R.CANCELLED)),
                func.sum(E.delta),
                func.sum(E.delta * E.value_minor),
            )
            .where(E.merchant_id == merchant_id, E.created_at < end)
            .group_by(E.partner_merchant_id)
        )
        rows = await self.s.execute(query)
        return [tuple(as_int(v) for v in row) for row in rows.all()]

    async def by_partner(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, int, int, int, int]]:
        """The certificates the merchant handed out as a partner, per business that accepts
        them: (that business, issued in the period, their value in its currency, redeemed
        there in the period, given back there by refunds in the period) — whenever handed
        out."""
        period = within(E.created_at, start, end)
        query = (
            select(
                E.merchant_id,
                tally(E.reason == R.ISSUED),
                _value(E.reason == R.ISSUED),
                tally(E.reason == R.REDEEMED),
                tally(E.reason == R.REFUNDED),
            )
            .where(
                E.partner_merchant_id == merchant_id,
                E.merchant_id != merchant_id,
                E.reason.in_((R.ISSUED, R.REDEEMED, R.REFUNDED)),
                period,
            )
            .group_by(E.merchant_id)
        )
        rows = await self.s.execute(query)
        return [tuple(as_int(v) for v in row) for row in rows.all()]  # type: ignore[misc]

    async def merchants_named(self, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Merchant id -> (name, currency)."""
        if not ids:
            return {}
        rows = await self.s.execute(
            select(Merchant.id, Merchant.name, Merchant.currency).where(Merchant.id.in_(ids))
        )
        return {int(i): (str(name), str(cur)) for i, name, cur in rows.all()}

    async def partner_ids(self, merchant_id: int) -> list[int]:
        """The merchants partnered with this one now."""
        other = case(
            (Partnership.low_merchant_id == merchant_id, Partnership.high_merchant_id),
            else_=Partnership.low_merchant_id,
        )
        rows = await self.s.scalars(
            select(other).where(
                or_(
                    Partnership.low_merchant_id == merchant_id,
                    Partnership.high_merchant_id == merchant_id,
                ),
                Partnership.ended_at.is_(None),
            )
        )
        return [int(i) for i in rows.all()]

    async def brought(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, int, int, int]]:
        """New customers each partner brought: members here whose membership began after
        they received a certificate for this business, and who redeemed it in the period
        (the first such certificate each: one partner per customer). Per partner: (partner,
        customers, their counted purchases here in the 90 days after that redemption — the
        sale it paid part of aside — and the revenue of those). Two statements: the few new
        customers, then their purchases bounded by the earliest and latest window; each
        customer's own window is applied here (portable: no date arithmetic in SQL)."""
        c, earlier = Certificate, aliased(Certificate)
        m, p = Membership, Purchase

        def joined_with(cert: Any) -> Any:
            return and_(
                cert.merchant_id == merchant_id,
                cert.status == CertificateStatus.REDEEMED,
                m.joined_at >= func.coalesce(cert.gifted_at, cert.issued_at),
            )

        first = ~exists().where(
            earlier.customer_id == c.customer_id,
            joined_with(earlier),
            or_(
                earlier.redeemed_at < c.redeemed_at,
                and_(earlier.redeemed_at == c.redeemed_at, earlier.id < c.id),
            ),
        )
        found = await self.s.execute(
            select(c.partner_merchant_id, m.id, c.redeemed_at, c.purchase_id)
            .select_from(c)
            .join(m, and_(m.customer_id == c.customer_id, m.merchant_id == merchant_id))
            .where(joined_with(c), within(c.redeemed_at, start, end), first)
        )
        # (partner, membership, first use, the sale it paid part of): redeemed_at is set
        customers: list[tuple[int, int, datetime, int | None]] = [
            (int(partner), int(member), used, paid_with)
            for partner, member, used, paid_with in found.all()
            if used is not None
        ]
        if not customers:
            return []
        bought = await self.s.execute(
            select(p.membership_id, p.id, p.confirmed_at, net_revenue(p)).where(
                p.merchant_id == merchant_id,
                p.membership_id.in_(sorted({row[1] for row in customers})),
                p.confirmed_at > min(row[2] for row in customers),
                p.confirmed_at <= max(row[2] for row in customers) + AFTER,
                counted(p),
            )
        )
        purchases: dict[int, list[tuple[int, datetime, int]]] = defaultdict(list)
        for member, pid, at, revenue in bought.all():
            if at is not None:
                purchases[int(member)].append((int(pid), at, as_int(revenue)))
        sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for partner, member, used, paid_with in customers:
            line = sums[partner]
            line[0] += 1
            for pid, at, revenue in purchases[member]:
                if used < at <= used + AFTER and pid != paid_with:
                    line[1] += 1
                    line[2] += revenue
        return [
            (partner, n, bought_n, revenue) for partner, (n, bought_n, revenue) in sums.items()
        ]

    async def items_handed(
        self, merchant_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int]]:
        """The named items its certificates paid for in the period, net of refunds: (item,
        how many), most first."""
        net = func.sum(case((E.reason == R.REDEEMED, 1), else_=-1)).label("n")
        rows = await self.s.execute(
            select(Certificate.item, net)
            .select_from(E)
            .join(Certificate, Certificate.id == E.certificate_id)
            .where(
                E.merchant_id == merchant_id,
                E.reason.in_((R.REDEEMED, R.REFUNDED)),
                within(E.created_at, start, end),
                Certificate.item.is_not(None),
            )
            .group_by(Certificate.item)
            .order_by(net.desc(), Certificate.item)
        )
        return [(str(item), int(n)) for item, n in rows.all() if n]
