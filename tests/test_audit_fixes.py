"""Holes a second audit found, each reproduced through the production dispatcher."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from db.models import Membership
from tests.test_handlers_sale import OWNER


async def test_a_forged_chart_button_is_refused_before_anything_is_worked_out(
    tg, caplog: pytest.LogCaptureFixture
) -> None:
    anna, owner = tg(101), tg(OWNER)
    await anna.press((await anna.send("/start")).button("✅"))
    with caplog.at_level(logging.ERROR):
        # A customer: the role first, whatever the button carries.
        refused = await anna.press("kpi:revenue:30:1")
        assert "Reports are for" in refused.text and "went wrong" not in refused.text
        # The owner: a period before year 1, or past today, is no button of ours.
        for data in ("kpi:revenue:30:1", "kpi:ratings:3:1", "kpi:points:30:3652059"):
            stale = await owner.press(data)
            assert stale.toasts == ["This button is no longer active."], data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_forged_accept_button_cannot_carry_a_source_or_referral_of_its_own(tg, db) -> None:
    for user_id, data in ((101, "ok:1:1::<b>x"), (102, "ok:1:1::" + "a" * 60), (103, "ok:1:1:x:")):
        user = tg(user_id)
        await user.send("/start")
        joined = await user.press(data)
        assert "went wrong" not in joined.text
    rows = await db.all(select(Membership).order_by(Membership.id))
    assert [(m.source, m.referrer_id) for m in rows] == [(None, None)] * 3


async def test_an_order_over_the_cap_of_one_sale_is_refused_at_checkout_and_never_crashes_the_till(
    tg, db
) -> None:
    from db.models import CatalogItem, Preorder

    owner, anna = tg(OWNER), tg(101)
    await anna.press((await anna.send("/start")).button("✅"))
    too_dear = await owner.send("/additem Big | Cake | 1000.01")  # the cap is €1,000
    assert "over the limit for one sale" in too_dear.text
    assert await db.count(CatalogItem) == 0
    await owner.send("/additem Big | Cake | 600")
    for _ in range(2):
        items = await anna.press((await anna.send("/catalog")).button("Big"))
        await anna.press(items.button("Cake"))
    refused = await anna.press((await anna.send("/cart")).button("Check out"))
    assert refused.toasts and "more than one purchase here can be" in refused.toasts[0]
    assert await db.count(Preorder) == 0
    # An order made under a higher cap: the till says so, clearly, and writes nothing.
    await anna.press((await anna.send("/cart")).button("➖ Cake"))
    ordered = await anna.press((await anna.send("/cart")).button("Check out"))
    assert "Pre-order #1" in ordered.text
    from sqlalchemy import update

    from db.models import Merchant, PaymentCode, Purchase

    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(max_sale_minor=50_000))
    code = await db.scalar(select(PaymentCode.code).where(PaymentCode.preorder_id.is_not(None)))
    till = await owner.send(code)
    assert "over the limit for one sale" in till.text and "went wrong" not in till.text
    assert await db.count(Purchase) == 0


async def test_a_referrer_whose_level_a_friends_refund_undoes_is_told_and_their_balance_is_right(
    tg, db
) -> None:
    from aiogram.methods import SendMessage

    from db.models import Customer, LedgerEntry, PaymentCode, Purchase

    async def code_of(user_id: int) -> str:
        await tg(user_id).send("/code")
        return str(
            await db.scalar(
                select(PaymentCode.code)
                .join(Membership, Membership.id == PaymentCode.membership_id)
                .join(Customer, Customer.id == Membership.customer_id)
                .where(Customer.telegram_id == user_id, PaymentCode.preorder_id.is_(None))
            )
        )

    owner, rita = tg(OWNER), tg(100, first_name="Rita")
    await rita.press((await rita.send("/start")).button("✅"))
    link = await db.scalar(select(Membership.referral_code))
    for friend_id in (101, 102):
        friend = tg(friend_id)
        await friend.press((await friend.send(f"/start r{link}")).button("✅"))
    for buyer, amount in ((101, "10"), (102, "10"), (100, "100")):
        preview = await owner.send(f"/sale {await code_of(buyer)} {amount}")
        await owner.press(preview.button("Confirm"))
    first_friend_sale = await db.scalar(
        select(Purchase.id).join(Membership).join(Customer).where(Customer.telegram_id == 101)
    )
    asked = await owner.send(f"/refund {first_friend_sale}")
    done = await owner.press(asked.button("Refund"))
    told = [m.text for m in done.of(SendMessage) if m.chat_id == 100]
    assert len(told) == 1 and "is taken back too" in told[0], told
    balance = await db.scalar(
        select(Membership.balance_minor).join(Customer).where(Customer.telegram_id == 100)
    )
    assert f"Balance: <b>{balance:,} points</b>" in told[0]
    level = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "level_reversed"))
    assert [e.delta_minor for e in level] and f"{-level[0].delta_minor} points" in told[0]


async def test_an_owner_who_is_not_a_member_gets_alerts_in_their_own_language(tg, db) -> None:
    """The owner writes to the bot in Russian and never joined the program: the note that a
    cashier joined comes in Russian, not in the merchant's default English."""
    from aiogram.methods import SendMessage

    from db.models import Customer, StaffLanguage

    owner, kasia = tg(OWNER, language_code="ru"), tg(50, first_name="Kasia")
    invite = await owner.press("sinv:staff")
    joined = await kasia.send("/start " + invite.text.split()[-1].split("start=")[1])
    (note,) = [m.text for m in joined.of(SendMessage) if m.chat_id == OWNER]
    assert note == "👋 Kasia принял(а) приглашение и теперь в команде. Роль — кассир."
    assert await db.count(Customer) == 0  # nothing of a customer is kept for them
    assert [(r.telegram_id, r.language) for r in await db.all(select(StaffLanguage))] == [
        (OWNER, "ru")
    ]
