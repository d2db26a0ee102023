"""/settings for the levels, changes worse for members ("Tell members?"), a sale right after a
change, and two admins editing at once."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from db.models import AuditLog, Customer, Level, Membership, Outbox, Purchase
from tests.telegram import hire, join, text_of
from tests.test_handlers_sale import OWNER, open_till, sell
from tests.test_settings import ADAM, BEA, change, merchant, save

BOB = 102


async def levels(db) -> list[tuple[int, str, int, int]]:
    rows = await db.all(select(Level).order_by(Level.rank))
    return [(lv.rank, lv.name, lv.min_spend_minor, lv.cashback_bp) for lv in rows]


async def test_a_level_is_changed_from_its_own_buttons(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")
    listing = await owner.press("setl:-1:")
    assert "Silver" in listing.text and listing.button("Silver")
    fields = await owner.press(listing.button("Silver"))
    assert fields.button("Cashback") and fields.button_or_none("Remove") is None
    await owner.press(fields.button("Cashback"))
    preview = await owner.send("6%")
    assert "Silver: Cashback: 5% → <b>6%</b>" in preview.text, preview.text
    assert "Tell members" not in preview.text
    await save(owner, preview)
    assert (await levels(db))[1][3] == 600
    row = await db.scalar(select(AuditLog))
    assert (row.action, row.target) == ("levels_change", "level:1")
    assert json.loads(row.details) == {"rank": 1, "cashback_bp": [500, 600]}
    # A name.
    await save(owner, await change(owner, "name", "  Silber  Plus ", rank=1))
    assert (await levels(db))[1][1] == "Silber Plus"


async def test_levels_keep_their_order(tg, db) -> None:
    owner = tg(OWNER)
    before = await levels(db) or None
    refused = await change(owner, "min_spend_minor", "5000", rank=1)  # over Gold's 300
    assert "keep their order" in refused.text
    refused = await owner.send("5")  # still asked; Bronze needs nothing, so Silver may be 5
    assert "→" in refused.text
    assert before is None or await levels(db) == before
    name = await change(owner, "name", "x" * 41, rank=0)
    assert "1 to 40 characters" in name.text
    assert "1 to 40 characters" in (await owner.send("   ")).text
    first = await change(owner, "min_spend_minor", "1", rank=0)
    assert "keep their order" in first.text


async def test_only_the_top_level_can_go_and_members_may_be_told(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    await owner.send("/settings")
    refused = await owner.press("setl:2:remove_level")
    assert "Only the top level" in refused.toasts[0]
    preview = await owner.press("setl:4:remove_level")
    assert "Level: Diamond → <b>removed</b>" in preview.text, preview.text
    quiet = await owner.press(preview.button("next time"))
    assert "Saved for <b>Test Café</b>" in quiet.text
    assert "accept the new rules at their next visit" in quiet.text
    assert [lv[1] for lv in await levels(db)] == ["Bronze", "Silver", "Gold", "Platinum"]
    assert await db.count(Outbox) == 0 and (await merchant(db)).rules_version == 2
    row = await db.scalar(select(AuditLog))
    assert (row.action, json.loads(row.details)) == (
        "levels_change",
        {"rank": 4, "remove_level": ["Diamond", None]},
    )


async def test_a_level_is_added_on_top_and_then_edited(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")
    listing = await owner.press("setl:-1:")
    asked = await owner.press(listing.button("Add a level"))
    assert "name of the new level" in asked.text
    preview = await owner.send("Legend")
    assert "New level: — → <b>Legend</b>" in preview.text, preview.text
    assert "Tell members" not in preview.text
    saved = await save(owner, preview)
    assert "Saved for" in saved.text and "Legend" in saved.text
    assert (await levels(db))[-1] == (5, "Legend", 150000, 1200)
    row = await db.scalar(select(AuditLog))
    assert (row.action, json.loads(row.details)) == (
        "levels_change",
        {"rank": 5, "add_level": [None, "Legend"]},
    )
    await save(owner, await change(owner, "min_spend_minor", "3000", rank=5))
    assert (await levels(db))[-1] == (5, "Legend", 300000, 1200)
    # A forged add below the top is refused.
    assert "keep their order" in (await change(owner, "add_level", "X", rank=2)).text


async def test_a_worse_change_told_to_members_asks_them_to_accept_again(tg, db) -> None:
    owner, anna, bob = tg(OWNER), tg(101), tg(BOB, language_code="pl")
    await join(anna)
    await join(bob)
    preview = await change(owner, "cashback_bp", "2", rank=0)
    assert "Tell them about the change now as well?" in preview.text
    told = await owner.press(preview.button("tell members now"))
    assert "2 members will be told" in told.text
    assert (await merchant(db)).rules_version == 2
    rows = await db.all(select(Outbox).where(Outbox.kind == "rules_changed"))
    assert sorted((r.chat_id, r.language, r.status) for r in rows) == [
        (101, "en", "sent"),
        (BOB, "pl", "sent"),
    ]
    assert "rules of the <b>Test Café</b> loyalty program have changed" in told.to(101)[0]
    assert "Test Café" in told.to(BOB)[0] and "rules" not in told.to(BOB)[0]  # Polish
    # Anna's next message gets the new rules, written from the settings, and Accept.
    rules = await anna.send("/card")
    assert "Bronze (from your first purchase): cashback 2%" in rules.text, rules.text
    card = await anna.press(rules.button("✅"))
    assert "Cashback 2%" in (await anna.send("/card")).text, card.text
    member = await db.scalar(select(Membership).where(Membership.customer_id.isnot(None)))
    assert member.consent_version in (1, 2)


async def test_a_worse_change_saved_without_telling_still_asks_members_to_accept(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    preview = await change(owner, "points_lifetime_months", "6")  # expiry turned on
    assert "Tell them about the change now" in preview.text
    await owner.press(preview.button("next time"))
    assert (await merchant(db)).points_lifetime_months == 6
    # Nobody is told now, but the rules' version moves: no one is bound by rules unaccepted.
    assert (await merchant(db)).rules_version == 2 and await db.count(Outbox) == 0
    assert await db.count(AuditLog) == 1
    rules = await anna.send("/card")
    assert "Points expire 6 months" in rules.text and "have changed" in rules.text
    await anna.press(rules.button("✅"))
    assert "Cashback" in (await anna.send("/card")).text  # a member again


async def test_a_sale_right_after_a_change_uses_the_new_rate(tg, db) -> None:
    owner, kasia, _anna = await open_till(tg, db)
    await sell(kasia, db, "10.00")
    await save(owner, await change(owner, "cashback_bp", "10", rank=0))
    await tg(101).send("/code")
    await sell(kasia, db, "10.00")
    cashbacks = [p.cashback_minor for p in await db.all(select(Purchase).order_by(Purchase.id))]
    assert cashbacks == [30, 100]


async def test_two_admins_edit_at_once_and_the_later_save_is_refused(tg, db) -> None:
    owner, adam, bea = tg(OWNER), tg(ADAM, first_name="Adam"), tg(BEA, first_name="Bea")
    await hire(owner, adam, role="admin")
    await hire(owner, bea, role="admin")
    first = await change(adam, "welcome_bonus_minor", "1")
    second = await change(bea, "welcome_bonus_minor", "2")
    assert "Saved" in (await save(adam, first)).text
    late = await save(bea, second)
    assert "Not saved" in late.text and "Welcome bonus is now <b>€1</b>" in late.text, late.text
    assert (await merchant(db)).welcome_bonus_minor == 100
    audits = await db.all(select(AuditLog).where(AuditLog.action == "settings_change"))
    assert [(a.actor_telegram_id, a.details) for a in audits] == [
        (ADAM, '{"before":0,"after":100}')
    ]
    # Bea's button is spent; a new preview from the current program saves.
    assert (await save(bea, second)).toasts == ["This button is no longer active."]
    assert "Saved" in (await save(bea, await change(bea, "welcome_bonus_minor", "2"))).text


async def test_save_pressed_twice_saves_once(tg, db) -> None:
    owner = tg(OWNER)
    preview = await change(owner, "welcome_bonus_minor", "3")
    button = preview.button("Save")
    start = len(owner.session.requests)
    await asyncio.gather(owner.press(button), owner.press(button))
    said = [text_of(m) for m in owner.session.requests[start:]]
    assert sum("Saved for" in t for t in said) == 1, said
    assert any("no longer active" in t or "Already saved" in t for t in said), said
    assert (await merchant(db)).welcome_bonus_minor == 300
    assert len(await db.all(select(AuditLog))) == 1
    assert (await owner.press(button)).toasts == ["This button is no longer active."]


async def test_members_of_a_removed_top_level_buy_at_the_new_top_one(tg, db, session) -> None:
    owner, kasia, _anna = await open_till(tg, db)
    async with session.begin():  # Anna reached Diamond (12 % cashback) some time ago
        row = await session.scalar(select(Membership))
        row.level_rank = 4
    await owner.send("/settings")
    preview = await owner.press("setl:4:remove_level")
    await owner.press(preview.button("next time"))
    await tg(101).press((await tg(101).send("/card")).button("Accept"))  # the new rules
    done = await sell(kasia, db, "100")
    # Platinum's 10 %, as her card now shows it, not the first level's 3 %.
    assert (await db.scalar(select(Purchase))).cashback_minor == 1000
    assert "Platinum" in (await tg(101).send("/card")).text and done.to(101)


async def test_a_member_who_left_is_not_told_of_a_change(tg, db, session, clock) -> None:
    owner, anna, bob = tg(OWNER), tg(101), tg(BOB)
    await join(anna)
    await join(bob)
    async with session.begin():  # Bob left the program (his membership is erased)
        row = await session.scalar(
            select(Membership).where(
                Membership.customer_id
                == select(Customer.id).where(Customer.telegram_id == BOB).scalar_subquery()
            )
        )
        row.deleted_at = clock()
    preview = await change(owner, "cashback_bp", "2", rank=0)
    told = await owner.press(preview.button("tell members now"))
    assert "1 member will be told" in told.text
    rows = await db.all(select(Outbox).where(Outbox.kind == "rules_changed"))
    assert [r.chat_id for r in rows] == [101]
