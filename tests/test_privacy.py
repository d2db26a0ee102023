"""A member's own data: erasure leaves nothing of them in any table, and /mydata gives them
everything, in their language, and never anyone else's."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

from aiogram.methods import SendDocument, SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import Customer, Merchant, NpsAnswer, Outbox, Purchase
from db.models.ledger import LedgerEntry
from db.models.members import Membership
from db.models.staff import AuditLog
from handlers.ui.callbacks import CatalogCb, NpsScore, ProfileAction, ProfileCb
from services.catalog import CatalogService
from services.jobs import JobService
from tests.telegram import Sent, TgUser, hire, join
from tests.test_handlers_sale import OWNER

ZOFIA = 987_654_321
NAME = "Zofiaqx"
PHONE = "48600123457"
COMMENT = "The croissant was stale qx7"
NPS_COMMENT = "Too loud in here qx7"
ADJUST_REASON = "Rozlana kawa qx7"  # what an admin wrote about her, with points
DOWNLOAD = ProfileCb(action=ProfileAction.DATA).pack()
BIRTHDAY = ("24.05.1990", "1990-05-24")
NEEDLES = (str(ZOFIA), NAME, PHONE, COMMENT, NPS_COMMENT, ADJUST_REASON, *BIRTHDAY)


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None or isinstance(value, bool | int) else str(value)


async def traces(session: AsyncSession, needles: tuple[str, ...]) -> set[str]:
    """Which needles appear anywhere in the database: in the text of any column of any table
    (String and Text above all, JSON or bytes as text), or as a whole number (the Telegram id
    in a chat id)."""
    found: set[str] = set()
    async with session.begin():
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.key]
                    if isinstance(value, int) and not isinstance(value, bool):
                        found |= {n for n in needles if str(value) == n}
                    text = _as_text(value).lower()
                    found |= {n for n in needles if text and n.lower() in text}
    return found


async def sell(db, cashier: TgUser, customer: TgUser, amount: str) -> Sent:
    await customer.send("/code")
    preview = await cashier.send(f"/sale {await db.pay_code(customer.id)} {amount}")
    return await cashier.press(preview.button("Confirm"))


def stars(done: Sent, chat_id: int, n: int) -> str:
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == chat_id)
    return str(receipt.reply_markup.inline_keyboard[0][n - 1].callback_data)


async def rate(done: Sent, customer: TgUser, n: int, comment: str) -> None:
    await customer.press(stars(done, customer.id, n))
    await customer.send(comment)


async def answer_nps(db, customer: TgUser, score: int, comment: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    from db.models import Membership

    member_id = await db.scalar(
        select(Membership.id).join(Customer).where(Customer.telegram_id == customer.id)
    )
    async with db.factory() as s, s.begin():  # the survey of 10 March was sent to them
        await s.execute(
            update(Membership)
            .where(Membership.id == member_id)
            .values(nps_asked_at=datetime(2026, 3, 10, 9, tzinfo=UTC))
        )
    await customer.press(NpsScore(survey=f"{member_id}-20260310", score=score).pack())
    await customer.send(comment)


def downloaded(user: TgUser, sent: Sent) -> dict[str, Any]:
    (document,) = sent.of(SendDocument)
    assert document.chat_id == user.id
    name, content = user.session.uploads[-1]
    assert name.startswith("my-data-") and name.endswith(".json")
    data: dict[str, Any] = json.loads(content.decode("utf-8"))
    data["_caption"] = document.caption
    return data


async def test_erasure_leaves_nothing_of_the_person_in_any_table(
    tg, db, session: AsyncSession, clock
) -> None:
    owner, admin = tg(OWNER), tg(51, first_name="Ola")
    kasia = tg(50, first_name="Kasia")
    await hire(owner, kasia)
    await hire(owner, admin, role="admin")
    async with session.begin():
        await session.execute(update(Merchant).values(daily_purchases_flag=1))
    catalog = CatalogService(session, (OWNER,), clock)
    latte = await catalog.add_item(1, OWNER, "Coffee | Latte | 4.00")

    rita = tg(201, first_name="Rita")
    await join(rita)
    invite = (await rita.send("/invite")).texts[0].split()[-1]
    zofia = tg(ZOFIA, first_name=NAME)
    await zofia.press((await zofia.send("/start " + invite.split("start=")[1])).button("✅"))
    fred = tg(202, first_name="Fred")
    own_link = (await zofia.send("/invite")).texts[0].split()[-1]
    await fred.press((await fred.send("/start " + own_link.split("start=")[1])).button("✅"))

    # Her profile: birthday, phone, news.
    await zofia.press((await zofia.send("/profile")).button("Set birthday"))
    await zofia.press((await zofia.send("24.05.1990")).button("Save"))
    await zofia.share_contact(PHONE)
    await zofia.press((await zofia.send("/profile")).button("Get news and offers"))

    # A purchase (a daily flag and a note to Rita name her), a low rating with a comment
    # (alerts name her and quote it), an NPS comment, her friend's purchase (a note to her
    # names him), a pre-order (an alert to the admins), two cart reminders.
    done = await sell(db, kasia, zofia, "12.00")
    flags = [m.text for m in done.of(SendMessage) if m.chat_id == OWNER]
    assert any(NAME in text for text in flags)
    assert any(NAME in m.text for m in done.of(SendMessage) if m.chat_id == rita.id)
    await rate(done, zofia, 1, COMMENT)
    await answer_nps(db, zofia, 3, NPS_COMMENT)
    await sell(db, kasia, fred, "8.00")
    await zofia.press(CatalogCb(action="add", value=str(latte.id)).pack())
    ordered = await zofia.press(CatalogCb(action="checkout").pack())
    assert any("pre-order" in m.text for m in ordered.of(SendMessage) if m.chat_id == OWNER)
    await zofia.press(CatalogCb(action="add", value=str(latte.id)).pack())
    # An admin adjusts her points with a reason (the ledger's note, the audit's details).
    number = await db.scalar(
        select(Membership.id).join(Customer).where(Customer.telegram_id == ZOFIA)
    )
    await admin.press((await admin.send(f"/customer #{number}")).button("Adjust points"))
    await admin.send("+50")
    assert (await admin.press((await admin.send(ADJUST_REASON)).button("Save"))).toasts == [
        "Saved."
    ]
    jobs = JobService(session, clock)
    clock.advance(hours=3)
    assert await jobs.cart_reminders() == 1
    clock.advance(hours=25)
    assert await jobs.cart_reminders() == 1  # two keys that erasure once made one

    async with session.begin():
        pending = Outbox(
            merchant_id=1,
            chat_id=OWNER,
            kind="low_rating",
            priority=0,
            dedupe_key="comment:999:low_rating:1",
            payload='{"stars": 1}',
            status="pending",
            not_before=clock() + timedelta(days=1),
            created_at=clock(),
        )
        session.add(pending)  # someone else's alert waiting: untouched

    # The walk below finds what she left everywhere (her birthday is kept as numbers).
    assert await traces(session, NEEDLES) == set(NEEDLES) - set(BIRTHDAY)
    profile = await zofia.send("/profile")
    ask = await zofia.press(profile.button("Leave the program"))
    assert "Your data is deleted" in (await zofia.press(ask.button("Yes, delete"))).text

    # What the owner and the admins read: no comment of hers, no name.
    ratings = (await owner.send("/ratings")).text
    assert "★" in ratings and COMMENT not in ratings and NAME not in ratings
    for reader in (owner, admin):
        sent = await reader.send("/export")
        assert len(sent.of(SendDocument)) == 4
        for name, content in reader.session.uploads[-4:]:
            text = content.decode("utf-8-sig")
            for needle in (COMMENT, NPS_COMMENT, ADJUST_REASON, NAME, PHONE, str(ZOFIA)):
                assert needle not in text, (reader.id, name, needle)
        purchases = list(csv.DictReader(io.StringIO(reader.session.uploads[-3][1].decode())))
        assert {r["rating"] for r in purchases} == {"1", ""}  # her stars stay, anonymous

    # Every text column of every table (and any other value as text), every whole number:
    # nothing of her. Before she left, the same walk found each of them.
    assert await traces(session, NEEDLES) == set()
    async with session.begin():
        # The merchant's figures stay: her stars, her score, her purchase.
        rated = (await session.scalars(select(Purchase).where(Purchase.rating == 1))).one()
        assert rated.rating_comment is None
        assert await session.scalar(select(Customer).where(Customer.birthday_year == 1990)) is None
        assert (await session.scalars(select(NpsAnswer.score))).all() == [3]
        # The adjustment stays, without its reason: the points in the ledger, the delta in
        # the audit.
        adjusted = (
            await session.scalars(select(LedgerEntry).where(LedgerEntry.reason == "adjustment"))
        ).one()
        assert (adjusted.membership_id, adjusted.delta_minor, adjusted.note) == (number, 50, None)
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "points_adjust"))
        ).one()
        assert (audit.target, audit.details) == (str(number), "+50")
        waiting = await session.get(Outbox, pending.id)
        assert waiting is not None and (waiting.status, waiting.payload) == (
            "pending",
            '{"stars": 1}',
        )
        alerts = (await session.scalars(select(Outbox).where(Outbox.chat_id == OWNER))).all()
        hers = [
            a
            for a in alerts
            if a.dedupe_key.startswith(("order:", f"sale:{rated.id}:", f"comment:{rated.id}:"))
        ]
        assert {a.kind for a in hers} == {"low_rating", "daily_flag", "new_order"}
        assert all(a.payload == "{}" for a in hers)


async def test_download_has_everything_in_the_members_language(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    ola = tg(303, first_name="Ola", language_code="pl")
    await join(ola)
    await ola.press((await ola.send("/profile")).button("🔔"))  # news: on
    await ola.press((await ola.send("/profile")).button("🎂"))
    await ola.press((await ola.send("24.05.1990")).button("✅"))
    done = await sell(db, kasia, ola, "12.50")
    await rate(done, ola, 2, "Zimna kawa")
    await answer_nps(db, ola, 9, "Miło")

    profile = await ola.send("/profile")
    data = downloaded(ola, await ola.press(profile.button("📦")))
    assert data["format"] == "loyalty-bot/my-data" and data["labels_language"] == "pl"
    assert "Wszystko" in data["_caption"] and "Test Café" in data["_caption"]
    person = data["person"]
    assert (person["telegram_id"], person["first_name"]) == (303, "Ola")
    assert person["birthday"] == {"day": 24, "month": 5, "year": 1990}
    assert person["birthday_label"] == "24 maja 1990"
    (member,) = data["memberships"]
    assert member["merchant"]["name"] == "Test Café" and member["currency"] == "EUR"
    consents = member["consents"]
    assert consents["rules_version"] == 1 and consents["news_opt_in"] is True
    assert consents["rules_accepted_at"].endswith("+01:00")  # Warsaw in March
    assert datetime.fromisoformat(consents["news_changed_at"])
    (purchase,) = member["purchases"]
    assert (purchase["amount_minor"], purchase["amount"], purchase["currency"]) == (
        1250,
        "12.50",
        "EUR",
    )
    assert purchase["amount_label"] == "12,50\u00a0€"
    assert (purchase["rating"], purchase["comment"]) == (2, "Zimna kawa")
    assert purchase["status_label"] == "Potwierdzony"
    assert [(a["score"], a["comment"]) for a in member["nps_answers"]] == [(9, "Miło")]
    (cashback,) = [e for e in member["ledger"] if e["reason"] == "cashback"]
    assert cashback["points"] == 37 and cashback["purchase"] == purchase["purchase"]
    assert cashback["reason_label"] == "Cashback"
    receipt = next(m for m in member["messages"] if m["kind"] == "receipt")
    assert receipt["status"] == "sent" and receipt["kind_label"] == "Paragon za zakup"

    command = downloaded(ola, await ola.send("/mydata"))
    assert command["memberships"][0]["purchases"] == member["purchases"]


async def test_nobody_gets_anyone_elses_file(tg, db) -> None:
    owner, kasia = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    anna, ben = tg(101, first_name="Anna"), tg(102, first_name="Ben")
    await join(anna)
    await join(ben)
    await rate(await sell(db, kasia, anna, "5"), anna, 1, "Anna's secret")

    # The same button pressed by another member: their own file, nothing of Anna's.
    mine = downloaded(ben, await ben.press(DOWNLOAD))
    assert mine["person"]["telegram_id"] == 102
    assert "Anna" not in json.dumps(mine, ensure_ascii=False)
    # The owner is a member too and got the alert that quoted Anna: their file has their
    # own messages (kind, status, times), nothing of what the alert said.
    await join(owner)
    own = downloaded(owner, await owner.press(DOWNLOAD))
    assert own["person"]["telegram_id"] == OWNER
    assert "low_rating" in {m["kind"] for m in own["memberships"][0]["messages"]}
    assert "Anna" not in json.dumps(own, ensure_ascii=False)
    # A forged button naming Anna's id, a cashier, a stranger: no file at all.
    forged = await ben.press(DOWNLOAD + ":101")
    assert not forged.of(SendDocument) and forged.toasts == ["This button is no longer active."]
    for outsider in (kasia, tg(404)):
        for sent in (await outsider.press(DOWNLOAD), await outsider.send("/mydata")):
            assert not sent.of(SendDocument)
            # The /start prompt; the cashier, who is not a member, gets the staff help.
            assert ("At the till" if outsider is kasia else "Program rules") in sent.text
    # Anna leaves: her old button gives nothing any more.
    await anna.press(
        (await anna.press((await anna.send("/profile")).button("Leave"))).button("Yes")
    )
    stale = await anna.press(DOWNLOAD)
    assert not stale.of(SendDocument) and "Program rules" in stale.text
