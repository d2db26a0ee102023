"""/promos after its review, through the production dispatcher where a person sees it: one
name in any script's case (on SQLite too), every live promotion listed however old, a form that
refuses at the step what could never be saved or never apply (a taken name, too many, nothing
extra, dates off the chosen days), a name taken meanwhile leading back to the name, +N% as N %
more, dates in the reader's order, End now on a promotion over by date, a removed level, the
hours past midnight of a last day, and a Hungarian announcement without a dot before its "!"."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from db.models import AuditLog, Merchant, Promotion, Reward
from services.policy.promotions import Phase, PromotionRule, falls_on_weekdays, phase
from services.promotions import PromoRefused, PromotionService
from tests.telegram import TgUser, join
from tests.test_promos import OWNER, make_promo, version

EVERY_DAY = ("prmd:dd:0", "prmd:ad:0", "prmd:aw:0", "prmd:lv:0")
TAKEN = "A running promotion has this name already. Choose another name."
NOTHING = "A promotion must give more points or extra stamps."


async def put(db, clock, **fields) -> int:
    """A promotion written straight to the table (one the form would no longer take)."""
    async with db.factory() as session, session.begin():
        row = Promotion(merchant_id=1, created_by=OWNER, created_at=clock(), **fields)
        session.add(row)
        await session.flush()
        return row.id


async def test_a_name_in_another_case_of_any_script_is_taken(tg, db) -> None:
    owner = tg(OWNER)
    await make_promo(owner, "2", *EVERY_DAY, name="Обед")
    await owner.press("prmd:save:0")
    await owner.send("/promos")
    await owner.press("prm:new:0")
    taken = await owner.send("обед")  # told at the name step, not at Save
    assert taken.text == TAKEN
    gives = await owner.send("Ужин")  # the step waits for another name
    assert "How many points" in gives.text
    assert [p.name for p in await db.all(select(Promotion))] == ["Обед"]


async def test_a_double_save_of_a_non_latin_name_saves_one(tg, db, session_factory, clock):
    await tg(OWNER).send("/promos")
    rule = PromotionRule(id=0, name="Éjszaka", multiplier_pct=150)
    ids = []
    for _ in range(2):
        async with session_factory() as session:
            ids.append(
                (await PromotionService(session, (OWNER,), clock).add(1, OWNER, rule)).rule.id
            )
    assert ids[0] == ids[1] and await db.count(Promotion) == 1
    other = PromotionRule(id=0, name="ÉJSZAKA", multiplier_pct=300)
    async with session_factory() as session:
        with pytest.raises(PromoRefused) as refused:
            await PromotionService(session, (OWNER,), clock).add(1, OWNER, other)
    assert refused.value.reason == "name_taken" and await db.count(Promotion) == 1


async def test_two_saves_at_once_of_a_non_latin_name_save_one(tg, db, session_factory, clock):
    """Two presses in flight together: one row on SQLite and on PostgreSQL alike."""
    await tg(OWNER).send("/promos")

    async def save(name: str) -> int:
        rule = PromotionRule(id=0, name=name, multiplier_pct=200)
        async with session_factory() as session:
            return (await PromotionService(session, (OWNER,), clock).add(1, OWNER, rule)).rule.id

    first, second = await asyncio.gather(save("Обед"), save("Обед"))
    assert first == second and await db.count(Promotion) == 1


async def test_an_old_running_promotion_is_listed_and_can_be_ended(tg, db, clock) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    old = await put(db, clock, name="Evergreen")
    for n in range(35):  # newer ones, all ended
        await put(db, clock, name=f"Past {n}", ended_at=clock())
    listed = await owner.send("/promos")
    assert "• Evergreen" in listed.text and "• Past 34" in listed.text
    assert "• Past 4:" not in listed.text  # the 30 newest ended ones only
    page = await owner.press(listed.button("Evergreen"))
    asked = await owner.press(page.button("End now"))
    ended = await owner.press(asked.button("Yes, end it"))
    assert ended.text.startswith("Ended: “Evergreen”")
    assert (await db.scalar(select(Promotion).where(Promotion.id == old))).ended_at is not None


async def test_a_name_taken_before_save_leads_back_to_the_name(tg, db, session_factory, clock):
    owner = tg(OWNER)
    preview = await make_promo(owner, "prmd:x:300", *EVERY_DAY, name="Lunch")
    async with session_factory() as session:  # another admin saves the name meanwhile
        await PromotionService(session, (OWNER,), clock).add(
            1, OWNER, PromotionRule(id=0, name="LUNCH")
        )
    refused = await owner.press(preview.button("Save"))
    assert refused.texts == [f"{TAKEN}\nSend another name for it: the rest stays as you chose."]
    again = await owner.send("Late lunch")
    assert "<b>Late lunch</b>\n×3 points · every day" in again.text
    saved = await owner.press(again.button("Save"))
    assert saved.texts[0] == "Saved. It applies from the next purchase."
    names = {(p.name, p.multiplier_pct) for p in await db.all(select(Promotion))}
    assert names == {("LUNCH", 200), ("Late lunch", 300)}


async def test_a_promotion_giving_nothing_is_refused_at_its_step(tg, db, clock) -> None:
    owner = tg(OWNER)
    one = await make_promo(owner, "1")  # ×1 and no stamp card: nothing more at all
    assert one.text == NOTHING
    assert "On which days?" in (await owner.send("+50%")).text  # +50% is ×1.5
    async with db.factory() as session, session.begin():
        reward = Reward(merchant_id=1, name="Coffee", listed=False, created_at=clock())
        session.add(reward)
        await session.flush()
        await session.execute(update(Merchant).values(stamps_needed=10, stamp_reward_id=reward.id))
    gives = await make_promo(owner, name="Stamps")
    stamps = await owner.press(gives.button("No extra points"))
    assert stamps.button_or_none("0") is None  # ×1: no "0" offered
    zero = await owner.press("prmd:st:0")  # a forged one
    assert zero.toasts == [NOTHING]  # the buttons stay: another number can be pressed
    assert "On which days?" in (await owner.press(stamps.button("+1"))).text
    await owner.press("prmd:dd:0")
    await owner.press("prmd:ad:0")
    await owner.press("prmd:aw:0")
    await owner.press("prmd:save:0")  # the level step was skipped: Save is stale
    preview = await owner.press("prmd:lv:0")
    assert "+1 stamp · every day" in preview.text
    assert await db.count(Promotion) == 0


async def test_plus_percent_is_that_much_more(tg, db) -> None:
    preview = await make_promo(tg(OWNER), "+200%", *EVERY_DAY)
    assert "×3 points · every day" in preview.text


async def test_dates_in_the_readers_order(tg, db) -> None:
    hu = tg(OWNER, language_code="hu")
    prompt = await make_promo(hu, "2", "prmd:dd:0", "prmd:ad:0")
    assert "12.1–12.31" in prompt.text and "2026. 12. 01. – 2026. 12. 31." in prompt.text
    await hu.send("12.1–12.31")  # month first, as Hungarian writes dates
    await hu.press("prmd:lv:0")
    await hu.press("prmd:save:0")
    en = tg(OWNER, language_code="en")
    prompt = await make_promo(en, "2", "prmd:dd:0", "prmd:ad:0", name="Winter")
    assert "1.12–31.12" in prompt.text
    await en.send("2026. 12. 01. – 2026. 12. 31.")  # the year first: read so by anyone
    await en.press("prmd:lv:0")
    await en.press("prmd:save:0")
    rows = await db.all(select(Promotion))
    assert {(p.starts_on, p.ends_on) for p in rows} == {(date(2026, 12, 1), date(2026, 12, 31))}
    assert len(rows) == 2


async def test_end_now_on_a_promotion_over_by_date(tg, db, clock) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    promo = await put(
        db, clock, name="February", starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 28)
    )
    before = await version(db)
    page = await owner.press(f"prm:end:{promo}")  # a stale End now: no question asked
    assert "⚪️ <b>February</b> · Ended" in page.text and page.button_or_none("End now") is None
    ended = await owner.press(f"prm:endok:{promo}")
    assert ended.text == "“February” has ended already."
    assert not await db.all(select(AuditLog).where(AuditLog.action == "promotion_end"))
    assert await version(db) == before
    row = await db.scalar(select(Promotion).where(Promotion.id == promo))
    assert row.ended_at is None


async def test_a_removed_level_reads_as_the_top_one(tg, db, clock) -> None:
    owner = tg(OWNER)
    await owner.send("/promos")
    await put(db, clock, name="VIP", min_level_rank=9)  # past the top: levels were removed
    listed = await owner.send("/promos")
    assert "• VIP: ×2 points · every day · from Diamond" in listed.text


async def test_dates_off_the_chosen_days_are_refused_on_save_too(tg, db, session_factory, clock):
    await tg(OWNER).send("/promos")
    sundays = PromotionRule(
        id=0,
        name="Xmas",
        weekdays=1 << 6,
        starts_on=date(2026, 12, 24),
        ends_on=date(2026, 12, 24),
    )
    async with session_factory() as session:
        with pytest.raises(PromoRefused) as refused:
            await PromotionService(session, (OWNER,), clock).add(1, OWNER, sundays)
    assert refused.value.reason == "no_day" and await db.count(Promotion) == 0


@pytest.mark.parametrize(
    ("weekdays", "first", "last", "falls"),
    [
        (1 << 6, date(2026, 12, 24), date(2026, 12, 24), False),  # Sundays; a Thursday
        (1 << 6, date(2026, 12, 24), date(2026, 12, 26), False),  # Thu–Sat
        (1 << 6, date(2026, 12, 24), date(2026, 12, 27), True),  # up to the Sunday
        (1 << 3, date(2026, 12, 24), date(2026, 12, 24), True),  # Thursdays
        (1, date(2026, 12, 22), date(2027, 2, 1), True),  # longer than a week
    ],
)
def test_falls_on_weekdays(weekdays: int, first: date, last: date, falls: bool) -> None:
    assert falls_on_weekdays(weekdays, first, last) is falls


NIGHT = PromotionRule(id=1, name="Night", start_minute=22 * 60, end_minute=2 * 60)
FRIDAY = date(2026, 3, 13)
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("rule", "local", "expected"),
    [
        (NIGHT, datetime(2026, 3, 13, 23, 0, tzinfo=WARSAW), Phase.RUNNING),  # Friday night
        (
            NIGHT,
            datetime(2026, 3, 14, 1, 0, tzinfo=WARSAW),
            Phase.RUNNING,
        ),  # Saturday 01:00: still applies
        (NIGHT, datetime(2026, 3, 14, 3, 0, tzinfo=WARSAW), Phase.ENDED),
        (NIGHT, date(2026, 3, 14), Phase.ENDED),  # a day alone: its last day has passed
        (NIGHT, datetime(2026, 3, 15, 1, 0, tzinfo=WARSAW), Phase.ENDED),
        (PromotionRule(id=2, name="Day"), datetime(2026, 3, 14, 1, 0, tzinfo=WARSAW), Phase.ENDED),
    ],
)
def test_phase_agrees_with_the_hours_past_midnight(
    rule: PromotionRule, local: date, expected: Phase
) -> None:
    assert phase(replace(rule, ends_on=FRIDAY), local) is expected


async def test_a_hungarian_announcement_has_no_dot_before_its_bang(tg, db) -> None:
    await join(tg(101), offers=True)
    owner: TgUser = tg(OWNER)
    await owner.send("/promos")
    async with db.factory() as session, session.begin():
        await session.execute(update(Merchant).values(default_language="hu"))
    await make_promo(owner, "2", "prmd:dd:0", "prmd:ad:0", "1.3–31.3", "prmd:lv:0")
    saved = await owner.press("prmd:save:0")
    who = await owner.press(saved.button("📣"))
    preview = await owner.press(who.button("(1)"))
    assert preview.texts[0].startswith("⚡ <b>Happy hours</b>: ")
    assert preview.texts[0].endswith("2026. márc. 31.")
