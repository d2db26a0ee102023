"""Erasure and certificates (issue 16): a member who erases their data at one business loses
their certificates for it (the open ones cancelled) and is cleared from those certificates
and their ledger, while the business's totals stay; one who leaves their last program goes
from every certificate. The ledger's invariant holds throughout."""

from __future__ import annotations

import pytest
from sqlalchemy import or_, select

from db.models import Certificate, CertificateEntry, CertificateReason, Customer
from services.members import MemberService
from services.reports import ReportService
from tests.certificate_ledger import check_certificate_invariant
from tests.coalition_data import PERIOD, Scene, build, day
from tests.coalition_factories import customer_id, make_offer
from tests.test_privacy import downloaded


@pytest.fixture
async def scene(session, clock) -> Scene:
    return await build(session, clock)


async def _customer(session, telegram_id: int) -> int:
    async with session.begin():
        return await customer_id(session, telegram_id)


async def _mentions(db, customer: int) -> tuple[list[Certificate], list[CertificateEntry]]:
    certificates = await db.all(
        select(Certificate).where(
            or_(Certificate.customer_id == customer, Certificate.first_customer_id == customer)
        )
    )
    entries = await db.all(
        select(CertificateEntry).where(CertificateEntry.customer_id == customer)
    )
    return certificates, entries


async def test_erasure_at_one_business(scene: Scene, session, clock, db) -> None:
    """201 leaves main but stays a member of bistro: main's certificates forget them (the
    open one cancelled), bistro's certificate they hold stays theirs."""
    ten = await make_offer(session, clock, scene.main, value_minor=1000)
    zloty = await make_offer(session, clock, scene.bistro, value_minor=2000)
    mine = await scene.hand_out("c9", ten, 201, scene.bistro, day(11, 21))
    theirs = await scene.hand_out("z2", zloty, 201, scene.main, day(11, 21))
    clock.now = day(11, 22)
    person = await _customer(session, 201)
    async with session.begin():
        before = await ReportService(session).coalition_of(scene.main, PERIOD)

    await MemberService(session, clock).erase(scene.main.id, 201)

    cancelled = await db.scalar(select(Certificate).where(Certificate.id == mine.id))
    assert (cancelled.status, cancelled.closed_at) == ("cancelled", clock.now)
    assert (cancelled.customer_id, cancelled.first_customer_id) == (None, None)
    (entry,) = await db.all(
        select(CertificateEntry).where(CertificateEntry.reason == CertificateReason.CANCELLED)
    )
    assert (entry.certificate_id, entry.delta, entry.customer_id) == (mine.id, -1, None)
    kept, kept_entries = await _mentions(db, person)
    assert [c.id for c in kept] == [theirs.id] and kept[0].status == "open"
    assert {e.certificate_id for e in kept_entries} == {theirs.id}
    # main's entries of 201's certificates are all still there, with no one in them.
    redeemed = scene.certificates["c1"].id
    entries = await db.all(
        select(CertificateEntry).where(CertificateEntry.certificate_id == redeemed)
    )
    assert [e.reason for e in entries] == ["issued", "redeemed"]
    assert all(e.customer_id is None for e in entries)
    await check_certificate_invariant(session)

    async with session.begin():
        after = await ReportService(session).coalition_of(scene.main, PERIOD)
    assert after.total.issued == before.total.issued  # c9 was issued the 21st: in both
    assert after.total.redeemed == before.total.redeemed
    assert (after.total.cancelled, after.total.open) == (1, before.total.open - 1)
    assert after.total.open_minor == before.total.open_minor - 1000
    # The person is gone: bistro no longer counts 201 among the customers it brought.
    assert after.partners[0].new_customers == before.partners[0].new_customers - 1


async def test_erasure_of_a_last_membership(scene: Scene, session, clock, db) -> None:
    """204 belonged to bistro only: erasing there removes them from every certificate; the
    one they held for main is cancelled, the one they gave 208 stays 208's."""
    person = await _customer(session, 204)
    friend = await _customer(session, 208)

    await MemberService(session, clock).erase(scene.bistro.id, 204)

    assert await db.scalar(select(Customer).where(Customer.id == person)) is None
    old = await db.scalar(
        select(Certificate).where(Certificate.id == scene.certificates["old"].id)
    )
    assert (old.status, old.customer_id, old.first_customer_id) == ("cancelled", None, None)
    gift = await db.scalar(
        select(Certificate).where(Certificate.id == scene.certificates["c4"].id)
    )
    assert (gift.status, gift.customer_id, gift.first_customer_id) == ("open", friend, None)
    assert await _mentions(db, person) == ([], [])
    gifted = await db.scalar(
        select(CertificateEntry).where(CertificateEntry.reason == CertificateReason.GIFTED)
    )
    assert gifted.customer_id == friend
    await check_certificate_invariant(session)


