"""/rewards for owners and admins: the form refuses bad input in words and waits for another
try, the preview saves once however often Save is pressed, a field is edited and a reward
archived, each audited; every admin button and step checks the presser's role (and that the
reward is of the merchant they work in) before it says anything."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiogram.methods import SendPhoto
from sqlalchemy import select

from db.models import AuditLog, Reward, Staff
from handlers.ui.rewards_callbacks import AdminAction, RewardAdminCb
from services.rewards.values import RewardField
from tests.factories import staff_cast
from tests.telegram import TgUser, hire, join
from tests.test_handlers_sale import OWNER
from tests.test_rewards_claims import add_reward

BOB, KASIA, IVAN, OLGA = 102, 50, 60, 70
ROLES = {"customer": BOB, "cashier": KASIA, "revoked admin": IVAN, "other merchant's admin": OLGA}
REFUSED = "Only the owners and admins of this place can edit its rewards."
GONE = "This reward is no longer in the catalogue. Open /rewards."


def admin(action: AdminAction, reward_id: int = 0, **more: object) -> str:
    return RewardAdminCb(action=action, reward_id=reward_id, **more).pack()


ACTS: list[tuple[str, str, bool]] = [  # kind, data, about the main merchant's reward #1
    ("press", admin(AdminAction.LIST), False),
    ("press", admin(AdminAction.OPEN, 1), True),
    ("press", admin(AdminAction.ADD), False),
    *[("press", admin(AdminAction.EDIT, 1, field=f), True) for f in RewardField],
    ("press", admin(AdminAction.SKIP, 0, field=RewardField.PHOTO), False),
    ("press", admin(AdminAction.LEVEL, 0, value=0), False),
    ("press", admin(AdminAction.SAVE), False),
    ("press", admin(AdminAction.ARCHIVE, 1), True),
    ("press", admin(AdminAction.ARCHIVE_OK, 1), True),
]


async def scene(tg, db, session_factory, clock) -> dict[str, TgUser]:
    owner = tg(OWNER)
    await add_reward(owner, name="Secret Latte")
    bob = tg(BOB, first_name="Bob")
    await join(bob)
    await staff_cast(owner, tg, db, session_factory, clock)
    return {role: tg(user_id) for role, user_id in ROLES.items()}


async def state_of(db) -> tuple[object, ...]:
    rewards = [
        (r.merchant_id, r.name, r.points_price, r.stock_left, r.archived_at)
        for r in await db.all(select(Reward))
    ]
    return rewards, await db.count(AuditLog)


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_admin_button_checks_the_role_first(
    tg, db, session_factory, clock, caplog, role
) -> None:
    users = await scene(tg, db, session_factory, clock)
    user = users[role]
    other = role == "other merchant's admin"
    for _kind, data, on_object in ACTS:
        if other and not on_object:
            continue  # their own catalogue: theirs to keep
        before = await state_of(db)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            sent = await user.press(data)
        said = sent.texts + sent.toasts
        expected = GONE if other else REFUSED
        assert any(expected in text for text in said), (role, data, said)
        assert not any("Secret Latte" in text for text in said), (role, data, said)
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], (role, data)
        assert await state_of(db) == before, (role, data)


async def test_a_cashier_and_a_customer_see_the_members_catalogue(
    tg, db, session_factory, clock
) -> None:
    users = await scene(tg, db, session_factory, clock)
    shelf = await users["customer"].send("/rewards")
    assert "You have 0 points" in shelf.text and "Add a reward" not in str(shelf)
    olga = await users["other merchant's admin"].send("/rewards")
    assert "No rewards yet" in olga.text and "Secret Latte" not in olga.text


async def test_an_admin_revoked_mid_form_is_stopped_at_the_next_step(tg, db) -> None:
    owner, adam = tg(OWNER), tg(80, first_name="Adam")
    await hire(owner, adam, role="admin")
    await adam.press(admin(AdminAction.ADD))
    adam_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 80)
    await owner.press(f"srev:{adam_id}")
    stopped = await adam.send("x" * 1001)  # refused for who he is, not for the length
    assert stopped.text == REFUSED
    assert await db.count(Reward) == 0


async def test_the_form_refuses_bad_input_in_words_and_waits(tg, db) -> None:
    owner = tg(OWNER)
    listed = await owner.send("/rewards")
    await owner.press(listed.button("Add a reward"))
    assert "60 characters" in (await owner.send("x" * 61)).text
    skip = await owner.send("Free croissant")
    assert "Skip" in str(skip)
    assert "300 characters at most" in (await owner.send("y" * 301)).text
    photo = await owner.send("Buttery")
    price = await owner.press(photo.button("Skip"))
    assert "How many points" in price.text
    for bad in ("12,50", "-5", "1e9", "abc", "²", "0", "9" * 20, "z" * 1001):
        refused = await owner.send(bad)
        assert "whole number of points above 0" in refused.text, bad
    await owner.send("250")
    for bad in ("-1", "lots", "2000000"):
        assert "as a whole number" in (await owner.send(bad)).text, bad
    limit = await owner.send("10")
    assert "from 1 to 1000" in (await owner.send("0")).text
    days = await owner.press(limit.button("No limit"))
    assert "1 to 365" in days.text
    for bad in ("0", "366", "1.5"):
        assert "from 1 to 365" in (await owner.send(bad)).text, bad
    level = await owner.send("14")
    assert "From which level" in level.text
    typed = await owner.send("Gold")  # a level is a button
    assert "From which level" in typed.text
    preview = await owner.press(level.button("Silver"))
    assert "Free croissant" in preview.text and "Buttery" in preview.text
    assert "250 points" in preview.text and "10 left" in preview.text and "14 days" in preview.text
    save = preview.button("Save")
    await asyncio.gather(owner.press(save), owner.press(save))
    [reward] = await db.all(select(Reward))
    assert (reward.name, reward.points_price, reward.stock_left, reward.per_member_limit) == (
        "Free croissant",
        250,
        10,
        None,
    )
    assert (reward.valid_days, reward.min_level_rank) == (14, 1)
    again = await owner.press(save)
    assert "This form is closed" in again.toasts[0]
    assert await db.count(Reward) == 1
    acts = [
        a.action for a in await db.all(select(AuditLog).where(AuditLog.action.like("reward%")))
    ]
    assert acts == ["reward_add"]


async def test_edit_a_field_archive_and_the_audit_says_so(tg, db) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    opened = await owner.press(admin(AdminAction.OPEN, 1))
    await owner.press(opened.button("Price"))
    saved = await owner.send("350")
    assert "Saved." in saved.texts[0] and "350 points" in saved.texts[1]
    stock = await owner.press(admin(AdminAction.EDIT, 1, field=RewardField.STOCK))
    await owner.press(stock.button("Unlimited"))
    assert await db.scalar(select(Reward.stock_left)) is None
    await owner.press(admin(AdminAction.EDIT, 1, field=RewardField.PHOTO))
    photo = {"file_id": "AgADcup", "file_unique_id": "cup", "width": 90, "height": 90}
    shown = await owner._feed(message=owner._message(photo=[photo]))
    [with_photo] = shown.of(SendPhoto)
    assert with_photo.photo == "AgADcup" and "350 points" in (with_photo.caption or "")
    assert await db.scalar(select(Reward.photo_file_id)) == "AgADcup"
    old_skip = await owner.press(admin(AdminAction.SKIP, 1, field=RewardField.STOCK))
    assert "This step is over" in old_skip.toasts[0]
    ask = await owner.press(admin(AdminAction.ARCHIVE, 1))
    await owner.press(ask.button("Yes, archive"))
    twice = await owner.press(ask.button("Yes, archive"))
    assert twice.toasts == [GONE]
    assert await db.scalar(select(Reward.archived_at)) is not None
    assert "Cappuccino" not in (await owner.send("/rewards")).text
    acts = [
        a.action for a in await db.all(select(AuditLog).where(AuditLog.action.like("reward%")))
    ]
    assert acts == ["reward_add", "reward_edit", "reward_edit", "reward_edit", "reward_archive"]
    audit = await owner.send("/audit")
    assert "Reward archived" in audit.text and "Cappuccino" in audit.text
    assert "Reward edited" in audit.text and "Price" in audit.text
