"""Staff alerts name their merchant when the deployment has several; the low-rating alert's
buttons act in the sale's own merchant (the presser's role checked there) and their messages
are stamped with it; goodwill only for a confirmed, low-rated sale of an unblocked member; a
reply tells who answered meanwhile (issue 14, the reviewers' second pass)."""

from __future__ import annotations

from sqlalchemy import select, update

from db.models import AuditLog, ChatMessage, LedgerEntry, Membership, Outbox, Staff
from tests.factories import make_merchant, make_staff
from tests.telegram import Sent, TgUser, hire, join
from tests.test_chat import team_and_sale

OWNER, ADA, KASIA, ANNA, EWA = 1, 60, 50, 101, 61
NORD = "🏪 <b>Café nord</b>"
CAFE = "🏪 <b>Test Café</b>"
STAFF_ONLY = "This is for the staff of this place."


async def two_places(tg, db, session_factory, clock) -> tuple[TgUser, TgUser, TgUser, Sent]:
    """Ada admin of Test Café (where she works) and of Café nord; Kasia a cashier of the
    Nord, where Anna rated sale #1 one star. Returns the owner, Ada, Anna and the rating."""
    owner, ada = tg(OWNER), tg(ADA, first_name="Ada")
    kasia, anna = tg(KASIA, first_name="Kasia"), tg(ANNA, first_name="Anna")
    await hire(owner, ada, "admin")
    async with session_factory() as session:
        await make_merchant(session, clock, slug="nord")
    await owner.press((await owner.send("/merchant")).button("Café nord"))
    joined = await hire(owner, ada, "admin")
    assert NORD + "\n👋 Ada accepted the invitation and joined the team as an admin." in (
        joined.to(OWNER)
    )
    await hire(owner, kasia)
    await owner.press((await owner.send("/merchant")).button("Test Café"))
    await join(anna, "mnord")
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(ANNA)} 10")
    await kasia.press(preview.button("Confirm"))
    rated = await anna.press("rate:1:1")
    return owner, ada, anna, rated


async def test_alerts_name_the_merchant_when_there_are_several(
    tg, db, session_factory, clock
) -> None:
    _owner, _ada, _anna, rated = await two_places(tg, db, session_factory, clock)
    for chat in (OWNER, ADA):
        (alert,) = rated.to(chat)
        assert alert.startswith(NORD + "\n⚠️ Low rating ★ for sale #1 (€10) by Kasia"), alert
    row = await db.scalar(select(Outbox).where(Outbox.kind == "low_rating"))
    assert '"place":"Café nord"' in row.payload


async def test_one_merchant_alone_needs_no_name(tg, db) -> None:
    owner, ada = tg(OWNER), tg(ADA, first_name="Ada")
    joined = await hire(owner, ada, "admin")
    assert joined.to(OWNER) == ["👋 Ada accepted the invitation and joined the team as an admin."]
    row = await db.scalar(select(Outbox).where(Outbox.kind == "staff_joined"))
    assert "place" not in row.payload  # written as before: older releases read it


async def test_goodwill_and_reply_act_in_the_sales_merchant_and_are_stamped_with_it(
    tg, db, session_factory, clock
) -> None:
    _owner, ada, _anna, _rated = await two_places(tg, db, session_factory, clock)
    nord = await db.scalar(select(Staff.merchant_id).where(Staff.telegram_id == KASIA))
    assert (await ada.send("/staff")).text.startswith(CAFE)  # she works in the Café
    offer = await ada.press("gw:1")
    assert offer.text.startswith(NORD + "\n🎁 How many goodwill points"), offer.text
    done = await ada.press(offer.button("100 points"))
    assert done.toasts == ["Saved."]
    assert (
        done.texts[0] == NORD + "\n🎁 100 points given to the customer of sale #1. We told them."
    )
    assert done.to(ANNA) and "Café nord" in done.to(ANNA)[0]
    entries = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "goodwill"))
    assert [(e.delta_minor, e.purchase_id) for e in entries] == [(100, 1)]
    audit = await db.scalar(select(AuditLog).where(AuditLog.action == "goodwill_points"))
    assert (audit.merchant_id, audit.actor_telegram_id, audit.target) == (nord, ADA, "1")

    prompt = await ada.press("rrep:1")
    assert prompt.text.startswith(NORD + "\n") and "Write your answer to Anna" in prompt.text
    answered = await ada.send("Sorry, we will do better.")
    assert answered.to(ADA) == [NORD + "\n✅ Your answer was sent to Anna."]
    assert answered.to(ANNA) == ["💬 Café nord: Sorry, we will do better."]
    assert (await ada.send("/staff")).text.startswith(CAFE)  # nothing left over


