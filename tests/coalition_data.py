"""A small coalition for the report's tests (issue 16): Café main (EUR, the business read)
partners with Café bistro (PLN) and Café spa (EUR); bistro and spa hand out main's €10
certificate (and bistro a "Free coffee"), main hands out bistro's 20 zł one. Every figure
of /kpi coalition over 24 Oct - 22 Nov 2026 is counted by hand in `Scene`'s docstring.

Everything goes through the code that does it for real: redemptions at the till
(CertificateTillService.hand_over) or inside a sale (SaleCertificateService.use, then the
sale's confirm: the purchase keeps the check less the certificate's share), the expiry job,
gifts by GiftService's link, and the full refund that gives a certificate back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Certificate, CertificateStatus, HandOut
from services.coalition.gifts import GiftService
from services.coalition.issue import Issued
from services.coalition.redeem import CertificateTillService
from services.coalition.sale_certificates import SaleCertificateService
from services.dto import MerchantView
from services.jobs import JobService
from services.refunds import RefundService
from services.reports.periods import Period
from services.sales import SaleService
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.conftest import FakeClock
from tests.factories import buy, issue_code, make_member, make_merchant, make_staff

OWNER, ADMIN, CASHIER = 1, 51, 50
BISTRO_ADMIN, SPA_CASHIER = 61, 70
PERIOD = Period(date(2026, 10, 24), date(2026, 11, 22), "Europe/Warsaw")  # /kpi's 30 days


def day(month: int, d: int, hour: int = 12) -> datetime:
    return datetime(2026, month, d, hour, tzinfo=UTC)


@dataclass
class Scene:
    """For main, 24 Oct - 22 Nov: bistro handed out 5 (€40: four €10 and a free coffee),
    3 redeemed (€20: one in a sale, two on their own, the coffee among them), 1 expired,
    1 gifted on, 2 open at the end (one from before the period): €20 owed; new customers
    201 and 205 (201 bought twice since: €50 + €30). Spa handed out 2 (€20), both redeemed
    (one in a sale, refunded in full: given back), 1 open at the end (€10); new customer
    202. Main handed out 1 of bistro's (20 zł). Cost: €40 redeemed - €10 given back."""

    session: AsyncSession
    clock: FakeClock
    main: MerchantView
    bistro: MerchantView
    spa: MerchantView
    certificates: dict[str, Issued] = field(default_factory=dict)

    async def member(self, merchant: MerchantView, tg: int, when: datetime) -> None:
        self.clock.now = when
        await make_member(self.session, self.clock, merchant, tg)

    async def hand_out(
        self, name: str, offer: int, tg: int, partner: MerchantView, when: datetime
    ) -> Issued:
        self.clock.now = when
        issued = await make_certificate(self.session, self.clock, offer, tg, partner)
        self.certificates[name] = issued
        return issued

    async def redeem(self, name: str, when: datetime) -> None:
        """Handed over at main's till on its own (CertificateTillService.hand_over)."""
        self.clock.now = when
        certificate_id = self.certificates[name].id
        async with self.session.begin():
            row = await self.session.get(Certificate, certificate_id)
            assert row is not None and row.customer_id is not None
            holder = row.customer_id  # the one the cashier is shown
        await CertificateTillService(self.session, (), self.clock).hand_over(
            self.main.id, CASHIER, certificate_id, holder
        )

    async def redeem_in_sale(self, name: str, tg: int, check_minor: int, when: datetime) -> int:
        """A sale of `check_minor` at main the certificate pays part of, as the till makes it
        (the member's code, the draft, the preview's 🎟, Confirm); the purchase's id."""
        self.clock.now = when
        sales = SaleService(self.session, (), self.clock)
        code = await issue_code(self.session, self.clock, self.main, tg)
        draft = await sales.prepare(self.main.id, CASHIER, code, check_minor, 0, None)
        used = await SaleCertificateService(self.session, (), self.clock).use(
            self.main.id, CASHIER, draft.key, self.certificates[name].id
        )
        done = await sales.confirm(self.main.id, CASHIER, used.key)
        return int(done.purchase_id)

    async def sale(self, tg: int, amount_minor: int, when: datetime) -> int:
        self.clock.now = when
        result = await buy(self.session, self.clock, self.main, CASHIER, tg, amount_minor)
        return int(result.purchase_id)

    async def refund_in_full(self, name: str, purchase_id: int, when: datetime) -> None:
        """The sale refunded in full: the refund gives its certificate, still valid, back
        (open again, with its `refunded` entry: services/coalition/sale_share.py)."""
        self.clock.now = when
        await RefundService(self.session, (), self.clock).refund(
            self.main.id, CASHIER, purchase_id, None
        )
        async with self.session.begin():
            certificate = await self.session.get(Certificate, self.certificates[name].id)
            assert certificate is not None and certificate.status is CertificateStatus.OPEN

    async def expire(self, name: str, when: datetime) -> None:
        """The expiry job run at `when`: it closes `name` (and whatever else is due)."""
        self.clock.now = when
        await JobService(self.session, self.clock).expire_certificates()
        async with self.session.begin():
            certificate = await self.session.get(Certificate, self.certificates[name].id)
            assert certificate is not None and certificate.status is CertificateStatus.EXPIRED

    async def gift(self, name: str, giver: int, friend: int, when: datetime) -> None:
        """The holder shares the gift link, the friend takes it (GiftService)."""
        self.clock.now = when
        gifts = GiftService(self.session, (), self.clock)
        token = await gifts.share(giver, self.certificates[name].id)
        await gifts.take(friend, token)


