"""The coalition report's figures a reviewer found wrong (issue 16), on the coalition of
tests/coalition_data.py: the cost is never negative, new customers' purchases are those of
the 90 days after their first use (KPI.md), the redemption rate, partners past eight, totals
of those handed out by currency, and the digest line of a business whose partnerships
ended while its certificates are still redeemed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select, update

from db.models import Certificate, CertificateEntry, Partnership, Purchase
from services.jobs import JobService
from services.reports import ReportService
from services.reports.periods import Period
from tests.coalition_data import ADMIN, BISTRO_ADMIN, OWNER, PERIOD, Scene, build, day
from tests.coalition_factories import make_offer
from tests.factories import make_merchant


@pytest.fixture
async def scene(session, clock, sender) -> Scene:
    built = await build(session, clock)
    await sender.drain()
    return built


async def test_a_refund_of_an_earlier_redemption_costs_nothing(tg, scene: Scene, session) -> None:
    """20-22 Nov: nothing redeemed, c8 (redeemed the 19th) given back the 20th: the cost is
    €0, not -€10, and what the refund gave back is told apart."""
    async with session.begin():
        report = await ReportService(session).coalition_of(
            scene.main, Period(date(2026, 11, 20), date(2026, 11, 22), "Europe/Warsaw")
        )
    assert (report.total.redeemed, report.total.refunded_minor) == (0, 1000)
    assert report.total.cost_minor == 0
    text = (await tg(OWNER).send("/kpi coalition 3")).text
    assert "20–22 Nov 2026" in text
    assert "What your certificates cost: €0; refunds gave back €10" in text
    assert "Redemption rate: not enough data" in text  # none redeemed or expired


async def test_new_customers_purchases_in_the_90_days_after(scene: Scene, session) -> None:
    """201 first used bistro's certificate on 3 Nov: a purchase on 5 Dec (after the period,
    within 90 days) counts; one on 10 Feb (past 1 Feb) does not."""
    await scene.sale(201, 2000, day(12, 5))
    await scene.sale(201, 9900, datetime(2027, 2, 10, 12, tzinfo=UTC))
    async with session.begin():
        report = await ReportService(session).coalition_of(scene.main, PERIOD)
    bistro = report.partners[0]
    assert bistro.partner == "Café bistro"
    assert (bistro.new_customers, bistro.purchases, bistro.revenue) == (2, 3, 10000)
    assert report.total.redemption_rate.value == 5 / 6


async def test_partners_past_eight_and_totals_by_currency(
    tg, scene: Scene, session, clock
) -> None:
    ten = await make_offer(session, clock, scene.main, value_minor=1000)
    for i in range(8):
        partner = await make_merchant(session, clock, f"n{i}")
        await scene.hand_out(f"n{i}", ten, 203, partner, day(11, 20))
    spa = await make_offer(session, clock, scene.spa, value_minor=500)
    await scene.hand_out("spa", spa, 203, scene.main, day(11, 20))
    clock.now = day(11, 22)
    text = (await tg(ADMIN).send("/kpi coalition")).text
    lines = text.splitlines()
    assert lines.count("…and 2 more") == 1  # ten partners, eight shown
    assert "• Café n5 —" in text and "• Café n6" not in text  # busiest first, then by name
    assert "Together: 1 certificate worth €5" in text
    assert any(
        line.startswith("Together: 1 certificate worth ") and "20" in line for line in lines
    )
    bistro = (await tg(BISTRO_ADMIN).send("/kpi coalition")).text
    assert "Redemption rate: not enough data" in bistro and "Together" not in bistro


async def test_digest_after_the_partnerships_ended(
    scene: Scene, session, clock, bot, sender
) -> None:
    """Main's partnerships both ended, yet two of its certificates were redeemed that week:
    its digest still has the coalition line."""
    async with session.begin():
        await session.execute(
            update(Partnership).values(ended_at=day(11, 22), ended_by_merchant_id=scene.main.id)
        )
    clock.now = day(11, 23, 8).replace(minute=5)
    assert await JobService(session, clock, owner_ids=(OWNER,)).weekly_digests() >= 1
    await sender.drain()
    mains = [
        m.text
        for m in bot.session.requests
        if isinstance(m, SendMessage) and "Café main</b>: your week" in m.text
    ]
    assert mains and all(
        "Coalition: 1 certificate handed out by you, 2 of yours redeemed" in t for t in mains
    )


async def test_each_business_reads_its_own_side_of_the_file(tg, scene: Scene, session) -> None:
    """Main's file names main's sale and cashier for its certificates; bistro's file names
    neither, only its own purchase that earned a certificate and its own cashier."""
    async with session.begin():
        c3 = await session.get(Certificate, scene.certificates["c1"].id)
        c3.source_purchase_id, c3.issued_by = 777, BISTRO_ADMIN
    owner = tg(OWNER)
    await owner.send("/export")
    rows = _rows(owner, "main-certificates-2026-11-22.csv")
    c1 = next(r for r in rows if r["certificate"] == str(scene.certificates["c1"].id))
    assert (c1["redeemed_by"], c1["source_purchase"], c1["handed_out_by_cashier"]) == (
        "Kuba",
        "",
        "",
    )
    sale = c1["purchase"]
    assert sale
    # Its last moment, as the wallet reads its last day: the end of that day, not the next.
    until = datetime.fromisoformat(c1["valid_until"])
    expires = scene.certificates["c1"].expires_at
    assert (until.hour, until.minute) == (23, 59) and until < expires
    assert until.astimezone(UTC) == expires - timedelta(seconds=1)
    zloty = next(r for r in rows if r["accepted_by"] == "Café bistro")
    assert (zloty["redeemed_by"], zloty["purchase"], zloty["holder_telegram_id"]) == (
        "",
        "",
        "203",
    )
    bistro = tg(BISTRO_ADMIN)  # bistro's admin is no owner: names, no Telegram ids
    await bistro.send("/export")
    theirs = _rows(bistro, "bistro-certificates-2026-11-22.csv")
    row = next(r for r in theirs if r["certificate"] == str(scene.certificates["c1"].id))
    assert (row["source_purchase"], row["handed_out_by_cashier"]) == ("777", "Ewa")
    assert all(r["purchase"] in ("", None) or r["accepted_by"] == "Café bistro" for r in theirs)
    assert sale not in {r["purchase"] for r in theirs}
    assert all(r["redeemed_by"] == "" for r in theirs if r["accepted_by"] == "Café main")


def _rows(reader, name: str) -> list[dict[str, str]]:
    files = dict(reader.session.uploads)
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


async def test_the_scene_is_what_the_code_writes(scene: Scene, db) -> None:
    """c1 paid €10 of a €30 check through the sale itself: the purchase keeps €20 (the
    check less the certificate's share); the gift and the expiry wrote their own entries."""
    c1 = await db.scalar(select(Certificate).where(Certificate.id == scene.certificates["c1"].id))
    sale = await db.scalar(select(Purchase).where(Purchase.id == c1.purchase_id))
    assert (sale.amount_minor, sale.certificate_minor, sale.certificate_id) == (2000, 1000, c1.id)
    reasons = await db.all(select(CertificateEntry.reason).order_by(CertificateEntry.id))
    assert reasons.count("gifted") == 1 and reasons.count("expired") == 1
