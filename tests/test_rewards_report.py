"""/kpi rewards, the rewards' CSV files and the digest's rewards line through the production
dispatcher, on the program of tests/reward_data.py: what the owner and admins read, what the
files hold, and that customers and cashiers read nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from sqlalchemy import func, select

from db.models import LedgerEntry, Membership, Voucher
from db.reports import ReportRepo
from handlers.ui.callbacks import KpiCb
from services.jobs import JobService
from services.reports import ReportService
from services.reports.periods import Period
from tests.factories import make_merchant, make_staff
from tests.kpi_data import Book, local
from tests.report_oracle import assert_reports_match_the_tables
from tests.reward_data import write_rewards

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OWNER, ADMIN, CASHIER = 1, 51, 50
REFUSED = "Reports are for the owners and admins of this place."


@pytest.fixture
async def book(session, clock) -> Book:
    clock.now = NOW
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, ADMIN, role="admin", name="Ola")
    await make_staff(session, clock, merchant, CASHIER, role="staff", name="Kuba")
    program = Book(session, merchant)
    await write_rewards(program)
    return program


async def test_rewards_kpi_for_the_owner_and_admins(tg, book: Book) -> None:
    for reader in (tg(OWNER), tg(ADMIN)):
        uploads = len(reader.session.uploads)
        sent = await reader.send("/kpi rewards")
        (photo,) = sent.of(SendPhoto)
        filename, png = reader.session.uploads[uploads]
        assert filename == "rewards.png" and png.startswith(b"\x89PNG")
        assert photo.caption == sent.text  # the text fits under the chart
        lines = sent.text.splitlines()
        assert lines[:7] == [
            "🎟 <b>Rewards</b> · 24 Oct\u2009–\u200922 Nov 2026",
            "Vouchers: 7 claimed · 4 redeemed · 2 lapsed · 2 still open",
            "• catalogue: 4 claimed · 3 redeemed · 1 lapsed · 1 still open",
            "• stamp cards: 2 claimed · 1 redeemed · 0 lapsed · 1 still open",
            "• welcome gifts: 1 claimed · 0 redeemed · 1 lapsed · 0 still open",
            "Redeemed of those settled (redeemed or lapsed): 67%",
            "Points spent on rewards: 800 points = €8",
        ]
        assert lines[7:] == [
            "Points liability: 1,150 points on balances + 300 points in open vouchers = €14.50",
            "2 stamp cards completed",
            "Redeemed most: Cappuccino 2, Croissant 1, Free coffee 1",
            "",
            "<b>Promotions</b>",
            "Extra points given: 125 points = €1.25",
            "Happy hours (×2): 3 purchases, €25; its hours: +100% purchases an hour against "
            "the 4 weeks before",
            "Weekend stamps (+1 stamp): 0 purchases, €0; its hours: not enough data",
        ]


async def test_a_week_reads_its_own_vouchers(tg, book: Book) -> None:
    text = (await tg(OWNER).send("/kpi rewards 7")).text
    assert "16–22 Nov 2026" in text
    assert "Vouchers: 1 claimed · 1 redeemed · 1 lapsed · 2 still open" in text
    assert "1 stamp card completed" in text
    # One purchase in its two hours of the week: twice the 2 in 8 hours before it began.
    assert "Happy hours (×2): 1 purchase, €5; its hours: +100% purchases" in text


async def test_reserved_points_are_owed_in_every_report(tg, book: Book, session) -> None:
    owner = tg(OWNER)
    assert "Points outstanding: €14.50" in (await owner.send("/stats")).text
    points = await owner.send("/kpi points")
    assert "Outstanding now: 1,450 points = €14.50" in (points.of(SendPhoto)[0].caption or "")
    # The oracle counts the same from the tables, at every end of these days.
    days = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 22)]
    await assert_reports_match_the_tables(session, book.merchant.id, "Europe/Warsaw", days)


async def test_customers_and_cashiers_read_no_rewards(tg, book: Book) -> None:
    for outsider in (tg(book.telegram["ann"]), tg(CASHIER)):
        assert (await outsider.send("/kpi rewards")).texts == [REFUSED]
        pressed = await outsider.press(KpiCb(name="rewards").pack())
        assert pressed.text == REFUSED and "Vouchers" not in pressed.text
        assert not (await outsider.send("/export")).of(SendDocument)
    for typed in ("/kpi rewards -5", "/kpi rewards 1e9", "/kpi rewards 99999999999999999999"):
        assert "Which report?" in (await tg(ADMIN).send(typed)).text
    menu = await tg(ADMIN).send("/kpi")
    shown = await tg(ADMIN).press(menu.button("🎟 Rewards"))
    assert "Vouchers: 7 claimed" in shown.text
    forged = await tg(OWNER).press(KpiCb(name="rewards", days=7, until=10**6).pack())
    assert forged.toasts == ["This button is no longer active."]


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_vouchers_and_promotions_exported(tg, book: Book) -> None:
    owner = tg(OWNER)
    sent = await owner.send("/export")
    captions = [d.caption.splitlines()[0] for d in sent.of(SendDocument)]
    assert captions[-2:] == ["Reward vouchers: 9 rows", "Promotions: 2 rows"]
    files = dict(owner.session.uploads[-6:])
    vouchers = _csv(files["main-vouchers-2026-11-22.csv"])
    assert [v["status"] for v in vouchers].count("open") == 2
    open_coffee = next(v for v in vouchers if v["status"] == "open" and v["points"] == "300")
    assert open_coffee["member"] == str(book.ids["ben"]) and open_coffee["reward"] == "Cappuccino"
    assert (open_coffee["redeemed_at"], open_coffee["lapsed_at"]) == ("", "")
    lapsed = next(v for v in vouchers if v["reward"] == "Croissant" and v["lapsed_at"])
    assert lapsed["lapsed_at"].startswith("2026-10-31T12:00:00+01:00")
    assert lapsed["claimed_at"].startswith("2026-10-01T12:00:00+02:00")
    redeemed = next(v for v in vouchers if v["redeemed_at"].startswith("2026-11-17"))
    assert (redeemed["redeemed_by"], redeemed["redeemed_by_telegram_id"]) == ("Kuba", "50")
    assert {v["source"] for v in vouchers} == {"claim", "stamps", "welcome"}
    happy, weekend = _csv(files["main-promotions-2026-11-22.csv"])
    assert happy["name"] == "Happy hours" and happy["multiplier"] == "2"
    assert (happy["weekdays_iso"], happy["from"], happy["until"]) == ("2", "15:00", "17:00")
    assert (happy["purchases"], happy["revenue_EUR"], happy["extra_points"]) == (
        "3",
        "25.00",
        "125",
    )
    assert (weekend["extra_stamps"], weekend["weekdays_iso"], weekend["from"]) == ("1", "6 7", "")
    assert weekend["starts_on"] == "2026-11-21" and weekend["purchases"] == "0"

    admin = tg(ADMIN)
    await admin.send("/export")
    admin_vouchers = _csv(dict(admin.session.uploads[-6:])["main-vouchers-2026-11-22.csv"])
    assert "redeemed_by_telegram_id" not in admin_vouchers[0]
    assert admin_vouchers[0]["redeemed_by"] == "Kuba"


async def test_no_reward_files_without_rewards(tg, session, clock) -> None:
    clock.now = NOW
    await make_merchant(session, clock)
    sent = await tg(OWNER).send("/export")
    assert len(sent.of(SendDocument)) == 4  # members, purchases, ledger, audit


async def test_digest_tells_the_weeks_rewards(book: Book, session, clock, bot, sender) -> None:
    clock.now = local(11, 23, 9, 5)
    assert await JobService(session, clock, owner_ids=(OWNER,)).weekly_digests() == 2
    await sender.drain()
    digests = [m.text for m in bot.session.requests if isinstance(m, SendMessage)]
    assert any("Rewards: 1 voucher redeemed, 1 stamp card completed" in t for t in digests)


async def test_the_ledger_holds_what_the_report_reads(book: Book, session, db) -> None:
    """The data itself keeps the invariant the report builds on: balances are the ledger's
    sum, and what open vouchers reserve is off the balances."""
    balances = await db.scalar(select(func.sum(Membership.balance_minor)))
    ledger = await db.scalar(select(func.sum(LedgerEntry.delta_minor)))
    assert balances == ledger == 1150
    reserved = await db.scalar(select(func.sum(Voucher.points)).where(Voucher.status == "open"))
    assert reserved == 300
    async with session.begin():
        report = await ReportService(session).rewards_of(
            book.merchant, Period(date(2026, 10, 24), date(2026, 11, 22), "Europe/Warsaw")
        )
    assert report.liability == 1450 and report.vouchers.redemption_rate.value == 4 / 6


async def test_windows_counted_in_batches(book: Book, session, monkeypatch) -> None:
    """However many windows, each purchase in them counts once (batches of a statement)."""
    monkeypatch.setattr("db.reports.vouchers.WINDOWS_A_QUERY", 2)
    tuesdays = [(0, local(11, d, 15), local(11, d, 17)) for d in (3, 10, 17)]
    before = [(1, local(10, d, 15), local(10, d, 17)) for d in (6, 13, 20, 27)]
    async with session.begin():
        counts = await ReportRepo(session).sales_in(book.merchant.id, tuesdays + before)
    assert counts == {0: 3, 1: 2}


async def test_a_program_without_rewards_reads_zeros(tg, session, clock) -> None:
    clock.now = NOW
    await make_merchant(session, clock)
    text = (await tg(OWNER).send("/kpi rewards")).text
    assert "Vouchers: 0 claimed · 0 redeemed · 0 lapsed · 0 still open" in text
    assert "Redeemed of those settled (redeemed or lapsed): –" in text
    assert "No promotion ran in this period." in text
    assert "Redeemed most" not in text


async def test_rewards_in_the_readers_language(tg, book: Book) -> None:
    text = (await tg(OWNER, language_code="ru").send("/kpi rewards")).text
    assert "Купоны: 7 получено · 4 погашено · 2 сгорело · 2 ещё открыто" in text
    assert "2 карточки штампов заполнены" in text
    assert "Happy hours (×2): 3 покупки, 25\u00a0€" in text
    polish = (await tg(ADMIN, language_code="pl").send("/kpi rewards")).text
    assert "Weekend stamps (+1 pieczątka): 0 zakupów" in polish
    assert "za mało danych" in polish
