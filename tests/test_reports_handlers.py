"""The reports through the production dispatcher: who may read them, what the admin reads,
charts and CSV files sent, the Monday digest, and a member leaving with their data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from aiogram.methods import EditMessageText, SendDocument, SendMessage, SendPhoto
from sqlalchemy import select

from db.models import Customer, Membership, Outbox
from handlers.ui.callbacks import KpiCb, StatsCb
from services.jobs import JobService
from services.members import MemberService
from tests.factories import make_merchant, make_staff
from tests.kpi_data import Book, local, write_program

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OWNER, ADMIN, CASHIER = 1, 51, 50


@pytest.fixture
async def book(session, clock) -> Book:
    clock.now = NOW
    merchant = await make_merchant(session, clock)  # the default merchant, slug "main"
    await make_staff(session, clock, merchant, ADMIN, role="admin", name="Ola")
    await make_staff(session, clock, merchant, CASHIER, role="staff", name="Kuba")
    program = Book(session, merchant)
    await write_program(program)
    clock.now = local(11, 1)
    await MemberService(session, clock).erase(merchant.id, program.telegram["fay"])
    clock.now = NOW
    return program


async def test_stats_for_admins_only(tg, book: Book) -> None:
    customer = tg(book.telegram["ann"])
    for outsider in (customer, tg(CASHIER)):
        refused = await outsider.send("/stats")
        assert refused.texts == ["Reports are for the owners and admins of this place."]
    for reader in (tg(OWNER), tg(ADMIN)):
        stats = await reader.send("/stats")
        text = stats.text
        assert "📊 <b>Café main</b> · 24 Oct\u2009–\u200922 Nov 2026" in text
        assert "compared with 24 Sept\u2009–\u200923 Oct 2026" in text
        assert "Members: 8 ↑ 60%" in text  # 5 at the end of the 30 days before
        assert "Purchases: 5 ↑ 67%" in text
        assert "Revenue: €98.50 ↑ 159%" in text
        assert "Average check: €19.70" in text
        assert "Retention: 67%" in text
        assert "NPS: +33 (3 answers)" in text
        assert "Points outstanding: €12.99" in text
        assert stats.button("• 30 days")


async def test_period_buttons_and_typed_dates(tg, book: Book) -> None:
    owner = tg(OWNER)
    first = await owner.send("/stats")
    week = await owner.press(first.button("7 days"))
    edited = week.of(EditMessageText)[0]
    assert "16–22 Nov 2026" in edited.text
    again = await owner.press(first.button("7 days"))  # the same period twice: no error
    assert not again.of(SendMessage)
    ask = await owner.press(first.button("Dates"))
    assert "first and the last day" in ask.text
    assert "Send two dates like" in (await owner.send("yesterday and today")).text
    assert "Send two dates like" in (await owner.send("22.11.2026 1.11.2026")).text
    typed = await owner.send("24.10.2026 22.11.2026")
    assert typed.texts[0].splitlines()[:2] == first.texts[0].splitlines()[:2]
    assert "Members: 8" in typed.text
    # The form is over: text now is not taken as dates.
    assert "Send two dates" not in (await owner.send("1.10 2.10")).text
    one_line = await owner.send("/stats 1.10.2026 31.10.2026")
    assert "1–31 Oct 2026" in one_line.text


async def test_each_kpi_comes_with_a_chart(tg, book: Book) -> None:
    owner = tg(OWNER)
    menu = await owner.send("/kpi")
    assert "Which report?" in menu.text
    expected = {
        "revenue": "Busiest day of the week",
        "cohorts": "Oct 2026: 4 joined · 50% 50%",
        "ratings": "CSAT: 2.75 ★ from 4 ratings, 50% rated 4–5",
        "referrals": "Made a first purchase (effective referrals): 50%",
        "points": "Issued: 1,166 points",
    }
    for name, line in expected.items():
        uploads = len(owner.session.uploads)
        sent = await owner.send(f"/kpi {name}")
        (photo,) = sent.of(SendPhoto)
        assert line in (photo.caption or "") + sent.text, name
        filename, png = owner.session.uploads[uploads]
        assert filename == f"{name}.png"
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
    pressed = await owner.press(KpiCb(name="cohorts").pack())
    assert pressed.of(SendPhoto)
    refused = await tg(CASHIER).press(KpiCb(name="cohorts").pack())
    assert not refused.of(SendPhoto) and "Reports are for" in refused.text
    assert not (await tg(CASHIER).press(StatsCb(days=7).pack())).of(EditMessageText)


async def test_ratings_and_campaigns(tg, book: Book) -> None:
    owner = tg(OWNER)
    ratings = (await owner.send("/ratings")).text
    assert "NPS: +33 from 3 answers" in ratings
    assert "Nov 2026: CSAT 2.75 · NPS +33" in ratings
    assert "Oct 2026: CSAT 2.00 · NPS +0" in ratings
    assert "★ 2 Nov 2026, 12:00 · €6 · Kasia" in ratings
    assert "<i>=rude</i>" in ratings
    assert "cold coffee" not in ratings  # before the period
    campaigns = (await owner.send("/campaigns")).text
    assert "Recipients 3 · delivered 2 · blocked 1 · failed 0" in campaigns
    assert "(Everyone who opted in)" in campaigns  # the segment by its name, not its key
    assert "Brought within 7 days: 1 purchase, €40" in campaigns
    assert "Carts checked out within 48 hours of a reminder: 50% (1 of 2)" in campaigns
    assert "Reports are for" in (await tg(CASHIER).send("/campaigns")).text


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_export_personal_data_only_for_owners(tg, book: Book) -> None:
    owner = tg(OWNER)
    sent = await owner.send("/export")
    documents = sent.of(SendDocument)
    assert [d.caption.splitlines()[0] for d in documents] == [
        "Members: 9 rows",
        "Purchases: 12 rows",
        "Points ledger: 22 rows",
    ]
    files = dict(owner.session.uploads[-3:])
    members = _csv(files["main-members-2026-11-22.csv"])
    ann = next(r for r in members if r["first_name"] == "Ann")
    assert ann["telegram_id"] == str(book.telegram["ann"]) and ann["points"] == "942"
    fay = next(r for r in members if r["erased_at"])
    assert (fay["telegram_id"], fay["first_name"], fay["phone"]) == ("", "", "")
    purchases = _csv(files["main-purchases-2026-11-22.csv"])
    rude = next(r for r in purchases if r["rating"] == "1" and r["comment"])
    assert rude["comment"] == "'=rude"  # a spreadsheet must not run it as a formula
    assert rude["amount_EUR"] == "6.00" and rude["confirmed_at"].startswith("2026-11-02T12:00")
    ledger = _csv(files["main-ledger-2026-11-22.csv"])
    assert sum(int(r["points"]) for r in ledger) == 1299

    admin = tg(ADMIN)
    sent = await admin.send("/export")
    assert "only in the owners' export" in sent.of(SendDocument)[0].caption
    members = _csv(dict(admin.session.uploads[-3:])["main-members-2026-11-22.csv"])
    assert "telegram_id" not in members[0] and "first_name" not in members[0]
    assert not (await tg(CASHIER).send("/export")).of(SendDocument)


async def test_weekly_digest_on_monday_once(book: Book, session, clock, bot, sender) -> None:
    clock.now = local(11, 23, 8)  # Monday before nine: last week's digest is not due yet
    jobs = JobService(session, clock, owner_ids=(OWNER,))
    before = await jobs.weekly_digests()  # ...but the week before it was never sent
    clock.now = local(11, 23, 9, 5)
    assert await jobs.weekly_digests() == 2  # the owner and the admin
    assert await jobs.weekly_digests() == 0
    assert before == 2
    await sender.drain()
    digests = [
        m
        for m in bot.session.requests
        if isinstance(m, SendMessage) and "your week, 16–22 Nov 2026" in m.text
    ]
    assert {m.chat_id for m in digests} == {OWNER, ADMIN}
    assert "Revenue: €40 ↑ 220%" in digests[0].text  # ann's 40.00 against cat's 12.50
    keys = [o.dedupe_key for o in await _outbox(session)]
    assert f"digest:{book.merchant.id}:2026-11-16:digest:{OWNER}" in keys


async def _outbox(session):
    async with session.begin():
        return list((await session.scalars(select(Outbox).where(Outbox.kind == "digest"))).all())


async def test_member_leaves_and_can_join_again(tg, db, clock) -> None:
    clock.now = NOW
    anna = tg(700, first_name="Anna")
    await anna.press((await anna.send("/start")).button("✅"))
    profile = await anna.send("/profile")
    ask = await anna.press(profile.button("Leave the program"))
    assert "balance of 0 points (€0)" in ask.text
    kept = await anna.press(ask.button("No, keep"))
    assert "Glad you stay" in kept.toasts[0]
    ask = await anna.press(profile.button("Leave the program"))
    yes = ask.button("Yes, delete")
    done = await anna.press(yes)
    assert "Your data is deleted" in done.text
    assert await db.scalar(select(Customer).where(Customer.telegram_id == 700)) is None
    erased = await db.scalar(select(Membership))
    assert erased.deleted_at is not None and erased.marketing_opt_in is False
    again = await anna.press(yes)  # pressed twice: nothing more happens
    assert "Your data is deleted" not in again.text
    rejoined = await anna.press((await anna.send("/start")).button("✅"))
    assert rejoined.texts
    members = await db.all(select(Membership).order_by(Membership.id))
    assert len(members) == 2 and members[1].deleted_at is None
    # The old confirmation, still in the chat, was for the old card: the new one stays.
    await anna.press(yes)
    members = await db.all(select(Membership).order_by(Membership.id))
    assert members[1].deleted_at is None


async def test_long_comments_keep_ratings_in_one_message(tg, session, clock) -> None:
    clock.now = NOW
    merchant = await make_merchant(session, clock)
    book = Book(session, merchant)
    await book.member("zed", local(9, 1))
    for day in range(1, 13):
        await book.buy("zed", local(11, day), 500, stars=1, comment="Too slow. " * 100)
    text = (await tg(OWNER).send("/ratings")).text
    assert len(text) < 4096 and text.count("…</i>") == 10  # ten newest, each cut short
