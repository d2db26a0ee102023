"""Joining through the production dispatcher: rules, consent, deep links, the gate."""

from __future__ import annotations

import logging

from aiogram.methods import EditMessageReplyMarkup, SendMessage
from sqlalchemy import select

from db.models import Customer, Membership, PaymentCode
from tests.telegram import Sent, TgUser, join, reply_buttons


async def test_start_shows_rules_and_stores_nothing(tg, db) -> None:
    anna = tg(101)
    sent = await anna.send("/start")
    assert "Program rules" in sent.text and "Test Café" in sent.text
    assert sent.button("Accept").startswith("ok:")
    assert await db.count(Customer) == 0


async def test_accept_joins_shows_card_and_asks_about_offers(tg, db) -> None:
    anna = tg(101)
    data = (await anna.send("/start")).button("Accept")
    sent = await anna.press(data)
    assert sent.toasts == ["Welcome!"]
    assert sent.of(EditMessageReplyMarkup)  # the Accept button goes away
    assert "You are in" in sent.texts[0]
    assert "💳 Card" in reply_buttons(sent.of(SendMessage)[0])
    assert "Level: <b>🥉 Bronze</b>" in sent.texts[1]
    assert "news and special offers" in sent.texts[2]
    member = await db.scalar(select(Membership))
    customer = await db.scalar(select(Customer))
    assert member is not None and customer is not None
    assert member.consent_version == 1 and member.consented_at is not None
    assert member.marketing_opt_in is False  # a separate question, not yet answered
    assert customer.telegram_id == 101 and customer.first_name == "Anna"


async def test_accept_twice_creates_one_membership(tg, db) -> None:
    anna = tg(101)
    data = (await anna.send("/start")).button("Accept")
    await anna.press(data)
    second = await anna.press(data)
    assert second.toasts == ["You are already a member."]
    assert second.texts == []
    assert await db.count(Membership) == 1


async def test_marketing_opt_in_is_stored(tg, db) -> None:
    anna = tg(101)
    data = (await anna.send("/start")).button("Accept")
    joined = await anna.press(data)
    sent = await anna.press(joined.button("Yes, send me offers"))
    assert "you will get news and offers" in sent.text
    member = await db.scalar(select(Membership))
    assert member is not None and member.marketing_opt_in is True
    assert member.marketing_changed_at is not None


async def test_someone_who_never_consented_gets_only_the_rules(tg, db) -> None:
    bob = tg(202)
    for text in ["/card", "/code", "hello", "/profile", "💳 Card", "/history"]:
        sent = await bob.send(text)
        assert len(sent.texts) == 1, text
        assert "Program rules" in sent.text, text
        assert sent.button("Accept")
    pressed = await bob.press("nav:code")
    assert "Program rules" in pressed.text
    assert await db.count(Customer) == 0


async def test_referral_link_links_the_friend(tg, db) -> None:
    anna, bob = tg(101), tg(202, first_name="Bob")
    await join(anna)
    invite = await anna.send("/invite")
    link = invite.texts[0].split()[-1]
    payload = link.split("start=")[1]
    await join(bob, payload)
    rows = {m.customer_id: m for m in await db.all(select(Membership))}
    customers = {c.telegram_id: c.id for c in await db.all(select(Customer))}
    assert rows[customers[202]].referrer_id == rows[customers[101]].id
    assert rows[customers[202]].source == "referral"


async def test_existing_member_with_a_referral_link_is_not_relinked(tg, db) -> None:
    anna, bob = tg(101), tg(202)
    await join(anna)
    await join(bob)
    link = (await anna.send("/invite")).texts[0].split()[-1]
    sent = await bob.send("/start " + link.split("start=")[1])
    assert "already a member" in sent.text
    assert "Level:" in sent.text  # and they see their card
    assert all(m.referrer_id is None for m in await db.all(select(Membership)))


async def test_malformed_payload_still_joins_and_logs_no_personal_data(tg, db, caplog) -> None:
    anna = tg(101, first_name="Zofia")
    caplog.set_level(logging.INFO)
    await join(anna, "rBAD!-xx-" + "z" * 80)
    await join(tg(102), "rNOSUCH12-squ")
    members = await db.all(select(Membership))
    assert len(members) == 2 and all(m.referrer_id is None for m in members)
    assert "qu" in {m.source for m in members}  # the valid part of a payload is kept
    ours = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("handlers", "bot", "services"))
    ]
    assert any("start payload partly ignored" in line for line in ours)
    assert any("unknown referral code ignored" in line for line in ours)
    assert not any("Zofia" in line or "101" in line or "NOSUCH" in line for line in ours)


async def test_source_tag_from_a_qr_poster_is_kept(tg, db) -> None:
    await join(tg(101), "sqr_counter")
    member = await db.scalar(select(Membership))
    assert member is not None and member.source == "qr_counter"


async def test_members_start_again_sees_the_card(anna) -> None:
    sent = await anna.send("/start")
    assert "Welcome back" in sent.text and "Balance:" in sent.text


