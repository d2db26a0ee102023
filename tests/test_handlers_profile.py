"""Profile, language, history, help and the fallback, as a member sees them."""

from __future__ import annotations

from aiogram.methods import EditMessageText, SendMessage
from sqlalchemy import select

from db.models import Customer, Membership
from tests.telegram import reply_buttons


async def test_profile_shows_what_is_set(anna) -> None:
    sent = await anna.send("/profile")
    assert "Birthday: not set" in sent.text and "Phone: not set" in sent.text
    assert "News and offers: off" in sent.text
    assert sent.button("Set birthday") and sent.button("Share phone")


async def test_birthday_bad_dates_get_clear_messages_and_store_nothing(db, anna) -> None:
    profile = await anna.send("/profile")
    ask = await anna.press(profile.button("Set birthday"))
    assert "DD.MM" in ask.text
    replies = {text: (await anna.send(text)).text for text in ["31.02", "12.05.2099", "abc"]}
    assert "no such date" in replies["31.02"]
    assert "in the future" in replies["12.05.2099"]
    assert "couldn't read that date" in replies["abc"]
    customer = await db.scalar(select(Customer))
    assert customer.birthday_month is None


async def test_birthday_is_confirmed_then_locked(db, anna) -> None:
    await anna.press((await anna.send("/profile")).button("Set birthday"))
    preview = await anna.send("24.05.1990")
    assert "Save 24 May 1990 as your birthday?" in preview.text
    assert (await db.scalar(select(Customer))).birthday_month is None  # not before Save
    saved = await anna.press(preview.button("Save"))
    assert "Saved: 24 May 1990" in saved.of(EditMessageText)[0].text
    customer = await db.scalar(select(Customer))
    assert (customer.birthday_day, customer.birthday_month, customer.birthday_year) == (
        24,
        5,
        1990,
    )
    # Pressing Save again, or trying to set another date, changes nothing.
    again = await anna.press(preview.button("Save"))
    assert "ask the staff" in again.toasts[0]
    profile = await anna.send("/profile")
    assert "Birthday: 24 May 1990" in profile.text and "ask the staff" in profile.text
    assert "Set birthday" not in str(profile)


async def test_birthday_reenter_asks_again(db, anna) -> None:
    await anna.press((await anna.send("/profile")).button("Set birthday"))
    preview = await anna.send("24.05")
    await anna.press(preview.button("Re-enter"))
    second = await anna.send("25.06")
    assert "Save 25 June as your birthday?" in second.text
    await anna.press(second.button("Save"))
    customer = await db.scalar(select(Customer))
    assert (customer.birthday_day, customer.birthday_month, customer.birthday_year) == (
        25,
        6,
        None,
    )


async def test_phone_is_saved_only_when_it_is_ones_own(db, anna) -> None:
    asked = await anna.press((await anna.send("/profile")).button("Share phone"))
    assert "📱 Share my phone" in reply_buttons(asked.of(SendMessage)[-1])
    someone_else = await anna.share_contact("+48 600 700 800", owner_id=999)
    assert "your own number" in someone_else.text
    assert (await db.scalar(select(Customer))).phone is None
    own = await anna.share_contact("48600700800")
    assert "phone is saved" in own.text and "+48 *** *** 800" in own.text
    assert (await db.scalar(select(Customer))).phone == "+48600700800"
    removed = await anna.press(own.button("Remove phone"))
    assert "Phone: not set" in removed.of(EditMessageText)[0].text
    assert (await db.scalar(select(Customer))).phone is None


async def test_marketing_can_be_switched_from_the_profile(db, anna) -> None:
    on = await anna.press((await anna.send("/profile")).button("Get news and offers"))
    assert "News and offers: on" in on.of(EditMessageText)[0].text
    assert (await db.scalar(select(Membership))).marketing_opt_in is True
    off = await anna.press(on.button("Stop news and offers"))
    assert "News and offers: off" in off.of(EditMessageText)[0].text
    assert (await db.scalar(select(Membership))).marketing_opt_in is False


