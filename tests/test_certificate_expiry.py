"""Certificates that run out unused (issue 16): the job closes them with their `expired`
entries exactly once (run twice), reminds their holders two days before (once), and tells
them in their language; certificates used, short-lived or without a holder are left alone
where they should be."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from db.models import Certificate, CertificateEntry, CertificateStatus, HandOut, Outbox
from services.jobs import JobService
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.factories import make_merchant
from tests.telegram import join

ANNA, OLGA = 101, 102


async def _scene(tg, session, clock, valid_days: int = 30):
    """Anna (English) and Olga (Russian) members of Test Café, each with a certificate for
    Café wash handed out by Test Café."""
    await join(tg(ANNA))
    await join(tg(OLGA, first_name="Olga", language_code="ru"))
    cafe = await make_merchant(session, clock)
    wash = await make_merchant(session, clock, "wash")
    await make_partnership(session, clock, wash, cafe)
    offer = await make_offer(
        session, clock, wash, valid_days=valid_days, routes={cafe.id: (HandOut.AUTO, 0)}
    )
    anna = await make_certificate(session, clock, offer, ANNA, cafe)
    olga = await make_certificate(session, clock, offer, OLGA, cafe)
    return anna, olga


async def _sent(sender, bot) -> dict[int, list[str]]:
    before = len(bot.session.requests)
    await sender.drain()
    said: dict[int, list[str]] = {}
    for m in bot.session.requests[before:]:
        said.setdefault(m.chat_id, []).append(m.text)
    return said


async def test_expiry_reminds_then_closes_once_and_tells_each_holder(
    tg, bot, db, session, clock, sender
) -> None:
    anna, olga = await _scene(tg, session, clock)
    jobs = JobService(session, clock)
    clock.advance(days=27)
    assert await jobs.expire_certificates() == 0  # not yet
    clock.advance(days=2)  # 1 day and 10 hours left
    assert await jobs.expire_certificates() == 2  # the reminders
    assert await jobs.expire_certificates() == 0  # once
    said = await _sent(sender, bot)
    assert said[ANNA] == [
        "⏳ Your certificate for Café wash (€10) runs out within 2 days, on 9 Apr 2026\n"
        "Use it before then: /wallet"
    ]
    assert said[OLGA][0].startswith("⏳ Ваш сертификат в Café wash (10\xa0€)")
    assert "/wallet" in said[OLGA][0]
    clock.advance(days=2)
    assert await jobs.expire_certificates() == 2
    assert await jobs.expire_certificates() == 0  # run twice: once
    said = await _sent(sender, bot)
    assert said[ANNA] == ["⌛ Your certificate for Café wash (€10) ran out unused."]
    assert said[OLGA][0].startswith("⌛ Ваш сертификат в Café wash (10\xa0€)")
    rows = await db.all(select(Certificate).order_by(Certificate.id))
    assert [(c.id, c.status) for c in rows] == [
        (anna.id, CertificateStatus.EXPIRED),
        (olga.id, CertificateStatus.EXPIRED),
    ]
    assert all(c.closed_at == clock() for c in rows)
    reasons = await db.all(select(CertificateEntry.reason).order_by(CertificateEntry.id))
    assert reasons == ["issued", "issued", "expired", "expired"]
    assert await db.scalar(select(func.sum(CertificateEntry.delta))) == 0
    value = CertificateEntry.delta * CertificateEntry.value_minor
    assert await db.scalar(select(func.sum(value))) == 0
    kinds = await db.all(select(Outbox.kind).where(Outbox.chat_id == ANNA))
    assert sorted(kinds) == ["certificate_expired", "certificate_expiring"]


async def test_used_short_lived_and_erased_ones(tg, bot, db, session, clock, sender) -> None:
    anna, olga = await _scene(tg, session, clock, valid_days=1)
    async with session.begin():
        await session.execute(
            update(Certificate)
            .where(Certificate.id == anna.id)
            .values(status=CertificateStatus.REDEEMED, redeemed_at=clock())
        )
        await session.execute(
            update(Certificate).where(Certificate.id == olga.id).values(customer_id=None)
        )
    jobs = JobService(session, clock)
    clock.advance(hours=12)
    # Within two days of its end, but handed out within them: its receipt said until when.
    assert await jobs.expire_certificates() == 0
    clock.advance(days=2)
    assert await jobs.expire_certificates() == 0  # Olga's expires, with nobody to tell
    assert await jobs.expire_certificates() == 0
    assert await _sent(sender, bot) == {}
    statuses = await db.all(select(Certificate.status).order_by(Certificate.id))
    assert statuses == [CertificateStatus.REDEEMED, CertificateStatus.EXPIRED]
    expired = await db.all(
        select(CertificateEntry.certificate_id).where(CertificateEntry.reason == "expired")
    )
    assert expired == [olga.id]
    assert clock() > olga.expires_at > clock() - timedelta(days=3)
