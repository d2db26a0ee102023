"""Redeeming a certificate on its own at the till, as a use case (services/coalition/redeem.py):
the refusals in their order, wrong codes counted as wrong voucher codes are (a partner's code
not), exactly once under two cashiers at once, and the admins' flag at the third redemption
of a customer's day.

Runs on the suite's database: SQLite and, with TEST_DATABASE_URL, PostgreSQL (where the two
cashiers' transactions really overlap and the conditional update decides)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from db.models import (
    AuditLog,
    Certificate,
    CertificateEntry,
    CertificateStatus,
    HandOut,
    Membership,
    Outbox,
)
from services.coalition.redeem import (
    CertificateRedeemed,
    CertificateTillService,
    CertificateUnknown,
    TillRefused,
)
from services.errors import NotStaff, StaffPaused
from services.policy.certificates import FLAG_PER_DAY
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.factories import in_own_session, make_member, make_merchant, make_staff

CASHIERS = (900, 901)
PARTNER_CASHIER = 950
MEMBER = 7
OWNER = 1


async def scene(session, clock, **offer):
    """A car wash (accepting) with two cashiers, its partner café with one, member 7 of the
    wash holding an open certificate the café handed out: (wash, café, offer id, issued)."""
    wash = await make_merchant(session, clock)
    cafe = await make_merchant(session, clock, slug="cafe")
    for tg in CASHIERS:
        await make_staff(session, clock, wash, tg, name=f"C{tg}")
    await make_staff(session, clock, cafe, PARTNER_CASHIER, name="Zed")
    await make_partnership(session, clock, cafe, wash)
    await make_member(session, clock, wash, MEMBER)
    offer_id = await make_offer(
        session,
        clock,
        wash,
        routes={cafe.id: (HandOut.CASHIER, 0)},
        **({"value_minor": 1500, "min_check_minor": 3000} | offer),
    )
    issued = await make_certificate(session, clock, offer_id, MEMBER, cafe)
    return wash, cafe, offer_id, issued


def till(session, clock) -> CertificateTillService:
    return CertificateTillService(session, (OWNER,), clock)


async def test_find_and_hand_over_once(session, clock) -> None:
    wash, cafe, _offer, issued = await scene(session, clock)
    view = await till(session, clock).find(wash.id, 900, issued.code)
    assert (view.certificate_id, view.value_minor, view.min_check_minor) == (issued.id, 1500, 3000)
    assert (view.first_name, view.partner, view.item) == (f"User{MEMBER}", cafe.name, None)
    done = await till(session, clock).hand_over(wash.id, 900, issued.id, issued.grant.customer_id)
    assert isinstance(done, CertificateRedeemed) and not done.flagged
    clock.advance(minutes=1)
    with pytest.raises(TillRefused) as again:
        await till(session, clock).hand_over(wash.id, 901, issued.id, issued.grant.customer_id)
    assert again.value.reason == "just_redeemed" and again.value.at == done.redeemed_at
    async with session.begin():
        row = await session.get(Certificate, issued.id)
        assert row is not None
        assert (row.status, row.redeemed_by, row.purchase_id) == ("redeemed", 900, None)
        entries = (
            await session.execute(
                select(CertificateEntry.reason, CertificateEntry.delta).order_by(
                    CertificateEntry.id
                )
            )
        ).all()
        assert [tuple(e) for e in entries] == [("issued", 1), ("redeemed", -1)]
        acts = (await session.scalars(select(AuditLog.action))).all()
        assert acts.count("certificate_redeem") == 1
        kinds = (await session.scalars(select(Outbox.kind).where(Outbox.chat_id == MEMBER))).all()
        assert kinds == ["certificate_used"]
    clock.advance(days=1)
    with pytest.raises(TillRefused) as later:
        await till(session, clock).find(wash.id, 900, issued.code)
    assert later.value.reason == "redeemed"


async def test_two_cashiers_at_once(session_factory, session, clock) -> None:
    wash, _cafe, _offer, issued = await scene(session, clock)

    async def hand_over(cashier: int):
        def work(s):
            return CertificateTillService(s, (), clock).hand_over(
                wash.id, cashier, issued.id, issued.grant.customer_id
            )

        return await in_own_session(session_factory, work)

    results = await asyncio.gather(*(hand_over(c) for c in CASHIERS))
    assert sum(isinstance(r, CertificateRedeemed) for r in results) == 1
    [refused] = [r for r in results if not isinstance(r, CertificateRedeemed)]
    assert isinstance(refused, TillRefused) and refused.reason == "just_redeemed"
    assert refused.at == clock()
    async with session.begin():
        assert await session.scalar(select(Certificate.status)) == CertificateStatus.REDEEMED
        redeemed = await session.scalar(
            select(func.count())
            .select_from(CertificateEntry)
            .where(CertificateEntry.reason == "redeemed")
        )
        assert redeemed == 1
        acts = (await session.scalars(select(AuditLog.action))).all()
        assert acts.count("certificate_redeem") == 1
        assert len((await session.scalars(select(Outbox.id))).all()) == 1


async def refused(service, merchant_id: int, staff: int, code: str) -> str:
    with pytest.raises(TillRefused) as error:
        await service.find(merchant_id, staff, code)
    return error.value.reason


async def test_refusals(session, clock) -> None:
    wash, cafe, offer_id, issued = await scene(session, clock)
    service = till(session, clock)
    with pytest.raises(NotStaff):  # before anything about the certificate is read
        await service.find(wash.id, 555, issued.code)
    with pytest.raises(NotStaff):
        await service.hand_over(wash.id, 555, issued.id, issued.grant.customer_id)
    # The partner's cashier: whose it is, not counted as a wrong code.
    with pytest.raises(TillRefused) as elsewhere:
        await service.find(cafe.id, PARTNER_CASHIER, issued.code)
    assert (elsewhere.value.reason, elsewhere.value.place) == ("elsewhere", wash.name)
    with pytest.raises(TillRefused) as forged:  # a button naming another's certificate
        await service.hand_over(cafe.id, PARTNER_CASHIER, issued.id, issued.grant.customer_id)
    assert (forged.value.reason, forged.value.place) == ("elsewhere", None)
    # The holder's card here blocked.
    async with session.begin():
        await session.execute(update(Membership).values(blocked_at=clock()))
    assert await refused(service, wash.id, 900, issued.code) == "member_blocked"
    async with session.begin():
        await session.execute(update(Membership).values(blocked_at=None))
    # The cashier's own certificate.
    await make_member(session, clock, wash, 901)
    own = await make_certificate(session, clock, offer_id, 901, cafe)
    assert await refused(service, wash.id, 901, own.code) == "own"
    # A holder who has not joined the wash (only the café).
    await make_member(session, clock, cafe, 8)
    stranger = await make_certificate(session, clock, offer_id, 8, cafe)
    assert await refused(service, wash.id, 900, stranger.code) == "not_joined"
    # Cancelled, then expired.
    async with session.begin():
        await session.execute(
            update(Certificate)
            .where(Certificate.id == own.id)
            .values(status=CertificateStatus.CANCELLED)
        )
    assert await refused(service, wash.id, 900, own.code) == "cancelled"
    clock.advance(days=40)
    with pytest.raises(TillRefused) as expired:
        await service.find(wash.id, 900, issued.code)
    assert (expired.value.reason, expired.value.at) == ("expired", issued.expires_at)
    async with session.begin():
        assert await session.scalar(select(func.count()).select_from(AuditLog)) == 0
        assert set((await session.scalars(select(Certificate.status))).all()) == {
            "open",
            "cancelled",
        }


async def test_five_wrong_codes_pause_the_cashier(session, clock) -> None:
    wash, cafe, _offer, issued = await scene(session, clock)
    service = till(session, clock)
    for attempt in range(5):
        with pytest.raises(CertificateUnknown) as error:
            await service.find(wash.id, 900, f"987654321{attempt}")
        assert error.value.paused == (attempt == 4)
    with pytest.raises(StaffPaused):  # the real code too, now
        await service.find(wash.id, 900, issued.code)
    async with session.begin():
        rows = (await session.execute(select(AuditLog.action, AuditLog.details))).all()
        assert [tuple(r) for r in rows if r.action == "wrong_code"] == [
            ("wrong_code", "certificate")
        ] * 5
    # A partner's code typed five times is never a wrong code.
    for _ in range(5):
        assert await refused(service, cafe.id, PARTNER_CASHIER, issued.code) == "elsewhere"
    await service.check(cafe.id, PARTNER_CASHIER)  # not paused


async def test_flag_at_the_third_redemption_of_the_day(session, clock) -> None:
    """Redemptions count across businesses: one at the café, then three at the wash; the
    wash's admins are told once, at the third."""
    wash, cafe, offer_id, first = await scene(session, clock)
    await make_member(session, clock, cafe, MEMBER)
    at_cafe = await make_offer(session, clock, cafe, value_minor=500, routes={})
    cafe_cert = await make_certificate(session, clock, at_cafe, MEMBER, wash)
    await till(session, clock).hand_over(
        cafe.id, PARTNER_CASHIER, cafe_cert.id, cafe_cert.grant.customer_id
    )
    more = [await make_certificate(session, clock, offer_id, MEMBER, cafe) for _ in range(3)]
    flags = []
    for certificate in (first, *more):
        done = await till(session, clock).hand_over(
            wash.id, 900, certificate.id, certificate.grant.customer_id
        )
        flags.append(done.flagged)
    assert flags == [False, True, False, False]
    assert FLAG_PER_DAY == 3
    async with session.begin():
        rows = (
            await session.execute(
                select(Outbox.chat_id, Outbox.merchant_id).where(
                    Outbox.kind == "certificates_flag"
                )
            )
        ).all()
        assert [tuple(r) for r in rows] == [(OWNER, wash.id)]