async def test_an_admin_of_a_third_merchant_learns_nothing_of_the_sale(
    tg, db, session_factory, clock
) -> None:
    await two_places(tg, db, session_factory, clock)
    async with session_factory() as session:
        other = await make_merchant(session, clock, slug="other")
        await make_staff(session, clock, other, EWA, role="admin")
    ewa = tg(EWA)
    for data in ("gw:1", "cust:gw:1:100", "cust:gwt:1:0"):
        assert (await ewa.press(data)).toasts == ["There is no such sale here."], data
    refused = await ewa.press("rrep:1")
    assert refused.toasts == ["Only the admins of this place can answer messages."]
    assert await db.all(select(AuditLog).where(AuditLog.action == "goodwill_points")) == []


async def sale_of(tg, db, stars: int | None) -> tuple[TgUser, TgUser]:
    """Admin Adam, Anna's sale #1 confirmed by Kasia (tests/test_chat.py), rated `stars` if
    given."""
    _owner, admin, kasia, anna = await team_and_sale(tg, db)
    if stars is not None:
        await anna.press(f"rate:1:{stars}")
    return admin, kasia


async def goodwill_count(db) -> int:
    return len(await db.all(select(LedgerEntry).where(LedgerEntry.reason == "goodwill")))


async def test_goodwill_needs_a_confirmed_low_rated_sale(tg, db) -> None:
    ada, kasia = await sale_of(tg, db, stars=5)
    for data in ("gw:1", "cust:gw:1:50", "cust:gwt:1:0"):
        said = await ada.press(data)
        assert said.toasts == ["Goodwill points are for a sale rated low (1 or 2 stars)."], data
    await tg(ANNA).send("/code")
    await kasia.send(f"/sale {await db.pay_code(ANNA)} 20")  # sale #2: a draft, never confirmed
    said = await ada.press("cust:gw:2:50")
    assert said.toasts == ["Goodwill points are for a confirmed sale that was not refunded."]
    assert await goodwill_count(db) == 0


async def test_no_goodwill_for_a_sale_refunded_in_full(tg, db) -> None:
    ada, kasia = await sale_of(tg, db, stars=1)
    asked = await kasia.send("/refund 1 12.50")
    await kasia.press(asked.button("Refund"))
    said = await ada.press("gw:1")
    assert said.toasts == ["Goodwill points are for a confirmed sale that was not refunded."]
    assert await goodwill_count(db) == 0


async def test_no_goodwill_for_a_blocked_member(tg, db, session_factory, clock) -> None:
    ada, _kasia = await sale_of(tg, db, stars=2)
    offer = await ada.press("gw:1")
    async with session_factory() as session, session.begin():
        await session.execute(update(Membership).values(blocked_at=clock.now))
    for data in ("gw:1", offer.button("100 points")):
        said = await ada.press(data)
        assert said.toasts == ["The card is paused: unblock it first."], data
    typed = await ada.press(offer.button("Another amount"))
    assert typed.toasts == ["The card is paused: unblock it first."]
    assert await goodwill_count(db) == 0


async def test_a_second_answer_meanwhile_is_sent_and_said(tg, db) -> None:
    owner, ada = tg(OWNER), tg(ADA, first_name="Ada")
    ewa = tg(EWA, first_name="Ewa")
    await hire(owner, ada, "admin")
    await hire(owner, ewa, "admin")
    anna = tg(ANNA, first_name="Anna")
    await join(anna)
    offer = await anna.send("Are you open on Sunday?")
    sent = await anna.press(offer.button("Send"))
    reply = sent.button("Reply")
    first, second = await ada.press(reply), await ewa.press(reply)
    assert "already answered" not in first.text + second.text
    assert "Your answer was sent" in (await ada.send("Yes, from 10.")).text
    late = await ewa.send("Yes, 10 to 16.")
    assert late.to(EWA) == ["⚠️ Ada answered meanwhile; your answer was sent too."]
    assert late.to(ANNA) == ["💬 Test Café: Yes, 10 to 16."]
    message = await db.scalar(select(ChatMessage).where(ChatMessage.author == "member"))
    assert message.answered_by == ADA
    # Warned at the prompt already: the confirmation is the usual one.
    warned = await owner.press(reply)
    assert "Ada has already answered this message" in warned.text
    assert (await owner.send("Welcome!")).to(OWNER) == ["✅ Your answer was sent to Anna."]


