"""Promo pushes: validation, audiences, and the whole /push flow through the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select, update

from db.models import Campaign, Customer, Membership, Outbox
from services.campaigns.content import (
    Segment,
    check_button,
    check_text,
    parse_segment,
    parse_send_at,
    visible_length,
)
from services.errors import PushRefused
from tests.telegram import join

OWNER = 1


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("x" * 1000, True),
        ("<b>" + "x" * 1000 + "</b>", True),  # tags are not characters the customer sees
        ("Fish &amp; chips", True),
        ('<a href="https://x.pl">menu</a>', True),
        ("<b>open", False),
        ("<div>no</div>", False),
        ("Fish & chips", False),
        ("<b><i>x</b></i>", False),
    ],
)
def test_push_text_rules(text: str, ok: bool) -> None:
    if ok:
        assert check_text(text) == text
    else:
        with pytest.raises(PushRefused):
            check_text(text)


def test_a_1001_character_push_is_refused_with_the_count() -> None:
    with pytest.raises(PushRefused) as error:
        check_text("y" * 1001)
    assert (error.value.reason, error.value.count) == ("too_long", 1001)
    assert visible_length("<b>ab</b>&amp;") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Menu | https://cafe.pl/menu", ("Menu", "https://cafe.pl/menu")),
        ("https://cafe.pl", ("", "https://cafe.pl")),
    ],
)
def test_button_rules(text: str, expected: tuple[str, str]) -> None:
    assert check_button(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Menu | ftp://cafe.pl", "Menu | cafe", "javascript:alert(1)", "x" * 41 + " | https://a.pl"],
)
def test_bad_buttons_are_refused(text: str) -> None:
    with pytest.raises(PushRefused):
        check_button(text)


@pytest.mark.parametrize(
    ("key", "segment"),
    [
        ("all", Segment("all")),
        ("inactive:30", Segment("inactive", "30")),
        ("lang:pl", Segment("lang", "pl")),
    ],
)
def test_segments(key: str, segment: Segment) -> None:
    assert parse_segment(key) == segment


@pytest.mark.parametrize("key", ["everyone", "inactive:x", "inactive:0", "lang:de", "level:"])
def test_bad_segments(key: str) -> None:
    with pytest.raises(PushRefused):
        parse_segment(key)


def test_send_time_is_the_next_such_moment_in_the_merchants_zone() -> None:
    now = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)  # 13:00 in Warsaw
    assert parse_send_at("30.12 14:00", now, "Europe/Warsaw") == datetime(
        2026, 12, 30, 13, 0, tzinfo=UTC
    )
    assert parse_send_at("02.01 09:00", now, "Europe/Warsaw").year == 2027
    # Passed more than 30 days ago: next year's, not a mistake.
    assert parse_send_at("20.11 10:00", now, "Europe/Warsaw").year == 2027
    for bad in ["31.02 10:00", "tomorrow", "24.12", "24.12 25:00"]:
        with pytest.raises(PushRefused):
            parse_send_at(bad, now, "Europe/Warsaw")


@pytest.mark.parametrize("text", ["30.12 12:59", "30.12 09:00", "01.12 10:00"])
def test_a_time_passed_within_30_days_is_refused_not_moved_a_year(text: str) -> None:
    now = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)  # 13:00 in Warsaw
    with pytest.raises(PushRefused) as error:
        parse_send_at(text, now, "Europe/Warsaw")
    assert error.value.reason == "past"


async def test_push_from_text_to_delivery(tg, db) -> None:
    owner = tg(OWNER)
    fans = [tg(100 + i, first_name=f"Fan{i}") for i in range(3)]
    for fan in fans:
        await join(fan, offers=True)
    await join(tg(200), offers=False)
    async with db.factory() as s, s.begin():  # one fan blocked the bot
        await s.execute(
            update(Customer).where(Customer.telegram_id == 102).values(bot_blocked=True)
        )
    assert "Send the text" in (await owner.send("/push")).text
    assert "1001 characters" in (await owner.send("y" * 1001)).text
    # Bold made with the client's formatting arrives as an entity and becomes HTML.
    bold = [{"type": "bold", "offset": 0, "length": 11}]
    extras = await owner.send("Two for one on Friday & Saturday!", entities=bold)
    assert "Add a photo or a link button" in extras.text
    # A link at the photo-or-link step is the button: no photo, on to who gets it.
    assert "link is not valid" in (await owner.send("Menu | cafe")).text
    who = await owner.send("Menu | https://cafe.example/menu")
    preview = await owner.press(who.button("Everyone who opted in (2)"))
    assert preview.texts[0] == "<b>Two for one</b> on Friday &amp; Saturday!"
    assert "Everyone who opted in: 2 recipients." in preview.texts[1]
    send = preview.button("Send now")
    sent = await owner.press(send)
    assert "Push #1 queued for 2 members" in sent.text
    got = {m.chat_id: m for m in sent.of(SendMessage) if m.chat_id in (100, 101, 102, 200)}
    assert set(got) == {100, 101}
    assert got[100].reply_markup.inline_keyboard[0][0].url == "https://cafe.example/menu"
    summary = [m for m in sent.of(SendMessage) if m.chat_id == OWNER and "is done" in m.text]
    assert summary and "Delivered: 2 of 2" in summary[0].text
    again = await owner.press(send)  # pressed twice: still one campaign
    assert "no longer open" in again.text
    assert await db.count(Campaign) == 1 and await db.count(Outbox) == 2 + 1
    status = await owner.send("/push status")
    assert "#1" in status.text and "Everyone who opted in: 2 sent" in status.text


async def test_scheduled_push_waits_and_can_be_stopped(tg, db) -> None:
    owner, fan = tg(OWNER), tg(100)
    await join(fan, offers=True)
    await owner.send("/push")
    extras = await owner.send("Soup of the day")
    who = await owner.press(extras.button("Skip"))
    preview = await owner.press(who.button("Everyone who opted in"))
    await owner.press(preview.button("Schedule"))
    queued = await owner.send("24.12 18:30")
    assert "Push #1 queued for 1 member," in queued.text
    assert not [m for m in queued.of(SendMessage) if m.chat_id == 100]  # not yet
    status = await owner.send("/push status")
    stopped = await owner.press(status.button("Stop push #1"))
    assert "1 message will not be sent" in stopped.toasts[0]
    rows = await db.all(select(Outbox.status).where(Outbox.campaign_id == 1))
    assert rows == ["cancelled"]


async def test_segments_count_the_right_members(tg, db) -> None:
    owner = tg(OWNER)
    for i, lang in enumerate(["en", "pl", "pl"]):
        await join(tg(100 + i, language_code=lang), offers=True)
    async with db.factory() as s, s.begin():
        await s.execute(update(Membership).where(Membership.id == 1).values(level_rank=2))
    await owner.send("/push")
    extras = await owner.send("Hi")
    who = await owner.press(extras.button("Skip"))
    langs = await owner.press(who.button("By language"))
    assert "Polish speakers: 2 recipients." in (await owner.press(langs.button("Polski"))).text
    levels = await owner.press(who.button("By level"))
    assert ": 1 recipient." in (await owner.press(levels.button("Gold"))).text
    await owner.press(who.button("Inactive for N days"))
    assert "Inactive 30 days: 3 recipients." in (await owner.send("30")).text
    assert "Only the admins" in (await tg(100).send("/push")).text
