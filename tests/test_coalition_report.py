"""/kpi coalition, the coalition's CSV file and the digest's coalition line through the
production dispatcher, on the coalition of tests/coalition_data.py: every figure as counted
by hand there, what the owners and admins read, and that nobody else reads anything."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from sqlalchemy import select, update

from db.models import Certificate, CertificateEntry, Partnership
from handlers.ui.callbacks import KpiCb
from services.errors import NotStaff
from services.jobs import JobService
from services.reports import ReportService
from services.reports.periods import Period
from tests.certificate_ledger import check_certificate_invariant
from tests.coalition_data import (
    ADMIN,
    BISTRO_ADMIN,
    CASHIER,
    OWNER,
    PERIOD,
    SPA_CASHIER,
    Scene,
    build,
    day,
)
from tests.factories import make_merchant, make_staff

REFUSED = "Reports are for the owners and admins of this place."
FAR_ADMIN = 81  # the admin of a business that partners with no one


@pytest.fixture
async def scene(session, clock, sender) -> Scene:
    built = await build(session, clock)
    await sender.drain()  # the receipts and the refund's notice: not the reports' business
    return built


def body(text: str) -> list[str]:
    """The report's lines, without the header naming the business (an owner's messages
    carry one while the deployment has several)."""
    lines = text.splitlines()
    return lines[1:] if lines and lines[0] == "🏪 <b>Café main</b>" else lines


async def test_every_figure_by_partner(scene: Scene, session) -> None:
    await check_certificate_invariant(session)
    async with session.begin():
        report = await ReportService(session).coalition_of(scene.main, PERIOD)
    bistro, spa = report.partners
    assert (bistro.partner, spa.partner) == ("Café bistro", "Café spa")
    assert (bistro.issued, bistro.issued_minor, bistro.redeemed, bistro.redeemed_minor) == (
        5,
        4000,
        3,
        2000,
    )
    assert (bistro.in_sale, bistro.on_its_own, bistro.expired, bistro.gifted) == (1, 2, 1, 1)
    assert (bistro.refunded, bistro.open, bistro.open_minor) == (0, 2, 2000)
    assert (bistro.new_customers, bistro.purchases, bistro.revenue) == (2, 2, 8000)
    assert (spa.issued, spa.issued_minor, spa.redeemed, spa.in_sale) == (2, 2000, 2, 1)
    assert (spa.refunded, spa.refunded_minor, spa.open, spa.open_minor) == (1, 1000, 1, 1000)
    assert (spa.new_customers, spa.purchases, spa.revenue) == (1, 0, 0)
    t = report.total
    assert (t.issued, t.redeemed, t.open, t.open_minor, t.cost_minor) == (7, 5, 3, 3000, 3000)
    assert report.items == (("Free coffee", 1),)
    assert report.partners_now == 2
    (zloty,) = report.handed_out
    assert (zloty.merchant, zloty.currency, zloty.issued, zloty.value_minor) == (
        "Café bistro",
        "PLN",
        1,
        2000,
    )
    assert report.handed_by_currency == (("PLN", 1, 2000),)
    async with session.begin():  # before the first certificate: partners, and nothing else
        september = await ReportService(session).coalition_of(
            scene.main, Period(date(2026, 9, 1), date(2026, 9, 30), "Europe/Warsaw")
        )
    assert (september.partners, september.handed_out, september.items) == ((), (), ())
    assert september.partners_now == 2 and september.total.open == 0


async def test_owed_is_the_ledger_and_the_open_certificates(scene: Scene, db) -> None:
    """The outstanding value read from the ledger is the open certificates' value, counted
    from the certificates themselves."""
    rows = await db.all(select(Certificate).where(Certificate.merchant_id == scene.main.id))
    assert sum(c.value_minor for c in rows if c.status == "open") == 3000
    assert [c.status for c in rows].count("redeemed") == 4  # c8 was given back


async def test_coalition_kpi_for_the_owner_and_admins(tg, scene: Scene) -> None:
    for reader in (tg(OWNER), tg(ADMIN)):
        uploads = len(reader.session.uploads)
        sent = await reader.send("/kpi coalition")
        assert sent.of(SendPhoto)
        filename, png = reader.session.uploads[uploads]
        assert filename == "coalition.png" and png.startswith(b"\x89PNG")
        lines = body(sent.text)
        assert lines[:14] == [
            "🔗 <b>Coalition</b> · 24 Oct\u2009–\u200922 Nov 2026",
            "2 partners now",
            "",
            "<b>Your certificates, handed out by partners</b>",
            "Handed out: 7 certificates worth €60",
            "Redeemed: 5 worth €40 (2 in a sale, 3 on their own)",
            "Expired: 1 · gifted on: 1 · given back by refunds: 1",
            "Still open: 3 certificates, you owe €30",
            "Redemption rate: 83%",  # 5 redeemed, 1 expired
            "Brought by partners: 3 new customers: 2 purchases in 90 days, €80",
            "• Café bistro — handed out in this period: 5; redeemed in this period: 3; "
            "2 new customers: 2 purchases in 90 days, €80",
            "• Café spa — handed out in this period: 2; redeemed in this period: 2; "
            "given back by refunds: 1; 1 new customer: 0 purchases in 90 days, €0",
            "",
            "<b>Handed out by you for partners</b>",
        ]
        assert lines[14].startswith("• for Café bistro — handed out in this period: 1 certif")
        assert "20" in lines[14] and lines[14].endswith("redeemed there in this period: 0")
        assert lines[16] == (
            "What your certificates cost: €30; refunds gave back €10; "
            "items handed over: Free coffee × 1"
        )
        assert lines[18].startswith("<i>Still open: what you owe")


async def test_a_week_reads_its_own(tg, scene: Scene) -> None:
    text = (await tg(OWNER).send("/kpi coalition 7")).text
    assert "16–22 Nov 2026" in text
    assert "Handed out: 0 certificates worth €0" in text
    assert "Redeemed: 2 worth €20 (1 in a sale, 1 on their own)" in text
    assert "Still open: 3 certificates, you owe €30" in text  # open at the end, whenever given
    # handed out before the week, redeemed in it: two facts, the refund apart
    assert (
        "• Café spa — handed out in this period: 0; redeemed in this period: 2; "
        "given back by refunds: 1; 1 new customer" in text
    )


async def test_a_business_outside_the_coalition(tg, session, clock) -> None:
    await make_merchant(session, clock)
    text = (await tg(OWNER).send("/kpi coalition")).text
    assert "0 partners now" in text and "No partners yet: /partners invites one." in text


async def test_nobody_else_reads_it(tg, scene: Scene, session) -> None:
    for outsider in (tg(201), tg(CASHIER), tg(SPA_CASHIER)):
        sent = await outsider.send("/kpi coalition")
        assert sent.texts == [REFUSED] and not sent.of(SendPhoto)
        pressed = await outsider.press(KpiCb(name="coalition").pack())
        assert pressed.text == REFUSED and "Coalition" not in pressed.text
    # A partner's admin reads their own business's report, never main's.
    text = (await tg(BISTRO_ADMIN).send("/kpi coalition")).text
    assert "Handed out by you for partners" in text
    assert "• for Café main — handed out in this period: 5 certificates" in text
    # The admin of a business outside the coalition reads only their own, empty one.
    far = await make_merchant(session, scene.clock, "far")
    await make_staff(session, scene.clock, far, FAR_ADMIN, role="admin", name="Ida")
    text = (await tg(FAR_ADMIN).send("/kpi coalition")).text
    assert "0 partners now" in text and "Café" not in text
    for actor in (BISTRO_ADMIN, FAR_ADMIN, CASHIER, SPA_CASHIER, 201):
        with pytest.raises(NotStaff):
            await ReportService(session, (OWNER,)).coalition(scene.main.id, actor)
    forged = await tg(OWNER).press(KpiCb(name="coalition", days=7, until=10**6).pack())
    assert forged.toasts == ["This button is no longer active."]
    for typed in ("/kpi coalition -5", "/kpi coalition 1e9", "/kpi coalition ²"):
        assert "/kpi coalition" in (await tg(ADMIN).send(typed)).text
    menu = await tg(ADMIN).send("/kpi")
    shown = await tg(ADMIN).press(menu.button("🔗 Coalition"))
    assert "Handed out: 7 certificates" in shown.text


async def test_in_the_readers_language(tg, scene: Scene) -> None:
    text = (await tg(OWNER, language_code="ru").send("/kpi coalition")).text
    assert "Выдано: 7 сертификатов на 60\u00a0€" in text
    text = (await tg(OWNER, language_code="pl").send("/kpi coalition")).text
    assert "Wydane: 7 bonów o wartości 60\u00a0€" in text
    text = (await tg(OWNER, language_code="hu").send("/kpi coalition")).text
    assert "Kiadva: 7 ajándékutalvány" in text


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_certificates_exported(tg, scene: Scene) -> None:
    owner = tg(OWNER)
    sent = await owner.send("/export")
    captions = [body(d.caption or "")[0] for d in sent.of(SendDocument)]
    assert "Gift certificates: 9 rows" in captions
    files = dict(owner.session.uploads[-len(captions) :])
    rows = _csv(files["main-certificates-2026-11-22.csv"])
    assert len(rows) == 9  # eight for main, one main handed out for bistro
    zloty = next(r for r in rows if r["accepted_by"] == "Café bistro")
    assert (zloty["handed_out_by"], zloty["currency"], zloty["value"]) == (
        "Café main",
        "PLN",
        "20.00",
    )
    c1 = next(r for r in rows if r["purchase"])
    assert (c1["status"], c1["value"], c1["redeemed_by"], c1["redeemed_by_telegram_id"]) == (
        "redeemed",
        "10.00",
        "Kuba",
        str(CASHIER),
    )
    assert c1["holder_telegram_id"] == "201" and c1["member"]
    assert c1["redeemed_at"].startswith("2026-11-03T14:00:00+01:00")
    coffee = next(r for r in rows if r["item"] == "Free coffee")
    assert (coffee["value"], coffee["status"]) == ("0.00", "redeemed")
    expired = next(r for r in rows if r["status"] == "expired")
    assert expired["expired_at"].startswith("2026-11-04T00:00:00+01:00")
    assert "code" not in rows[0]

    admin = tg(ADMIN)
    await admin.send("/export")
    files = dict(admin.session.uploads[-len(captions) :])
    header = _csv(files["main-certificates-2026-11-22.csv"])[0]
    assert "holder_telegram_id" not in header and "redeemed_by_telegram_id" not in header


async def test_digest_tells_the_weeks_coalition(scene: Scene, session, clock, bot, sender) -> None:
    async with session.begin():  # spa ends its partnership: its digest says nothing of it
        await session.execute(
            update(Partnership)
            .where(Partnership.low_merchant_id == scene.main.id)
            .where(Partnership.high_merchant_id == scene.spa.id)
            .values(ended_at=day(11, 22), ended_by_merchant_id=scene.spa.id)
        )
    clock.now = day(11, 23, 8).replace(minute=5)  # Monday 9:05 in Warsaw
    assert await JobService(session, clock, owner_ids=(OWNER,)).weekly_digests() >= 2
    await sender.drain()
    digests = [m for m in bot.session.requests if isinstance(m, SendMessage)]
    mains = [m.text for m in digests if "Café main</b>: your week" in m.text]
    assert mains and all(
        "Coalition: 1 certificate handed out by you, 2 of yours redeemed, "
        "1 new customer brought by partners" in t
        for t in mains
    )
    spas = [m.text for m in digests if "Café spa</b>: your week" in m.text]
    assert spas and not any("Coalition" in t for t in spas)


async def test_ledger_entries_keep_their_customer_until_erasure(scene: Scene, db) -> None:
    entries = await db.all(select(CertificateEntry))
    assert entries and all(e.customer_id is not None for e in entries)