async def build(session: AsyncSession, clock: FakeClock) -> Scene:
    clock.now = day(9, 1)
    main = await make_merchant(session, clock)
    bistro = await make_merchant(session, clock, "bistro", "PLN")
    spa = await make_merchant(session, clock, "spa")
    await make_staff(session, clock, main, ADMIN, role="admin", name="Ola")
    await make_staff(session, clock, main, CASHIER, role="staff", name="Kuba")
    await make_staff(session, clock, bistro, BISTRO_ADMIN, role="admin", name="Ewa")
    await make_staff(session, clock, spa, SPA_CASHIER, role="staff", name="Zoe")
    await make_partnership(session, clock, main, bistro)
    await make_partnership(session, clock, spa, main)
    s = Scene(session, clock, main, bistro, spa)
    ten = await make_offer(
        session,
        clock,
        main,
        value_minor=1000,
        routes={bistro.id: (HandOut.AUTO, 2000), spa.id: (HandOut.CASHIER, 0)},
    )
    short = await make_offer(
        session, clock, main, value_minor=1000, valid_days=1, routes={bistro.id: (HandOut.AUTO, 0)}
    )
    coffee = await make_offer(
        session,
        clock,
        main,
        value_minor=0,
        item="Free coffee",
        routes={bistro.id: (HandOut.CASHIER, 0)},
    )
    zloty = await make_offer(
        session, clock, bistro, value_minor=2000, routes={main.id: (HandOut.CASHIER, 0)}
    )
    for tg in (201, 204, 205, 206, 208):
        await s.member(bistro, tg, day(10, 1))
    for tg in (202, 207):
        await s.member(spa, tg, day(10, 1))
    await s.member(main, 203, day(10, 1))
    await s.hand_out("old", ten, 204, bistro, day(10, 10))  # before the period, still open
    for name, tg in (("c1", 201), ("c3", 203), ("c4", 204)):
        await s.hand_out(name, ten, tg, bistro, day(11, 2))
    await s.hand_out("coffee", coffee, 205, bistro, day(11, 2))
    await s.hand_out("short", short, 206, bistro, day(11, 2))
    await s.member(main, 201, day(11, 3))
    await s.redeem_in_sale("c1", 201, 3000, day(11, 3, 13))
    await s.expire("short", day(11, 3, 23))
    await s.redeem("c3", day(11, 5))
    await s.member(main, 205, day(11, 5))
    await s.redeem("coffee", day(11, 5, 13))
    await s.gift("c4", 204, 208, day(11, 6))
    await s.sale(201, 5000, day(11, 8))
    await s.sale(201, 3000, day(11, 10))
    await s.hand_out("c2", ten, 202, spa, day(11, 12))
    await s.hand_out("c8", ten, 207, spa, day(11, 12))
    await s.hand_out("zloty", zloty, 203, main, day(11, 17))  # main hands out bistro's
    await s.member(main, 202, day(11, 18))
    await s.redeem("c2", day(11, 18, 13))
    await s.member(main, 207, day(11, 19))
    sale = await s.redeem_in_sale("c8", 207, 4000, day(11, 19, 13))
    await s.refund_in_full("c8", sale, day(11, 20))
    clock.now = day(11, 22)
    return s
