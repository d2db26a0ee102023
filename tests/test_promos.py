"""/promos through the production dispatcher: a promotion made from the form end to end (its
row, its audit, the program's version raised), saved once on a double press, listed in
Russian, ended (asked first, once), announced as a push up to the push's preview; what the form
refuses, and the extra stamps offered only to a place with a stamp card."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import select, update

from db.models import AuditLog, Merchant, Promotion, Reward
from services import program
from services.policy.promotions import PromotionRule
from services.promotions import MAX_LIVE, PromotionService
from tests.telegram import TgUser, join

OWNER = 1
SAVED = "Saved. It applies from the next purchase."


async def version(db) -> int:
    return int(await db.scalar(select(Merchant.program_version).where(Merchant.id == 1)))


async def make_promo(owner: TgUser, *steps: str, name: str = "Happy hours"):
    """/promos, New, the name, then each step: a typed value or a button's packed data."""
    await owner.send("/promos")
    await owner.press("prm:new:0")
    sent = await owner.send(name)
    for step in steps:
        sent = await (owner.press(step) if step.startswith("prmd:") else owner.send(step))
    return sent


WORKDAY_LUNCH = (
    "prmd:x:200",
    "prmd:day:5",  # Saturday off
    "prmd:day:6",  # Sunday off
    "prmd:dd:0",
    "12-15",
    "1.12–31.12",
    "prmd:lv:1",  # from Silver
)


async def test_a_promotion_from_the_form_end_to_end(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")  # the place is made on the first update
    before = await version(db)
    preview = await make_promo(owner, *WORKDAY_LUNCH)
    assert "×2 points · Mon–Fri 12:00–15:00 · 1–31 Dec 2026 · from Silver" in preview.text
    assert await db.count(Promotion) == 0  # nothing before Save
    saved = await owner.press(preview.button("Save"))
    assert saved.texts[0] == "Saved. It applies from 1 Dec 2026."  # upcoming: says from when
    assert "🕒 <b>Happy hours</b> · Upcoming" in saved.texts[1]
    assert saved.button_or_none("Announce") and saved.button_or_none("End now")
    [row] = await db.all(select(Promotion))
    assert (row.merchant_id, row.name, row.multiplier_pct, row.extra_stamps) == (
        1,
        "Happy hours",
        200,
        0,
    )
    assert (row.weekdays, row.start_minute, row.end_minute) == (0b11111, 720, 900)
    assert (row.starts_on, row.ends_on, row.min_level_rank) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
        1,
    )
    assert (row.created_by, row.ended_at) == (OWNER, None)
    [audit] = await db.all(select(AuditLog).where(AuditLog.action == "promotion_add"))
    assert (audit.actor_telegram_id, audit.target, audit.details) == (OWNER, str(row.id), row.name)
    assert await version(db) > before
    listed = await owner.send("/promos")
    assert "Upcoming" in listed.text and "• Happy hours: ×2 points" in listed.text
    log = await owner.send("/audit")
    assert "Promotion created — “Happy hours”" in log.text


