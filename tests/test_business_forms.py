"""The card's steps that take more than one value go on until Done: after a day's hours the
week waits for the next day (typed hours are answered "pick a day first", then checked once a
day is chosen); after a link, or a link removed, another link may be typed. Done ends the
step with the card; an old Done button does not end another step begun since."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditLog, BusinessCard
from handlers.ui.business_render import EditAction
from services.business import CardField
from services.business.values import link_key
from tests.test_business_card import PHOTO, card_row, edit, send_other
from tests.test_handlers_sale import OWNER

PICK = "Pick a day with the buttons first"
MONDAY_ONLY = "08:00-20:00||||||"


async def edits(db) -> int:
    rows = await db.all(select(AuditLog).where(AuditLog.action == "business_card_edit"))
    return len(rows)


async def test_after_a_day_the_week_waits_for_the_next_day(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.HOURS))
    await owner.press(edit(CardField.HOURS, EditAction.DAY, 0))
    saved = await owner.send("8-20")
    assert "Saved" in saved.text and "Monday: 08:00–20:00" in saved.text
    assert saved.button("Tue") and saved.button("Done")
    for typed in ("8-12, 11-14", "abc", "8:30-20"):  # no day chosen: none is taken
        said = await owner.send(typed)
        assert PICK in said.text, typed
        assert said.button("Tue") and said.button("Done")
    assert (await card_row(db)).opening_hours == MONDAY_ONLY and await edits(db) == 1
    await owner.press(saved.button("Tue"))
    assert "overlap" in (await owner.send("8-12, 11-14")).text
    assert "couldn't read those hours" in (await owner.send("abc")).text
    tuesday = await owner.send("8:30-20")
    assert "Tuesday: 08:30–20:00" in tuesday.text and tuesday.button("Done")
    assert (await card_row(db)).opening_hours == "08:00-20:00|08:30-20:00|||||"
    card = await owner.press(tuesday.button("Done"))
    assert "This is the card members see" in card.text and card.button("🕒 Hours")
    after = await owner.send("9-17")  # the form is over
    assert PICK not in after.text and "Saved" not in after.text
    assert (await card_row(db)).opening_hours == "08:00-20:00|08:30-20:00|||||"
    assert await edits(db) == 2


async def test_a_photo_in_the_week_asks_for_a_day(tg) -> None:
    owner = tg(OWNER)
    shown = await owner.press(edit(CardField.HOURS))
    assert "Choose a day" in shown.text and shown.button("Done")
    said = await send_other(owner, PHOTO)
    assert PICK in said.text


async def test_links_are_added_one_after_another_until_done(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.LINKS))
    first = await owner.send("Instagram https://instagram.com/ourcafe")
    assert "Send another link the same way, or press Done." in first.text
    assert first.button("➕ Add another link") and first.button("Done")
    second = await owner.send("Menu https://cafe.example/menu")  # typed again: added too
    assert "Saved" in second.text
    assert "Send a name, a space and the link" in (await owner.send("thanks!")).text
    asked = await owner.press(second.button("➕ Add another link"))
    assert "Send a name and an https link" in asked.text and asked.button("🗑 Menu")
    for n in range(3, 6):
        last = await owner.send(f"Link{n} https://cafe.example/{n}")
    assert "The card holds 5 links, the most it can." in last.text
    assert last.button_or_none("Add another") is None and last.button("Done")
    assert "5 links already" in (await owner.send("Six https://cafe.example/6")).text
    assert len(((await card_row(db)).links or "").splitlines()) == 5
    await owner.press(last.button("Done"))
    assert "Saved" not in (await owner.send("Seven https://cafe.example/7")).text
    assert len(((await card_row(db)).links or "").splitlines()) == 5


async def test_after_removing_a_link_a_new_one_may_be_typed(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.LINKS))
    await owner.send("Old https://old.example")
    shown = await owner.press(edit(CardField.LINKS))
    removed = await owner.press(shown.button("🗑 Old"))
    assert "Saved" in removed.text and "Send a name and an https link" in removed.text
    assert removed.button("Done")
    assert "Saved" in (await owner.send("New https://new.example")).text
    assert (await card_row(db)).links == "New https://new.example"
    stale = await owner.press(
        edit(CardField.LINKS, EditAction.UNLINK, link_key("https://old.example"))
    )
    assert "removed already" in stale.toasts[0]


async def test_an_old_done_button_does_not_end_another_step(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(edit(CardField.PHONE))
    shown = await owner.press(edit(CardField.DESCRIPTION))
    assert shown.button_or_none("Done") is None  # one value: saved and done
    card = await owner.press(edit(CardField.PHOTO, EditAction.DONE))
    assert "This is the card members see" in card.text
    assert "Saved" in (await owner.send("Coffee & cake.")).text
    assert (await card_row(db)).description == "Coffee & cake."
    assert await db.count(BusinessCard) == 1
