"""The business card through the dispatcher: the owner edits every field in the chat (valid and
invalid input), each edit is audited, and a member opens the card from the menu and /about."""

from __future__ import annotations

from typing import Any

from aiogram.methods import SendLocation, SendMessage, SendPhoto, SendVenue
from sqlalchemy import select

from db.models import AuditLog, BusinessCard
from handlers.ui.business_render import BizEdit, EditAction
from services.business import CardField
from tests.telegram import Sent, TgUser, join
from tests.test_handlers_sale import OWNER

PHOTO = {"photo": [{"file_id": "cafe-photo", "file_unique_id": "u1", "width": 90, "height": 90}]}
LOCATION = {"location": {"latitude": 52.2297, "longitude": 21.0122}}


def edit(field: CardField, action: EditAction = EditAction.FIELD, value: int = 0) -> str:
    return BizEdit(action=action, field=field, value=value).pack()


async def send_other(user: TgUser, fields: dict[str, Any]) -> Sent:
    return await user._feed(message=user._message(**fields))


async def card_row(db) -> BusinessCard:
    row = await db.scalar(select(BusinessCard))
    assert isinstance(row, BusinessCard)
    return row


async def audit(db) -> list[tuple[str, str | None]]:
    rows = await db.all(select(AuditLog).order_by(AuditLog.id))
    return [(r.action, r.target) for r in rows if r.action.startswith(("business", "news"))]


async def fill_card(owner: TgUser) -> None:
    """The owner sets every field, each through its button."""
    await owner.press(edit(CardField.PHOTO))
    await send_other(owner, PHOTO)
    await owner.press(edit(CardField.DESCRIPTION))
    await owner.send("Coffee & cake since 1999.")
    await owner.press(edit(CardField.ADDRESS))
    await owner.send("ul. Nowy Świat 1, Warszawa")
    await owner.press(edit(CardField.LOCATION))
    await send_other(owner, LOCATION)
    await owner.press(edit(CardField.HOURS))
    await owner.press(edit(CardField.HOURS, EditAction.DAY, 7))  # Monday to Friday
    await owner.send("8-20")
    await owner.press(edit(CardField.HOURS, EditAction.DAY, 5))
    await owner.send("10-14, 15-18")
    await owner.press(edit(CardField.PHONE))
    await owner.send("+48 600 100 200")
    await owner.press(edit(CardField.LINKS))
    await owner.send("Instagram https://instagram.com/ourcafe")


async def test_an_empty_card_says_so(tg) -> None:
    anna = tg(101)
    await join(anna)
    sent = await anna.send("/about")
    assert "Test Café" in sent.text and "not filled in its card yet" in sent.text
    assert sent.button("📰 News")


async def test_the_owner_edits_every_field_and_each_edit_is_audited(tg, db) -> None:
    owner = tg(OWNER)
    first = await owner.send("/business")
    assert "This is the card members see" in first.text
    assert first.button("📷 Photo") and first.button("🕒 Hours")
    asked = await owner.press(edit(CardField.DESCRIPTION))
    assert "up to 1000 characters" in asked.text
    await fill_card(owner)
    row = await card_row(db)
    assert row.photo == "cafe-photo"
    assert row.description == "Coffee & cake since 1999."
    assert row.address == "ul. Nowy Świat 1, Warszawa"
    assert (row.latitude, row.longitude) == (52.2297, 21.0122)
    assert row.opening_hours == (
        "08:00-20:00|08:00-20:00|08:00-20:00|08:00-20:00|08:00-20:00|10:00-14:00,15:00-18:00|"
    )
    assert row.phone == "+48600100200"
    assert row.links == "Instagram https://instagram.com/ourcafe"
    assert row.updated_by == OWNER
    edits = [target for action, target in await audit(db) if action == "business_card_edit"]
    assert edits == [
        "photo",
        "description",
        "address",
        "location",
        "hours",
        "hours",
        "phone",
        "links",
    ]


async def test_a_member_opens_the_card_from_the_menu(tg, db, clock) -> None:
    owner, anna = tg(OWNER), tg(101)
    await fill_card(owner)
    await join(anna)
    # 10 March 2026, 12:00 UTC is a Tuesday, 13:00 in Warsaw: open.
    sent = await anna.send("ℹ️ About us")
    photo = sent.of(SendPhoto)[0]
    assert photo.photo == "cafe-photo"
    caption = photo.caption
    assert "<b>Test Café</b>" in caption and "Coffee &amp; cake since 1999." in caption
    assert "ul. Nowy Świat 1" in caption and "+48600100200" in caption
    assert "Today: 08:00–20:00" in caption and "Open now" in caption
    buttons = {b.text: b for row in photo.reply_markup.inline_keyboard for b in row}
    assert buttons["Instagram"].url == "https://instagram.com/ourcafe"
    week = await anna.press(buttons["🕒 Week"].callback_data)
    assert "Monday: 08:00–20:00" in week.text and "Sunday: closed" in week.text
    assert "<b>Tuesday: 08:00–20:00</b>" in week.text  # today
    assert "Saturday: 10:00–14:00, 15:00–18:00" in week.text
    venue = (await anna.press(buttons["📍 Map"].callback_data)).of(SendVenue)[0]
    assert (venue.latitude, venue.longitude) == (52.2297, 21.0122)
    assert venue.address == "ul. Nowy Świat 1, Warszawa"
    # Saturday 19:00 in Warsaw: closed until Monday 8:00.
    clock.advance(days=4, hours=6)
    closed = (await anna.send("/about")).of(SendPhoto)[0].caption
    assert "Today: 10:00–14:00, 15:00–18:00" in closed
    assert "Closed now, opens Monday at 08:00" in closed