async def test_history_is_paginated(db, anna) -> None:
    empty = await anna.send("/history")
    assert "No points yet" in empty.text
    for amount in range(1, 13):
        await db.credit(101, amount * 10, "cashback")
    first = await anna.send("/history")
    assert "page 1 of 2" in first.text and "+120" in first.text and "Cashback" in first.text
    assert "Balance: <b>780 points</b>" in first.text
    second = await anna.press(first.button("▶️"))
    page2 = second.of(EditMessageText)[0].text
    assert "page 2 of 2" in page2 and "+10" in page2 and "+120" not in page2


async def test_help_lists_the_commands(anna) -> None:
    sent = await anna.send("/help")
    for command in ["/card", "/code", "/invite", "/history", "/profile", "/language"]:
        assert command in sent.text


async def test_free_text_from_a_member_is_offered_to_the_staff(anna) -> None:
    # Free text is a message to the place (handlers/chat.py); a stray payment code is not.
    sent = await anna.send("what's up?")
    assert "Send this to" in sent.text and sent.button("Send")
    code = await anna.send("123456")
    assert "didn't get that" in code.text and "💳 Card" in reply_buttons(code[-1])
    stale = await anna.press("some:old:button")
    assert stale.toasts == ["This button is no longer active."]


async def test_language_follows_telegram_then_the_users_choice(tg, db) -> None:
    ivan = tg(303, first_name="Иван", language_code="ru")
    rules = await ivan.send("/start")
    assert "Правила программы" in rules.text  # Telegram's language before any choice
    await ivan.press(rules.button("Принять"))
    choose = await ivan.send("/language")
    chosen = await ivan.press(choose.button("Polski"))
    assert "Polski" in chosen.of(EditMessageText)[0].text
    assert "💳 Karta" in reply_buttons(chosen.of(SendMessage)[-1])
    assert (await db.scalar(select(Customer))).language == "pl"
    card = await ivan.send("💳 Karta")  # the Polish menu button works
    assert "Poziom:" in card.text


async def test_unsupported_telegram_language_falls_back_to_the_default(tg) -> None:
    sent = await tg(404, language_code="de").send("/start")
    assert "Program rules" in sent.text


async def test_hungarian_card_formats_numbers_and_money(tg, db) -> None:
    eva = tg(505, first_name="Éva", language_code="hu")
    await eva.press((await eva.send("/start")).button("Elfogadom"))
    await db.credit(505, 123456)
    text = (await eva.send("/card")).text
    assert "1\u00a0234,56\u00a0€" in text or "1\u00a0234,56\u00a0EUR" in text


async def test_commands_work_in_the_middle_of_a_form(db, anna) -> None:
    await anna.press((await anna.send("/profile")).button("Set birthday"))
    assert "/card" in (await anna.send("/help")).text
    assert "Choose your language" in (await anna.send("/language")).text
    preview = await anna.send("24.05")  # the form is still waiting
    assert "Save 24 May" in preview.text


async def test_pressing_the_same_page_twice_is_harmless(db, anna) -> None:
    for amount in range(12):
        await db.credit(101, amount + 1)
    first = await anna.send("/history")
    nxt = first.button("▶️")
    await anna.press(nxt)
    again = await anna.press(nxt)  # Telegram: "message is not modified"
    assert again.toasts == [""]  # answered quietly, no apology


async def test_a_merchant_name_with_html_characters_is_escaped(tg, db, settings) -> None:
    settings.merchant_name = "Tom & Jerry <Bar>"
    anna = tg(101)
    sent = await anna.send("/start")
    assert "Tom &amp; Jerry &lt;Bar&gt;" in sent.text
    joined = await anna.press(sent.button("Accept"))
    assert "went wrong" not in joined.text and "news and special offers" in joined.text