async def test_staff_payment_link_opened_by_a_customer(anna) -> None:
    sent = await anna.send("/start p123456")
    assert "for the staff at the till" in sent.text


async def test_two_simultaneous_accepts_make_one_membership(tg, db) -> None:
    import asyncio

    anna = tg(101)
    data = (await anna.send("/start")).button("Accept")
    before = len(anna.session.requests)
    await asyncio.gather(anna.press(data), anna.press(data), anna.press(data))
    # Concurrent updates interleave their requests, so count them over the whole run.
    toasts = Sent(anna.session.requests[before:]).toasts
    assert sorted(toasts) == ["Welcome!", "You are already a member.", "You are already a member."]
    assert await db.count(Membership) == 1 and await db.count(Customer) == 1


async def test_commands_are_registered_for_each_language(bot, i18n) -> None:
    from aiogram.methods import SetMyCommands

    from bot.app import set_commands

    await set_commands(bot, i18n)
    calls = [m for m in bot.session.requests if isinstance(m, SetMyCommands)]
    assert sorted(c.language_code or "" for c in calls) == ["", "en", "hu", "pl", "ru"]
    for call in calls:
        assert [c.command for c in call.commands] == [
            "card",
            "code",
            "invite",
            "history",
            "rewards",
            "vouchers",
            "wallet",
            "catalog",
            "about",
            "partners",
            "orders",
            "profile",
            "mydata",
            "language",
            "help",
        ]
    russian = next(c for c in calls if c.language_code == "ru")
    english = next(c for c in calls if c.language_code == "en")
    assert russian.commands[0].description != english.commands[0].description


async def test_a_failing_handler_apologises_without_a_traceback(tg, monkeypatch, caplog) -> None:
    from services.members import MemberService

    anna = tg(101)
    await join(anna)

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(MemberService, "card", broken)
    sent = await anna.send("/card")
    assert sent.texts == ["Sorry, something went wrong. Please try again."]
    assert "RuntimeError" in caplog.text


async def test_a_second_merchant_is_joined_from_its_link(tg, db, session_factory, clock) -> None:
    from services.merchants import MerchantService

    anna = tg(101)
    await join(anna)  # the default merchant, created on the first update
    async with session_factory() as s:
        await MerchantService(s, clock).ensure_default(
            slug="bakery",
            name="Bread & Co",
            currency="PLN",
            timezone="Europe/Warsaw",
            language="pl",
        )
    rules = await anna.send("/start mbakery")
    assert "Bread &amp; Co" in rules.text and "Program rules" in rules.text
    joined = await anna.press(rules.button("Accept"))
    assert "Bread &amp; Co" in joined.text
    assert await db.count(Membership) == 2
    # Now the card is the bakery's; the café's link switches back without new rules.
    assert "Bread &amp; Co" in (await anna.send("/card")).text
    back = await anna.send("/start mmain")
    assert "Welcome back" in back.text and "Test Café" in back.text


async def test_group_chats_get_nothing(tg, db) -> None:

    anna = tg(101)
    await join(anna)
    group = TgUser(anna.dp, anna.bot, 101)
    group.chat = group.chat.model_copy(update={"id": -100123, "type": "supergroup"})
    for text in ["/code", "/card", "/start", "hello"]:
        assert (await group.send(text)) == [], text
    assert await db.count(PaymentCode) == 0


async def test_the_link_a_person_came_from_survives_other_messages(tg, db) -> None:
    anna, bob = tg(101), tg(202)
    await join(anna)
    link = (await anna.send("/invite")).texts[0].split()[-1]
    await bob.send("/start " + link.split("start=")[1] + "-sposter")
    later = await bob.send("hello?")  # the gate answers with the rules again...
    await bob.press(later.button("Accept"))  # ...and accepting from there keeps the link
    friend = await db.scalar(select(Membership).where(Membership.referrer_id.is_not(None)))
    assert friend is not None and friend.source == "poster"


async def test_forged_consent_version_is_refused(tg, db) -> None:
    anna = tg(101)
    sent = await anna.press("ok:1:999::")
    assert "rules have changed" in sent.toasts[0] and "Program rules" in sent.text
    assert await db.count(Membership) == 0


async def test_new_rules_are_accepted_again_and_the_card_comes_back(
    tg, db, settings, session_factory, i18n, clock
) -> None:
    from bot.app import create_dispatcher

    await join(tg(101))
    # The operator raises RULES_VERSION and restarts the bot.
    restarted = settings.model_copy(update={"rules_version": 2})
    dp = create_dispatcher(restarted, session_factory, i18n=i18n, clock=clock)
    anna = TgUser(dp, tg(101).bot, 101)
    gate = await anna.send("/card")
    assert "Program rules" in gate.text
    back = await anna.press(gate.button("Accept"))
    assert "Thank you: the new rules apply." in back.text and "Balance:" in back.text
    assert (await db.scalar(select(Membership))).consent_version == 2
    assert await db.count(Membership) == 1
