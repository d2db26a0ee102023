"""A small coalition for the report's tests (issue 16): Café main (EUR, the business read)
partners with Café bistro (PLN) and Café spa (EUR); bistro and spa hand out main's €10
certificate (and bistro a "Free coffee"), main hands out bistro's 20 zł one. Every figure
of /kpi coalition over 24 Oct - 22 Nov 2026 is counted by hand in `Scene`'s docstring.

Redemptions and the refund go the way the till will make them: `CertificateRepo.redeem`
and an entry by `entry_row`, the sale's purchase by the real sale, the refund by the real
refund plus the certificate given back with its `refunded` entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Certificate, CertificateReason, CertificateStatus, HandOut, Purchase
from db.repositories.certificates import CertificateRepo
from services.coalition.issue import Issued, entry_row
from services.dto import MerchantView
from services.refunds import RefundService
from services.reports.periods import Period
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.conftest import FakeClock
from tests.factories import buy, make_member, make_merchant, make_staff

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

    async def redeem(self, name: str, when: datetime, purchase_id: int | None = None) -> None:
        self.clock.now = when
        certificate = self.certificates[name]
        async with self.session.begin():
            repo = CertificateRepo(self.session)
            row = await repo.redeem(certificate.id, self.main.id, when, CASHIER, purchase_id)
            assert row is not None
            await repo.add_entries(
                [
                    entry_row(
                        row,
                        CertificateReason.REDEEMED,
                        when,
                        customer_id=row.customer_id,
                        purchase_id=purchase_id,
                        staff_telegram_id=CASHIER,
                    )
                ]
            )
            if purchase_id is not None:
                await self.session.execute(
                    update(Purchase)
                    .where(Purchase.id == purchase_id)
                    .values(certificate_id=row.id, certificate_minor=row.value_minor)
                )

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
        await self.change(
            name, CertificateReason.EXPIRED, when, status=CertificateStatus.EXPIRED, closed_at=when
        )

    async def gift(self, name: str, friend_customer_id: int, when: datetime) -> None:
        await self.change(
            name, CertificateReason.GIFTED, when, customer_id=friend_customer_id, gifted_at=when
        )

    async def change(
        self,
        name: str,
        reason: CertificateReason,
        when: datetime,
        purchase_id: int | None = None,
        **values: object,
    ) -> None:
        """A certificate's columns changed as the feature doing `reason` will, with the
        entry it writes (by the cashier for a refund, by no one otherwise)."""
        async with self.session.begin():
            certificate = await self.session.get(Certificate, self.certificates[name].id)
            assert certificate is not None
            for column, value in values.items():
                setattr(certificate, column, value)
            if reason == CertificateReason.REFUNDED:
                certificate.purchase_id = None
            await CertificateRepo(self.session).add_entries(
                [
                    entry_row(
                        certificate,
                        reason,
                        when,
                        customer_id=certificate.customer_id,
                        purchase_id=purchase_id,
                        staff_telegram_id=CASHIER if purchase_id else None,
                    )
                ]
            )


async def build(session: AsyncSession, clock: FakeClock) -> Scene:
    from tests.coalition_factories import customer_id

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
    await s.redeem("c1", day(11, 3, 13), await s.sale(201, 3000, day(11, 3, 13)))
    await s.expire("short", day(11, 3, 23))
    await s.redeem("c3", day(11, 5))
    await s.member(main, 205, day(11, 5))
    await s.redeem("coffee", day(11, 5, 13))
    async with session.begin():
        friend = await customer_id(session, 208)
    await s.gift("c4", friend, day(11, 6))
    await s.sale(201, 5000, day(11, 8))
    await s.sale(201, 3000, day(11, 10))
    await s.hand_out("c2", ten, 202, spa, day(11, 12))
    await s.hand_out("c8", ten, 207, spa, day(11, 12))
    await s.hand_out("zloty", zloty, 203, main, day(11, 17))  # main hands out bistro's
    await s.member(main, 202, day(11, 18))
    await s.redeem("c2", day(11, 18, 13))
    await s.member(main, 207, day(11, 19))
    sale = await s.sale(207, 4000, day(11, 19, 13))
    await s.redeem("c8", day(11, 19, 13), sale)
    await s.refund_in_full("c8", sale, day(11, 20))
    clock.now = day(11, 22)
    return s