async def test_a_new_admin_gets_alerts_in_their_language_from_the_first_one(tg, db) -> None:
    from db.models import StaffLanguage

    owner, ada = tg(OWNER), tg(ADA, first_name="Ada", language_code="pl")
    await hire(owner, ada, "admin")  # her only message: the invite's /start
    rows = await db.all(select(StaffLanguage).where(StaffLanguage.telegram_id == ADA))
    assert [r.language for r in rows] == ["pl"]
    kasia, anna = tg(KASIA, first_name="Kasia"), tg(ANNA, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(ANNA)} 10")
    await kasia.press(preview.button("Confirm"))
    (alert,) = (await anna.press("rate:1:1")).to(ADA)
    assert "Niska ocena" in alert, alert
    # A link that is no invite keeps nothing of someone who is nobody here.
    await tg(EWA, language_code="hu").send("/start nothing")
    assert await db.all(select(StaffLanguage).where(StaffLanguage.telegram_id == EWA)) == []


async def test_a_new_cashier_is_remembered_from_their_next_message_as_before(tg, db) -> None:
    from db.models import StaffLanguage

    owner, kasia = tg(OWNER), tg(KASIA, first_name="Kasia", language_code="hu")
    await hire(owner, kasia)  # a cashier gets no alerts: nothing kept at the link
    assert await db.all(select(StaffLanguage).where(StaffLanguage.telegram_id == KASIA)) == []
    await kasia.send("/help")
    rows = await db.all(select(StaffLanguage).where(StaffLanguage.telegram_id == KASIA))
    assert [r.language for r in rows] == ["hu"]


async def test_pre_order_alerts_name_the_merchant_too(tg, db, session_factory, clock) -> None:
    from tests.test_preorders import order_two_flat_whites

    owner, anna = tg(OWNER), tg(ANNA)
    await owner.send("/help")  # the default merchant first
    async with session_factory() as session:
        await make_merchant(session, clock, slug="nord")
    ordered = await order_two_flat_whites(owner, anna)
    (new,) = ordered.to(OWNER)
    assert new.startswith(CAFE + "\n🛍 New pre-order #1: Flat white × 2."), new
    ask = await anna.press(ordered.button("Cancel the order"))
    done = await anna.press(ask.button("Yes, cancel it"))
    assert done.to(OWNER) == [CAFE + "\n✖️ The customer cancelled pre-order #1: Flat white × 2."]


async def test_a_daily_flag_and_a_pause_name_the_merchant(
    tg, db, settings, session_factory, clock
) -> None:
    settings.daily_purchases_flag = 2
    owner, kasia = tg(OWNER), tg(KASIA, first_name="Kasia")
    anna = tg(ANNA, first_name="Anna")
    await hire(owner, kasia)
    async with session_factory() as session:
        await make_merchant(session, clock, slug="nord")
    await join(anna)
    flagged: list[str] = []
    for _ in range(2):
        await anna.send("/code")
        preview = await kasia.send(f"/sale {await db.pay_code(ANNA)} 10")
        flagged += (await kasia.press(preview.button("Confirm"))).to(OWNER)
    assert flagged == [
        CAFE + "\n🚩 Purchases per customer per day (flagged every 2): Anna has made 2 "
        "purchases today, €20 in all; latest sale #2."
    ]
    paused = [await kasia.send(f"/sale 00000{n} 10") for n in range(1, 6)]
    told = [t for sent in paused for t in sent.to(OWNER)]
    assert told == [
        CAFE + "\n⏸ Kasia entered too many wrong codes; their sales are paused for 10 minutes."
    ]
