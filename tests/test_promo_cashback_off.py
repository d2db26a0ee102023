"""/promos at a place with cashback off and a stamp card, through the production dispatcher:
the form goes straight to extra stamps (no multiplier to offer, nor to type), and a running
promotion that only multiplies points is listed as giving nothing; a multiplier of a form
begun before cashback went off is refused. And a button of an earlier step of the still-open
form says that step is answered, leaving the form where it is."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Promotion
from tests.factories import make_promotion, set_stamp_card

OWNER = 1
OFF = "Cashback is off here: a promotion adds stamps."


async def cashback_off(tg, db) -> None:
    await tg(OWNER).send("/promos")  # the place is made on the first update
    async with db.factory() as session:
        await set_stamp_card(session, cashback_on=False)


async def test_the_form_offers_stamps_only(tg, db) -> None:
    await cashback_off(tg, db)
    owner = tg(OWNER)
    await owner.send("/promos")
    await owner.press("prm:new:0")
    stamps = await owner.send("Stamp week")
    assert OFF in stamps.text and "Extra stamps for each stamped purchase?" in stamps.text
    assert stamps.button_or_none("×2") is None and stamps.button_or_none("0") is None
    typed = await owner.send("2")  # a multiplier typed where stamps are asked
    assert "Please answer with the buttons below" in typed.texts[0]
    stale = await owner.press("prmd:x:200")  # a multiplier button of an older form
    assert stale.toasts == ["That step is answered already."]
    await owner.press("prmd:st:2")
    await owner.press("prmd:dd:0")
    await owner.press("prmd:ad:0")
    await owner.press("prmd:aw:0")
    preview = await owner.press("prmd:lv:0")
    assert "+2 stamps · every day" in preview.text and "points" not in preview.text
    await owner.press("prmd:save:0")
    [row] = await db.all(select(Promotion))
    assert (row.multiplier_pct, row.extra_stamps) == (100, 2)


async def test_a_multiplier_only_promotion_gives_nothing(tg, db) -> None:
    await cashback_off(tg, db)
    async with db.factory() as session:
        await make_promotion(session, "Double points")
        await make_promotion(session, "Stamp week", multiplier_pct=100, extra_stamps=1)
    listed = await tg(OWNER).send("/promos")
    running, idle = listed.text.split("⏸")
    assert "Stamp week" in running and "Double points" not in running
    assert "Gives nothing while cashback is off" in idle and "Double points: ×2 points" in idle
    page = await tg(OWNER).press(listed.button("Double points"))
    assert "gives nothing while cashback is off" in page.text and "Running now" not in page.text


async def test_an_earlier_steps_button_leaves_the_form(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    await owner.press("prm:new:0")
    await owner.send("Happy hours")
    await owner.press("prmd:x:200")
    await owner.press("prmd:dd:0")
    await owner.send("12-15")
    again = await owner.press("prmd:ad:0")  # All day, after the hours were typed
    assert again.toasts == ["That step is answered already."]
    await owner.press("prmd:aw:0")  # the form goes on at its step, the hours kept
    preview = await owner.press("prmd:lv:0")
    assert "×2 points · every day 12:00–15:00" in preview.text


async def test_a_multiplier_refused_once_cashback_is_off(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    await owner.press("prm:new:0")
    gives = await owner.send("Happy hours")  # cashback on: the multipliers are offered
    assert gives.button_or_none("×2")
    async with db.factory() as session:
        await set_stamp_card(session, cashback_on=False)  # turned off meanwhile
    refused = await owner.send("2")
    assert refused.text.startswith("Cashback is off here, so there are no points to multiply")
    pressed = await owner.press("prmd:x:150")
    assert pressed.toasts[0].startswith("Cashback is off here, so")
    assert await db.count(Promotion) == 0
