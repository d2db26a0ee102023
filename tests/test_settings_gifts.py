"""/settings for the rewards (issue 15) through the production dispatcher: the stamp card, its
reward (picked or made from a typed name), cashback off only beside a running card, the welcome
and friend's gifts; bad input, preview, Save, the database, the audit row, the consent bump of
a change worse for members, a second admin's stale Save."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from db.models import AuditLog, Merchant, Reward
from db.repositories.program_settings import ProgramSettingsRepo
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER
from tests.test_settings import ADAM, BEA, change, merchant, save

CAPPUCCINO = "Free cappuccino"


async def add_reward(db, name: str, *, archived: bool = False) -> int:
    """A reward of the main merchant (made by the first update), valid 14 days; its id."""
    async with db.factory() as s, s.begin():
        m = await s.scalar(select(Merchant).where(Merchant.slug == "main"))
        now = datetime(2026, 11, 1, tzinfo=UTC)
        reward_id = await ProgramSettingsRepo(s).add_gift_reward(m.id, name, now)
        await s.execute(
            update(Reward)
            .where(Reward.id == reward_id)
            .values(valid_days=14, archived_at=now if archived else None)
        )
        return reward_id


async def set_merchant(db, **values) -> None:
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).where(Merchant.slug == "main").values(**values))


async def audit(db) -> list[tuple[str | None, dict[str, object]]]:
    rows = await db.all(
        select(AuditLog).where(AuditLog.action == "settings_change").order_by(AuditLog.id)
    )
    return [(r.target, json.loads(r.details)) for r in rows]


async def run_card(db, needed: int = 10) -> int:
    """The main merchant (made by the first update) runs a stamp card of `needed` stamps for
    a cappuccino."""
    reward = await add_reward(db, CAPPUCCINO)
    await set_merchant(db, stamps_needed=needed, stamp_reward_id=reward)
    return reward


async def test_a_typed_name_makes_a_gift_reward_for_the_stamp_card(tg, db) -> None:
    owner = tg(OWNER)
    prompt = await change(owner, "stamp_reward_id", None)
    assert "Stamp card: reward is now <b>none</b>" in prompt.text, prompt.text
    assert "send a name" in prompt.text and prompt.button_or_none("No gift") is None
    assert "1 to 60 characters" in (await owner.send("x" * 61)).text
    preview = await owner.send(f"  {CAPPUCCINO} ")
    assert f"none → <b>{CAPPUCCINO}</b>" in preview.text, preview.text
    assert await db.count(Reward) == 0  # a preview writes nothing
    saved = await save(owner, preview)
    assert f"Stamp card: reward is now {CAPPUCCINO}" in saved.text, saved.text
    reward = await db.scalar(select(Reward))
    assert (reward.name, reward.listed, reward.points_price, reward.valid_days) == (
        CAPPUCCINO,
        False,
        0,
        30,
    )
    m = await merchant(db)
    assert (m.stamp_reward_id, m.rules_version) == (reward.id, 1)  # no card ran: not worse
    assert await audit(db) == [("stamp_reward_id", {"before": None, "after": CAPPUCCINO})]
    assert (await save(owner, preview)).toasts == ["This button is no longer active."]
    assert await db.count(Reward) == 1


async def test_the_stamp_card_needs_its_reward_then_runs(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    refused = await change(owner, "stamps_needed", "10")
    assert "Choose the stamp card's reward first." in refused.text
    reward = await add_reward(db, "Cookie")
    await add_reward(db, "Old mug", archived=True)
    prompt = await change(owner, "stamp_reward_id", None)
    assert prompt.button_or_none("Old mug") is None  # archived: not offered
    preview = await owner.press(prompt.button("Cookie"))
    await save(owner, preview)
    assert (await merchant(db)).stamp_reward_id == reward
    for bad in ("1", "51", "-5", "abc", "1e9", "²", "99999999999999999999"):
        sent = await change(owner, "stamps_needed", bad)
        assert "from 2 to 50, or 0" in sent.text or "digits 0 to 9" in sent.text, (bad, sent.text)
    preview = await change(owner, "stamps_needed", "10")
    assert "turned off → <b>10</b>" in preview.text and "Tell them" not in preview.text
    await save(owner, preview)
    m = await merchant(db)
    assert (m.stamps_needed, m.rules_version) == (10, 1)
    # The rules a newcomer reads name the card.
    rules = await tg(101).send("/start")
    assert "collect 10 stamps, one per purchase, for Cookie" in rules.text, rules.text


async def test_cashback_goes_off_only_beside_a_running_card(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await owner.send("/settings")  # the first update makes the merchant
    await join(anna)
    refused = await owner.press("set:cashback_on")
    assert "only while a stamp card runs" in refused.toasts[0]
    assert (await merchant(db)).cashback_on is True
    await run_card(db)
    preview = await owner.press("set:cashback_on")
    assert "Cashback on purchases: yes → <b>no</b>" in preview.text
    assert "Tell them about the change now" in preview.text  # worse for members
    saved = await owner.press(preview.button("next time"))
    assert "accept the new rules at their next visit" in saved.text
    m = await merchant(db)
    assert (m.cashback_on, m.rules_version) == (False, 2)
    assert await audit(db) == [("cashback_on", {"before": True, "after": False})]
    # Now the card can't go: members would earn nothing.
    assert "Turn cashback on first" in (await change(owner, "stamps_needed", "0")).text
    rules = await anna.send("/card")
    assert "stamps instead of cashback" in rules.text and "have changed" in rules.text


# key, typed, the column after, worse for members (a card runs: 10 stamps, no minimum)
CARD_CHANGES = [
    ("stamps_needed", "12", 12, True),
    ("stamps_needed", "8", 8, False),
    ("stamps_needed", "0", None, True),
    ("stamp_min_amount_minor", "5", 500, True),
    ("stamp_step_minor", "2,50", 250, True),
]


@pytest.mark.parametrize(("key", "typed", "stored", "worse"), CARD_CHANGES)
async def test_a_card_change_worse_for_members_asks_them_again(
    tg, db, key, typed, stored, worse
) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    await run_card(db)
    preview = await change(owner, key, typed)
    assert ("Tell them about the change now" in preview.text) is worse, preview.text
    await save(owner, preview, "next time" if worse else "Save")
    m = await merchant(db)
    assert (getattr(m, key), m.rules_version) == (stored, 2 if worse else 1)


async def test_bad_amounts_for_the_stamp_card_are_refused_in_words(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    await run_card(db)
    for bad, word in [("12,555", "decimal point"), ("abc", "digits"), ("-5", "digits")]:
        sent = await change(owner, "stamp_min_amount_minor", bad)
        assert word in sent.text, (bad, sent.text)
    prompt = await change(owner, "stamp_step_minor", None)
    assert "0: one per purchase" in prompt.text
    assert "one per purchase → " not in (await owner.send("0")).text  # the same: refused
    assert (await merchant(db)).stamp_step_minor is None


async def test_one_stamp_a_day_is_a_toggle_worse_once_a_card_runs(tg, db) -> None:
    owner = tg(OWNER)
    preview = await owner.press("set:stamp_daily_once")  # no card yet: nothing taken
    assert "no → <b>yes</b>" in preview.text and "Tell them" not in preview.text
    await owner.press(preview.button("Cancel"))
    await run_card(db)
    preview = await owner.press("set:stamp_daily_once")
    assert "Tell them about the change now" in preview.text
    await owner.press(preview.button("tell members now"))
    m = await merchant(db)
    assert (m.stamp_daily_once, m.rules_version) == (True, 2)


async def test_the_welcome_gift_is_chosen_and_taken_away(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    reward = await add_reward(db, "Croissant")
    prompt = await change(owner, "welcome_reward_id", None)
    preview = await owner.press(prompt.button("Croissant"))
    assert "Welcome gift: none → <b>Croissant</b>" in preview.text
    await save(owner, preview)
    assert (await merchant(db)).welcome_reward_id == reward
    prompt = await change(owner, "welcome_reward_id", None)
    preview = await owner.press(prompt.button("No gift"))
    assert "Croissant → <b>none</b>" in preview.text and "Tell them" in preview.text
    await owner.press(preview.button("next time"))
    m = await merchant(db)
    assert (m.welcome_reward_id, m.rules_version) == (None, 2)
    assert (await audit(db))[-1] == ("welcome_reward_id", {"before": "Croissant", "after": None})
    # A forged button naming another merchant's or no reward is refused.
    forged = await owner.press("setl:999:welcome_reward_id")
    assert "not available any more" in forged.toasts[0]


async def test_the_friends_gift_in_points_and_a_reward(tg, db) -> None:
    owner = tg(OWNER)
    for bad in ("-5", "1e9", "abc", "2.555"):
        assert "Saved" not in (await change(owner, "friend_gift_minor", bad)).text
    preview = await change(owner, "friend_gift_minor", "2.50")
    assert "€0 → <b>€2.50</b>" in preview.text and "Tell them" not in preview.text
    await save(owner, preview)
    await add_reward(db, "Muffin")
    prompt = await change(owner, "friend_reward_id", None)
    await save(owner, await owner.press(prompt.button("Muffin")))
    lowered = await change(owner, "friend_gift_minor", "1")
    assert "Tell them about the change now" in lowered.text
    await owner.press(lowered.button("next time"))
    m = await merchant(db)
    assert (m.friend_gift_minor, m.rules_version) == (100, 2)
    rules = await tg(101).send("/start")
    assert "gets 100 points and Muffin with their first purchase" in rules.text, rules.text


async def test_a_second_admins_stale_save_is_refused(tg, db) -> None:
    owner, adam, bea = tg(OWNER), tg(ADAM, first_name="Adam"), tg(BEA, first_name="Bea")
    await hire(owner, adam, role="admin")
    await hire(owner, bea, role="admin")
    await add_reward(db, "Cookie")
    await add_reward(db, "Tea")
    adams = await adam.press((await change(adam, "welcome_reward_id", None)).button("Cookie"))
    beas = await bea.press((await change(bea, "welcome_reward_id", None)).button("Tea"))
    await save(bea, beas)
    stale = await save(adam, adams)
    assert "Not saved" in stale.text and "Welcome gift is now <b>Tea</b>" in stale.text
    m = await merchant(db)
    assert await db.scalar(select(Reward.name).where(Reward.id == m.welcome_reward_id)) == "Tea"
    assert len(await audit(db)) == 1


@pytest.mark.parametrize("key", ["stamp_min_amount_minor", "stamp_step_minor"])
async def test_a_stamp_check_above_the_largest_check_is_refused(tg, db, key) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    await run_card(db)
    await set_merchant(db, max_sale_minor=5000)
    refused = await change(owner, key, "50.01")
    assert "largest check a sale may have (€50)" in refused.text, refused.text
    assert refused.button_or_none("Save") is None
    accepted = await change(owner, key, "50")  # a check of the largest amount earns a stamp
    assert "→ <b>" in accepted.text and "largest check" not in accepted.text, accepted.text
    m = await merchant(db)
    assert (m.stamp_min_amount_minor, m.stamp_step_minor) == (0, None)


async def test_the_largest_check_stays_within_the_stamp_cards_reach(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")  # the first update makes the merchant
    await run_card(db)
    await set_merchant(db, stamp_min_amount_minor=2000, stamp_step_minor=3000)
    refused = await change(owner, "max_sale_minor", "29.99")
    assert "at least €30 for a stamp" in refused.text, refused.text
    assert "→ <b>" in (await change(owner, "max_sale_minor", "30")).text
    assert (await merchant(db)).max_sale_minor == 100_000
