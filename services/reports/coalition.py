"""/kpi coalition: what the coalition brought a business in a period (KPI.md, "Coalition";
issue 16), read from the certificates' own ledger.

What each number means (the chat report's footer says the same in the reader's language):
- Handed out BY it: the certificates this business handed out as a partner in the period,
  for each business that accepts them: how many, their value in THAT business's currency
  (totals are grouped by currency), and, as a separate fact, how many it ever handed out
  were redeemed there in the period, and how many refunds there gave back in the period.
- Handed out FOR it: its own offers' certificates that its partners handed out in the
  period, for each partner: how many and their value (in its own currency).
- Redeemed: its certificates redeemed at its tills in the period (a `redeemed` entry), in a
  sale (paying part of a check) or on their own; refunded: given back by the full refund of
  the sale they paid part of. Expired, gifted on (handed to a friend), cancelled (the holder
  erased their data): in the period.
- Still open: its certificates open at the period's end, and what it still owes for them:
  the sum of delta x value of its certificate ledger before the end (a certificate past its
  last day counts until the expiry job closes it).
- New customers a partner brought: members here whose membership began after they received
  a certificate for this business (from that partner, or as a friend's gift of one), who
  redeemed it in the period; a member counts once, for the first such certificate. Their
  later purchases: purchases here in the 90 days after that redemption (KPI.md; they may
  run past the period's end) that count (confirmed, not wholly refunded), and their revenue
  (amount less refunds; the certificate's share is not revenue). An erased member no longer
  counts: the person is gone.
- Redemption rate: redeemed / (redeemed + expired), in the period; none when both are 0.
- What the certificates cost: the value of its certificates redeemed in the period and not
  given back by a refund since (up to the period's end), so never negative; what refunds
  gave back in the period (perhaps of earlier redemptions) is told apart. Named items (a
  free car wash) have no value and are listed by name and count instead.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from db.engine import reading
from services.dto import MerchantView
from services.reports.figures import Ratio
from services.reports.periods import DEFAULT_DAYS, Period
from services.reports.stats import StatsReports


@dataclass(frozen=True, slots=True)
class PartnerFigures:
    """A partner's certificates FOR this business, and the customers it brought."""

    partner: str  # its name; "" for all partners together
    issued: int = 0
    issued_minor: int = 0
    redeemed: int = 0
    redeemed_minor: int = 0
    in_sale: int = 0  # of those redeemed, paying part of a check
    expired: int = 0
    gifted: int = 0
    refunded: int = 0
    refunded_minor: int = 0
    cost_minor: int = 0  # redeemed in the period and not given back since
    cancelled: int = 0
    open: int = 0  # at the period's end
    open_minor: int = 0  # what the business still owes for them
    new_customers: int = 0
    purchases: int = 0  # the new customers' later purchases
    revenue: int = 0

    @property
    def on_its_own(self) -> int:
        return self.redeemed - self.in_sale

    @property
    def redemption_rate(self) -> Ratio:
        """Redeemed / (redeemed + expired) in the period (KPI.md)."""
        return Ratio(self.redeemed, self.redeemed + self.expired)


@dataclass(frozen=True, slots=True)
class HandedOut:
    """Certificates this business handed out for another one (values in ITS currency)."""

    merchant: str
    currency: str
    issued: int
    value_minor: int
    redeemed: int  # redeemed there in the period, whenever handed out
    refunded: int = 0  # given back there by refunds in the period


@dataclass(frozen=True, slots=True)
class CoalitionReport:
    merchant: MerchantView
    period: Period
    partners_now: int  # active partnerships
    partners: tuple[PartnerFigures, ...]  # for it, by partner, busiest first
    total: PartnerFigures  # every partner together
    handed_out: tuple[HandedOut, ...]  # by it, per accepting business
    items: tuple[tuple[str, int], ...]  # named items handed over: (name, count)

    @property
    def handed_by_currency(self) -> tuple[tuple[str, int, int], ...]:
        """(currency, certificates, their value) of those handed out by it."""
        sums: dict[str, tuple[int, int]] = {}
        for h in self.handed_out:
            n, v = sums.get(h.currency, (0, 0))
            sums[h.currency] = (n + h.issued, v + h.value_minor)
        return tuple((cur, n, v) for cur, (n, v) in sorted(sums.items()))

    @property
    def active(self) -> bool:
        """Whether there is anything to tell (a partner, or certificates either way)."""
        return bool(self.partners_now or self.partners or self.handed_out)


FIGURES = [f.name for f in fields(PartnerFigures) if f.name != "partner"]


def figures(partner: str, values: tuple[int, ...]) -> PartnerFigures:
    """A partner's figures from the query's columns, in the order of PartnerFigures."""
    return PartnerFigures(partner, **dict(zip(FIGURES, values, strict=True)))


def total(rows: tuple[PartnerFigures, ...]) -> PartnerFigures:
    return PartnerFigures("", **{name: sum(getattr(r, name) for r in rows) for name in FIGURES})


@dataclass(frozen=True, slots=True)
class DigestCoalition:
    """The week's coalition line: partners now, certificates handed out by the business,
    its certificates redeemed, and new customers its partners brought."""

    partners: int
    handed_out: int
    redeemed: int
    brought: int


class CoalitionReports(StatsReports):
    async def coalition(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> CoalitionReport:
        """/kpi coalition for the last `days` days (or first..last)."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            return await self.coalition_of(merchant, period)

    async def coalition_of(self, merchant: MerchantView, period: Period) -> CoalitionReport:
        """The report for a period (no access check: callers do it)."""
        r, start, end = self.repo, period.start, period.end
        # A partner whose certificates were all settled before the period has nothing to say.
        ledger = {
            row[0]: row[1:]
            for row in await r.for_partners(merchant.id, start, end)
            if any(row[1:])
        }
        brought = {row[0]: row[1:] for row in await r.brought(merchant.id, start, end)}
        handed = await r.by_partner(merchant.id, start, end)
        names = await r.merchants_named(sorted({*ledger, *brought, *(h[0] for h in handed)}))
        partners = tuple(
            sorted(
                (
                    figures(
                        names.get(pid, ("", ""))[0],
                        (*ledger.get(pid, (0,) * 13), *brought.get(pid, (0, 0, 0))),
                    )
                    for pid in {*ledger, *brought}
                ),
                key=lambda p: (-p.issued, -p.redeemed, p.partner),
            )
        )
        return CoalitionReport(
            merchant=merchant,
            period=period,
            partners_now=len(await r.partner_ids(merchant.id)),
            partners=partners,
            total=total(partners),
            handed_out=tuple(
                sorted(
                    (HandedOut(*names.get(m, ("", "")), *row) for m, *row in handed),
                    key=lambda h: (-h.issued, h.merchant),
                )
            ),
            items=tuple(await r.items_handed(merchant.id, start, end)),
        )

    async def digest_coalition(self, merchant_id: int, period: Period) -> DigestCoalition:
        """The weekly digest's coalition figures (no access check)."""
        r, start, end = self.repo, period.start, period.end
        partners = len(await r.partner_ids(merchant_id))
        handed = await r.by_partner(merchant_id, start, end)
        ledger = await r.for_partners(merchant_id, start, end)
        brought = await r.brought(merchant_id, start, end)
        return DigestCoalition(
            partners=partners,
            handed_out=sum(row[1] for row in handed),
            redeemed=sum(row[3] for row in ledger),
            brought=sum(row[1] for row in brought),
        )