async def test_erasure_without_certificates_changes_none(scene: Scene, session, clock, db) -> None:
    entries = await db.count(CertificateEntry)
    await MemberService(session, clock).erase(scene.spa.id, 207)  # c8: for main, 207 stays
    assert await db.count(CertificateEntry) == entries
    c8 = await db.scalar(select(Certificate).where(Certificate.id == scene.certificates["c8"].id))
    assert c8.status == "open" and c8.customer_id is not None  # still a member of main
    await check_certificate_invariant(session)


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "redeemed"},  # redeemed with no `redeemed` entry, and its +1 still open
        {"status": "expired"},  # closed without its entry
        {"value_minor": 999},  # the open value no longer what the ledger owes
    ],
)
async def test_the_oracle_sees_a_broken_ledger(scene: Scene, session, broken) -> None:
    """The invariant's check fails when a certificate changes without its entry."""
    async with session.begin():
        certificate = await session.get(Certificate, scene.certificates["c4"].id)
        assert certificate is not None
        for column, value in broken.items():
            setattr(certificate, column, value)
    with pytest.raises(AssertionError):
        await check_certificate_invariant(session)


async def test_erasure_unlinks_what_the_business_handed_out(
    scene: Scene, session, clock, db
) -> None:
    """201 erases at main: the certificate for bistro that main handed out for 201's
    purchase there no longer points at that (anonymised) purchase, yet stays 201's and open;
    the gift link 201 made for main's certificate dies with it."""
    ten = await make_offer(session, clock, scene.main, value_minor=1000)
    zloty = await make_offer(session, clock, scene.bistro, value_minor=2000)
    mine = await scene.hand_out("c9", ten, 201, scene.bistro, day(11, 21))
    theirs = await scene.hand_out("z2", zloty, 201, scene.main, day(11, 21))
    source = await scene.sale(201, 2500, day(11, 21, 14))
    async with session.begin():
        (await session.get(Certificate, theirs.id)).source_purchase_id = source
        (await session.get(Certificate, mine.id)).gift_token = "g" * 16
        (await session.get(Certificate, theirs.id)).gift_token = "h" * 16
    clock.now = day(11, 22)
    person = await _customer(session, 201)

    await MemberService(session, clock).erase(scene.main.id, 201)

    cancelled = await db.scalar(select(Certificate).where(Certificate.id == mine.id))
    assert (cancelled.status, cancelled.gift_token) == ("cancelled", None)
    kept = await db.scalar(select(Certificate).where(Certificate.id == theirs.id))
    assert (kept.status, kept.customer_id, kept.source_purchase_id) == ("open", person, None)
    assert kept.gift_token == "h" * 16  # still theirs to give: bistro's promise to them
    assert await db.all(select(Certificate).where(Certificate.source_purchase_id == source)) == []
    await check_certificate_invariant(session)


async def test_a_members_download_lists_their_certificates(tg, scene: Scene) -> None:
    """201's data file lists the certificate they used at main (no code: it is spent) and,
    after bistro hands them main's certificate again, the open one with its code."""
    again = await scene.hand_out(
        "c10", scene.certificates["c1"].grant.offer_id, 201, scene.bistro, day(11, 21)
    )
    member = tg(201)
    profile = await member.send("/profile")
    data = downloaded(member, await member.press(profile.button("📦")))
    used, held = data["certificates"]
    assert (used["business"], used["handed_out_by"], used["certificate_status"]) == (
        "Café main",
        "Café bistro",
        "redeemed",
    )
    assert used["certificate_status_label"] == "Used" and used["value_label"] == "€10"
    assert (used["value"], used["currency"], used["code"]) == ("10.00", "EUR", None)
    assert used["redeemed_at"].startswith("2026-11-03T14:00:00+01:00")
    assert (held["certificate_status"], held["code"], held["received_as_gift"]) == (
        "open",
        again.code,
        False,
    )
    assert held["certificate_status_label"] == "Not used yet"
    assert held["expires_at"] and held["item"] is None