async def test_the_card_in_polish_names_days_and_times_the_polish_way(tg, clock) -> None:
    owner, ola = tg(OWNER), tg(102, language_code="pl")
    await owner.press(edit(CardField.HOURS, EditAction.DAY, 1))
    await owner.send("9-17")
    await join(ola)
    clock.advance(hours=6)  # Tuesday 19:00 in Warsaw: closed until next Tuesday
    sent = await ola.send("/about")
    assert "09:00–17:00" in sent.text
    week = await ola.press(sent.button("🕒"))
    assert "Wtorek: 09:00–17:00" in week.text and "Poniedziałek: zamknięte" in week.text


async def test_invalid_input_is_refused_and_nothing_changes(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.DESCRIPTION))
    refused = await owner.send("x" * 1001)
    assert "That is 1001 characters; the limit is 1000 characters." in refused.text
    await owner.press(edit(CardField.HOURS, EditAction.DAY, 0))
    assert "couldn't read those hours" in (await owner.send("8 to 20")).text
    assert "overlap" in (await owner.send("9-13, 12-18")).text
    await owner.press(edit(CardField.PHONE))
    assert "doesn't look like a phone number" in (await owner.send("call us")).text
    await owner.press(edit(CardField.LINKS))
    assert "starting with https://" in (await owner.send("Site http://cafe.example")).text
    assert "starting with https://" in (await owner.send("Site javascript:alert(1)")).text
    assert "Send a name, a space and the link" in (await owner.send("https://x.example")).text
    assert await db.count(BusinessCard) == 0
    assert await audit(db) == []
    # The step waits: a valid link now is saved.
    assert "Saved" in (await owner.send("Menu https://cafe.example/menu")).text
    assert (await card_row(db)).links == "Menu https://cafe.example/menu"


async def test_a_step_asks_again_for_what_it_cannot_take(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.PHOTO))
    assert "Send a photo" in (await owner.send("a photo, please")).text
    await owner.press(edit(CardField.LOCATION))
    assert "Share the location" in (await send_other(owner, PHOTO)).text
    assert "OK, cancelled." in (await owner.send("/cancel")).text
    assert await db.count(BusinessCard) == 0


async def test_fields_are_removed_and_links_kept_up_to_five(tg, db) -> None:
    owner = tg(OWNER)
    await fill_card(owner)
    for n in range(4):
        await owner.press(edit(CardField.LINKS))
        await owner.send(f"Link{n} https://cafe.example/{n}")
    await owner.press(edit(CardField.LINKS))
    assert "5 links already" in (await owner.send("Six https://cafe.example/6")).text
    shown = await owner.press(edit(CardField.LINKS))
    remove = shown.button("🗑 Instagram")
    await owner.press(remove)
    assert "Instagram" not in ((await card_row(db)).links or "")
    stale = await owner.press(remove)  # the same button again: nothing more removed
    assert "removed already" in stale.toasts[0]
    assert len(((await card_row(db)).links or "").splitlines()) == 4
    for field in (CardField.PHOTO, CardField.LOCATION, CardField.HOURS, CardField.PHONE):
        await owner.press(edit(field, EditAction.CLEAR))
    row = await card_row(db)
    assert (row.photo, row.latitude, row.opening_hours, row.phone) == (None, None, None, None)
    anna = tg(101)
    await join(anna)
    sent = await anna.send("/about")
    assert not sent.of(SendPhoto) and not sent.of(SendLocation)
    assert "Today" not in sent.text and sent.button_or_none("📍 Map") is None
    assert sent.of(SendMessage)[0].reply_markup is not None


async def test_someone_who_has_not_joined_sees_the_card_too(tg) -> None:
    owner, guest = tg(OWNER), tg(103)
    await owner.press(edit(CardField.ADDRESS))
    await owner.send("Main square 1")
    sent = await guest.send("/about")
    assert "Main square 1" in sent.text and "Program rules" not in sent.text


async def test_two_admins_make_the_card_at_once(session_factory, clock) -> None:
    """The first edits of two admins at the same moment: one row, both fields, two audits."""
    import asyncio

    from services.business import BusinessService

    async def as_owner(work: Any) -> None:
        async with session_factory() as session:
            await work(BusinessService(session, (OWNER,), clock))

    async with session_factory() as session:
        from tests.factories import make_merchant

        merchant = await make_merchant(session, clock)
    await asyncio.gather(
        as_owner(lambda s: s.set_phone(merchant.id, OWNER, "+48 600 100 200")),
        as_owner(lambda s: s.set_address(merchant.id, OWNER, "Main square 1")),
    )
    async with session_factory() as session:
        card = await session.get(BusinessCard, merchant.id)
        assert card is not None and (card.phone, card.address) == ("+48600100200", "Main square 1")
        edits = (await session.scalars(select(AuditLog.target))).all()
        assert sorted(edits) == ["address", "phone"]
