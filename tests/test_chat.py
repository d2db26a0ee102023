"""The live chat through the production dispatcher: a member's text offered, sent, received by
the admins with Reply, answered in the member's language; outside opening hours; /inbox when
nobody answered; the reply's limit; a second admin; Send pressed twice; erasure."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from db.models import AuditLog, BusinessCard, ChatDraft, ChatMessage, Outbox, Staff
from tests.telegram import TgUser, hire, join
from tests.test_handlers_sale import OWNER

ADMIN, SECOND, KASIA, ANNA = 20, 21, 50, 101


async def scene(tg) -> tuple[TgUser, TgUser, TgUser]:
    owner, admin = tg(OWNER), tg(ADMIN, first_name="Adam")
    await hire(owner, admin, "admin")
    anna = tg(ANNA, first_name="Anna")
    await join(anna)
    return owner, admin, anna


async def team_and_sale(tg, db) -> tuple[TgUser, TgUser, TgUser, TgUser]:
    """The owner, an admin (Adam) and a cashier (Kasia) hired, Anna joined, and sale #1 of
    12.50 to her confirmed."""
    owner, admin = tg(OWNER), tg(ADMIN, first_name="Adam")
    kasia, anna = tg(KASIA, first_name="Kasia"), tg(ANNA, first_name="Anna")
    await hire(owner, admin, "admin")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    sale = await kasia.send(f"/sale {await db.pay_code(ANNA)} 12.50")
    await kasia.press(sale.button("Confirm"))
    return owner, admin, kasia, anna


async def write(member: TgUser, text: str):
    offer = await member.send(text)
    assert "Send this to Test Café?" in offer.text
    return await member.press(offer.button("Send"))


async def test_a_message_reaches_the_admins_and_the_reply_reaches_the_member(tg, db) -> None:
    owner, admin, anna = await scene(tg)
    offer = await anna.send("Do you have oat milk?")
    assert "Send this to Test Café?" in offer.text
    assert await db.count(ChatMessage) == 0 and await db.count(ChatDraft) == 1
    sent = await anna.press(offer.button("Send"))
    assert "Sent to Test Café" in sent.text
    assert "We open" not in sent.text  # no hours given: nothing to promise
    to_admin = sent.to(ADMIN)
    assert to_admin and "Anna writes to Test Café" in to_admin[0] and "oat milk" in to_admin[0]
    assert sent.to(OWNER)  # the owners hear it too
    message = await db.scalar(select(ChatMessage))
    assert message.text == "Do you have oat milk?" and message.answered_at is None
    assert await db.count(ChatDraft) == 0
    reply = sent.button("Reply")
    prompt = await admin.press(reply)
    assert "Write your answer to Anna" in prompt.text and "1,000 characters" in prompt.text
    answered = await admin.send("Yes, every day!")
    assert "Your answer was sent to Anna" in answered.text
    assert answered.to(ANNA) == ["💬 Test Café: Yes, every day!"]
    rows = await db.all(select(ChatMessage).order_by(ChatMessage.id))
    assert [r.author for r in rows] == ["member", "staff"]
    assert rows[0].answered_by == ADMIN and rows[1].reply_to_id == rows[0].id
    audit = await db.all(select(AuditLog).where(AuditLog.action == "chat_reply"))
    assert [(a.actor_telegram_id, a.target) for a in audit] == [(ADMIN, str(rows[0].id))]
    # A second admin learns who answered, and may still add a reply.
    second = tg(SECOND, first_name="Ewa")
    await hire(owner, second, "admin")
    again = await second.press(reply)
    assert "Adam has already answered this message" in again.text
    added = await second.send("And oat cream too.")
    assert added.to(ANNA) == ["💬 Test Café: And oat cream too."]
    assert (
        await db.scalar(select(ChatMessage).where(ChatMessage.id == rows[0].id))
    ).answered_by == ADMIN


async def test_the_member_reads_in_their_language_and_the_admin_in_theirs(tg, db) -> None:
    owner = tg(OWNER)
    admin = tg(ADMIN, first_name="Adam", language_code="pl")
    await hire(owner, admin, "admin")
    await admin.send("/inbox")  # the bot learns the admin's language as they write
    olga = tg(ANNA, first_name="Olga", language_code="ru")
    await join(olga)
    offer = await olga.send("Можно заказать торт?")
    assert "Отправить это в Test Café?" in offer.text
    sent = await olga.press(offer.button("📨"))
    assert "Отправлено в Test Café" in sent.text
    assert sent.to(ADMIN) == ["💬 Olga pisze do Test Café:\n\nМожно заказать торт?"]
    prompt = await admin.press(sent.button("💬"))
    assert "Napisz odpowiedź (odbiorca: Olga, do 1000 znaków)" in prompt.text.replace("\xa0", "")
    answered = await admin.send("Tak!")
    assert "Odpowiedź wysłana (odbiorca: Olga)" in answered.text
    assert answered.to(ANNA) == ["💬 Test Café: Tak!"]


async def test_outside_opening_hours_the_member_is_told_when_to_expect_an_answer(
    tg, db, session_factory, clock
) -> None:
    await scene(tg)
    anna = tg(ANNA, first_name="Anna")
    # 10 March 2026 is a Tuesday; 12:00 UTC is 13:00 in Warsaw. Open Monday mornings only.
    async with session_factory() as s, s.begin():
        s.add(
            BusinessCard(
                merchant_id=1,
                opening_hours="08:00-12:00||||||",
                updated_at=datetime(2026, 3, 1, tzinfo=UTC),
                updated_by=OWNER,
            )
        )
    sent = await write(anna, "Are you open?")
    assert "We open at Monday 08:00; we'll answer then." in sent.text
    ru = tg(102, first_name="Ivan", language_code="ru")
    await join(ru)
    said = await write_any(ru, "Вы открыты?")
    assert "понедельник" in said.text.lower() and "08:00" in said.text
    # Within the hours, nothing is promised.
    clock.advance(days=6, hours=-4)  # Monday 16 March, 09:00 in Warsaw
    assert "We open" not in (await write(anna, "And now?")).text


async def write_any(member: TgUser, text: str):
    return await member.press((await member.send(text)).button("📨"))


async def test_nothing_is_lost_when_nobody_answers_inbox_lists_it(tg, db) -> None:
    owner, admin, anna = await scene(tg)
    await write(anna, "First question")
    await write(anna, "Second question")
    inbox = await admin.send("/inbox")
    assert "2 unanswered messages" in inbox.text
    assert "First question" in inbox.text and "Second question" in inbox.text
    answered = await admin.press(inbox.button("Reply to Anna: First"))
    assert "First question" in answered.text
    await admin.send("Answer one")
    assert "1 unanswered message:" in (await owner.send("/inbox")).text
    second = await owner.press((await owner.send("/inbox")).button("Reply to Anna: Second"))
    assert "Second question" in second.text
    await owner.send("Answer two")
    assert "No unanswered messages" in (await admin.send("/inbox")).text


async def test_a_reply_over_1000_characters_is_refused_with_its_length(tg, db) -> None:
    _owner, admin, anna = await scene(tg)
    sent = await write(anna, "Hello?")
    await admin.press(sent.button("Reply"))
    refused = await admin.send("x" * 1001)
    assert "That is 1,001 characters; the limit is 1,000" in refused.text
    assert not refused.to(ANNA)
    assert await db.count(ChatMessage) == 1
    ok = await admin.send("x" * 1000)
    assert ok.to(ANNA) and await db.count(ChatMessage) == 2


async def test_send_pressed_twice_sends_once_and_cancel_sends_nothing(tg, db) -> None:
    _owner, _admin, anna = await scene(tg)
    offer = await anna.send("Hi there")
    send = offer.button("Send")
    first = await anna.press(send)
    again = await anna.press(send)
    assert first.to(ADMIN) and not again.to(ADMIN)
    assert "already sent or cancelled" in " ".join(again.toasts + again.texts)
    assert await db.count(ChatMessage) == 1
    cancelled = await anna.press((await anna.send("Never mind")).button("Cancel"))
    assert "not sent" in cancelled.text and not cancelled.to(ADMIN)
    assert await db.count(ChatMessage) == 1 and await db.count(ChatDraft) == 0
    # A newer text replaces the draft: the older Send is stale.
    old = (await anna.send("one")).button("Send")
    await anna.send("two")
    assert not (await anna.press(old)).to(ADMIN)
    assert await db.count(ChatMessage) == 1


async def test_a_draft_expires(tg, db, clock) -> None:
    _owner, _admin, anna = await scene(tg)
    offer = await anna.send("Later")
    clock.advance(minutes=31)
    late = await anna.press(offer.button("Send"))
    assert "expired" in " ".join(late.toasts + late.texts) and not late.to(ADMIN)
    assert await db.count(ChatMessage) == 0


async def test_staff_and_non_members_keep_the_fallback(tg, db) -> None:
    owner, admin, anna = await scene(tg)
    kasia = tg(KASIA, first_name="Kasia")
    await hire(owner, kasia)
    stranger = tg(404)
    for person in (owner, admin, kasia):
        said = await person.send("hello bot")
        assert "Send this to" not in said.text, person.id
    assert "Send this to" not in (await stranger.send("hello bot")).text
    # A bare number is no message (a payment code typed in the wrong chat): the usual answer.
    assert "didn't get that" in (await anna.send("123 456")).text
    assert await db.count(ChatDraft) == 0


async def test_the_member_is_rate_limited(tg, db) -> None:
    _owner, _admin, anna = await scene(tg)
    for n in range(10):
        await write(anna, f"message {n}")
    refused = await anna.send("one more")
    assert "many messages this hour" in refused.text
    assert await db.count(ChatMessage) == 10


async def test_erasure_removes_the_members_chat(tg, db) -> None:
    _owner, admin, anna = await scene(tg)
    sent = await write(anna, "My secret question")
    await admin.press(sent.button("Reply"))
    await admin.send("Our answer")
    await anna.send("A draft left behind")
    await anna.press(
        (await anna.press((await anna.send("/profile")).button("Leave"))).button("Yes")
    )
    assert await db.count(ChatMessage) == 0 and await db.count(ChatDraft) == 0
    payloads = [o.payload for o in await db.all(select(Outbox))]
    assert not any("secret" in p or "Our answer" in p for p in payloads)
    stale = await admin.press(sent.button("Reply"))
    assert "no such message" in " ".join(stale.toasts + stale.texts)


async def test_an_admin_revoked_mid_answer_cannot_send_it(tg, db) -> None:
    owner, admin, anna = await scene(tg)
    sent = await write(anna, "Hello?")
    await admin.press(sent.button("Reply"))
    staff_id = await db.scalar(select(Staff.id).where(Staff.telegram_id == ADMIN))
    await owner.press(f"srev:{staff_id}")
    refused = await admin.send("Too late")
    assert "Only the admins of this place can answer messages." in refused.text
    assert not refused.to(ANNA) and await db.count(ChatMessage) == 1
    assert not await db.all(select(AuditLog).where(AuditLog.action == "chat_reply"))


async def test_the_same_update_twice_sends_once(tg, db) -> None:
    _owner, admin, anna = await scene(tg)
    offer = await anna.send("Once only")
    first = await anna.press(offer.button("Send"))
    again = await anna.replay()
    assert first.to(ADMIN) and not again.to(ADMIN)
    await admin.press(first.button("Reply"))
    answered = await admin.send("Sure")
    replayed = await admin.replay()
    assert answered.to(ANNA) and not replayed.to(ANNA)
    assert await db.count(ChatMessage) == 2


async def test_a_member_message_over_the_limit_is_refused_with_its_length(tg, db) -> None:
    _owner, _admin, anna = await scene(tg)
    refused = await anna.send("y" * 2001)
    assert "That is 2,001 characters; the limit is 2,000" in refused.text
    assert await db.count(ChatDraft) == 0


async def test_who_answered_a_rating_already_is_told_it_was_them(tg, db) -> None:
    owner, admin, _kasia, anna = await team_and_sale(tg, db)
    rated = await anna.press("rate:1:2")
    assert rated.button("💬 Reply") == "rrep:1"
    await owner.press("rrep:1")
    await owner.send("Sorry, we'll do better.")
    again = await owner.press("rrep:1")
    assert "You already answered this rating; you may still add a reply." in again.text
    assert "An owner" not in again.text
    assert "An owner has already answered this rating" in (await admin.press("rrep:1")).text
    added = await owner.send("Come again, coffee on us.")
    assert "Your answer was sent to Anna" in added.text
    assert len(await db.all(select(AuditLog).where(AuditLog.action == "rating_reply"))) == 2


async def test_who_answered_a_message_already_is_told_it_was_them(tg, db) -> None:
    owner, admin, anna = await scene(tg)
    sent = await write(anna, "Is the terrace open?")
    reply = sent.button("Reply")
    await admin.press(reply)
    await admin.send("Yes, from noon.")
    mine = await admin.press(reply)
    assert "You already answered this message; you may still add a reply." in mine.text
    assert "Adam" not in mine.text
    assert "Adam has already answered this message" in (await owner.press(reply)).text
    assert await db.count(ChatMessage) == 2