async def test_save_pressed_twice_saves_one(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    preview = await make_promo(owner, "prmd:x:300", "prmd:dd:0", "prmd:ad:0", "prmd:aw:0")
    preview = await owner.press("prmd:lv:0")
    assert "×3 points · every day" in preview.text
    await owner.press(preview.button("Save"))
    again = await owner.press(preview.button("Save"))
    assert again.toasts == ["This form is no longer open. Start again with /promos."]
    assert await db.count(Promotion) == 1
    # Two presses that both passed the form meet in the service: the second gets the first.
    rule = PromotionRule(id=0, name="Triple", multiplier_pct=300)
    ids = []
    for _ in range(2):
        async with session_factory() as session:
            view = await PromotionService(session, (OWNER,), clock).add(1, OWNER, rule)
            ids.append(view.rule.id)
    assert ids[0] == ids[1] and await db.count(Promotion) == 2
    adds = await db.all(select(AuditLog).where(AuditLog.action == "promotion_add"))
    assert len(adds) == 2


async def test_two_saves_at_once_save_one(tg, db, session_factory, clock) -> None:
    """Two presses in flight together (two replicas): the version's row lock orders them, and
    the second finds the first's promotion."""
    await tg(OWNER).send("/promos")
    rule = PromotionRule(id=0, name="Lunch", multiplier_pct=200, start_minute=720, end_minute=900)

    async def save() -> int:
        async with session_factory() as session:
            view = await PromotionService(session, (OWNER,), clock).add(1, OWNER, rule)
            return view.rule.id

    first, second = await asyncio.gather(save(), save())
    assert first == second and await db.count(Promotion) == 1
    assert len(await db.all(select(AuditLog).where(AuditLog.action == "promotion_add"))) == 1


async def test_the_list_in_russian(tg, db) -> None:
    owner = tg(OWNER, language_code="ru")
    await make_promo(owner, *WORKDAY_LUNCH, name="Обед")
    await owner.press("prmd:save:0")
    await make_promo(owner, "1.5", "prmd:dd:0", "22-02", "prmd:aw:0", "prmd:lv:0", name="Ночь")
    await owner.press("prmd:save:0")
    listed = await owner.send("/promos")
    assert "Сейчас действуют" in listed.text and "Скоро" in listed.text
    assert "• Ночь: баллы ×1,5 · каждый день 22:00–02:00" in listed.text
    assert "• Обед: баллы ×2 · пн–пт 12:00–15:00 · 1—31 дек. 2026\u202fг. · с уровня Серебро" in (
        listed.text
    )


async def test_end_now_asks_first_and_ends_once(tg, db) -> None:
    owner = tg(OWNER)
    await make_promo(owner, "prmd:x:200", "prmd:dd:0", "prmd:ad:0", "prmd:aw:0", "prmd:lv:0")
    saved = await owner.press("prmd:save:0")
    assert "🟢 <b>Happy hours</b> · Running now" in saved.text
    before = await version(db)
    asked = await owner.press(saved.button("End now"))
    assert "End “Happy hours” now?" in asked.text
    assert (await db.all(select(Promotion)))[0].ended_at is None
    ended = await owner.press(asked.button("Yes, end it"))
    assert ended.text == "Ended: “Happy hours”. Purchases from now on earn without it."
    [row] = await db.all(select(Promotion))
    assert row.ended_at is not None
    assert await version(db) > before
    again = await owner.press(asked.button("Yes, end it"))
    assert again.text == "“Happy hours” has ended already."
    assert len(await db.all(select(AuditLog).where(AuditLog.action == "promotion_end"))) == 1
    listed = await owner.send("/promos")
    assert "Ended" in listed.text and listed.button_or_none("Happy hours") is None
    # The program the purchase path reads has it no more.
    async with db.factory() as session, session.begin():
        assert (await program.load(session, 1)).promotions == ()


async def test_announce_leads_to_the_push_preview(tg, db) -> None:
    anna = tg(101)
    await join(anna, offers=True)
    owner = tg(OWNER, language_code="ru")  # the announcement is in the place's language
    await make_promo(owner, *WORKDAY_LUNCH)
    saved = await owner.press("prmd:save:0")
    who = await owner.press(saved.button("📣"))
    assert "Кому отправить?" in who.text
    preview = await owner.press(who.button("(1)"))
    text = "⚡ <b>Happy hours</b>: ×2 points · Mon–Fri 12:00–15:00 · 1–31 Dec 2026 · from Silver!"
    assert preview.texts[0] == text
    sent = await owner.press(preview.button("📣"))
    assert any(text in t for t in sent.to(101))


async def test_what_the_form_refuses(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    await owner.press("prm:new:0")
    long = await owner.send("x" * 1001)
    assert long.text == "A name can have at most 60 characters."
    await owner.send("Happy hours")
    for bad in ("abc", "1e9", "²", "0.5"):
        said = await owner.send(bad)
        assert said.text.startswith("Send how many times the points"), bad
    await owner.send("2")
    typed = await owner.send("Mon-Fri")  # a button step: asked again
    assert typed.texts[0] == "Please answer with the buttons below, or /cancel to stop."
    assert typed.texts[1].startswith("On which days?") and typed.button_or_none("Next")
    helped = await owner.send("/help")  # a command still works in the middle of the form
    assert "/promos" in helped.text and "Please answer with the buttons" not in helped.text
    off = [await owner.press(f"prmd:day:{d}") for d in range(6)]
    assert all(s.toasts == [""] for s in off)
    last = await owner.press("prmd:day:6")
    assert last.toasts == ["Keep at least one day."]
    await owner.press("prmd:dd:0")
    assert (await owner.send("25-99")).text.startswith("Send the hours like 12-15")
    await owner.send("8-10")
    assert (await owner.send("31.02")).text.startswith("There is no such day")
    assert (await owner.send("2026-01-01 – 2026-02-01")).text.startswith("Those dates have passed")
    assert (await owner.send("2026-12-31 – 2026-12-01")).text.startswith("The last day is before")
    stale = await owner.press("prmd:x:200")  # a button of an earlier step
    assert stale.toasts == ["That step is answered already."]
    never = await owner.send("24.12")  # a Thursday: Sundays only would never apply
    assert never.text.startswith("None of those dates falls on the days you chose")
    levels = await owner.send("20.12")
    assert "For which members?" in levels.text
    preview = await owner.press("prmd:lv:0")
    assert "×2 points · Sun 08:00–10:00 · 20 Dec 2026" in preview.text
    assert await db.count(Promotion) == 0


async def test_extra_stamps_only_with_a_stamp_card(tg, db, clock) -> None:
    owner = tg(OWNER)
    gives = await make_promo(owner)
    assert gives.button_or_none("No extra points") is None
    assert "Extra stamps" not in (await owner.press("prmd:x:200")).text
    async with db.factory() as session, session.begin():
        reward = Reward(merchant_id=1, name="Coffee", listed=False, created_at=clock())
        session.add(reward)
        await session.flush()
        await session.execute(update(Merchant).values(stamps_needed=10, stamp_reward_id=reward.id))
    gives = await make_promo(owner, name="Stamp week")
    stamps = await owner.press(gives.button("No extra points"))
    assert "Extra stamps for each stamped purchase?" in stamps.text
    await owner.press("prmd:st:2")
    await owner.press("prmd:dd:0")
    await owner.press("prmd:ad:0")
    await owner.press("prmd:aw:0")
    preview = await owner.press("prmd:lv:0")
    assert "+2 stamps · every day" in preview.text
    await owner.press("prmd:save:0")
    [row] = await db.all(select(Promotion))
    assert (row.multiplier_pct, row.extra_stamps) == (100, 2)


async def test_at_most_twenty_live_promotions(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    async with session_factory() as session:
        service = PromotionService(session, (OWNER,), clock)
        for n in range(MAX_LIVE):
            await service.add(1, OWNER, PromotionRule(id=0, name=f"P{n}"))
    await owner.send("/promos")
    refused = await owner.press("prm:new:0")  # said when New is pressed, before the name
    assert refused.toasts == ["A place can run 20 promotions at a time. End one first."]
    assert not refused.texts  # no name asked
    said = await owner.send("Too many")  # not taken as a name: the form never opened
    assert "How many points" not in said.text
    assert await db.count(Promotion) == MAX_LIVE


async def test_a_running_promotion_is_announced_until_its_last_day(tg, db) -> None:
    await join(tg(101), offers=True)
    owner = tg(OWNER)
    await make_promo(owner, "2", "prmd:dd:0", "prmd:ad:0", "1.3–31.3", "prmd:lv:0")
    saved = await owner.press("prmd:save:0")
    assert "Running now" in saved.text and "1–31 Mar 2026" in saved.text
    who = await owner.press(saved.button("📣"))
    preview = await owner.press(who.button("(1)"))
    assert preview.texts[0] == "⚡ <b>Happy hours</b>: ×2 points · every day · until 31 Mar 2026!"
