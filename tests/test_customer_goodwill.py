"""The low-rating alert's buttons, and goodwill points: once per sale, by its merchant's admins
and owners only."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models import AuditLog, Customer, LedgerEntry, Membership, Outbox, Staff
from tests.factories import check_ledger_invariant, make_merchant, make_staff
from tests.telegram import Sent, TgUser, hire, join

OWNER = 1
STAFF_ONLY = "This is for the staff of this place."
ADMINS_ONLY = "Only the admins of this place can do this."
POINTS_RANGE = "Send a number of points from 1 to 100,000."


async def balance(db, tg: int) -> int:
    return int(
        await db.scalar(
            select(Membership.balance_minor).join(Customer).where(Customer.telegram_id == tg)
        )
    )


async def rated_low(tg, db) -> tuple[TgUser, TgUser, TgUser, Sent]:
    """Admin Ada (60), cashier Kasia (50), Anna (101) who rated her purchase #1 two stars;
    what the rating sent (the alerts)."""
    owner, ada, kasia = tg(OWNER), tg(60, first_name="Ada"), tg(50, first_name="Kasia")
    anna = tg(101)
    await hire(owner, ada, "admin")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 10")
    await kasia.press(preview.button("Confirm"))
    rated = await anna.press("rate:1:2")
    return ada, kasia, anna, rated


async def test_the_alert_has_reply_and_goodwill_buttons(tg, db) -> None:
    _ada, _kasia, _anna, rated = await rated_low(tg, db)
    alerts = rated.to(60)
    assert alerts and "Low rating ★★ for sale #1" in alerts[0]
    assert rated.button("💬 Reply") == "rrep:1"
    assert rated.button("🎁 Goodwill points") == "gw:1"


async def test_goodwill_is_given_once_and_the_member_is_told(tg, db, session) -> None:
    ada, _kasia, _anna, _rated = await rated_low(tg, db)
    owner = tg(OWNER)
    before = await balance(db, 101)
    offer = await ada.press("gw:1")
    assert "How many goodwill points for the customer of sale #1?" in offer.text
    assert offer.button("200 points")
    hundred = offer.button("100 points")
    presses = await asyncio.gather(ada.press(hundred), ada.press(hundred), ada.press(hundred))
    # Three presses at once (their recorded requests overlap): one gives, two are told.
    given = Sent({id(m): m for p in presses for m in p}.values())
    assert given.toasts.count("Saved.") == 1
    assert sum("given already: 100 points by" in t for t in given.toasts) == 2
    assert "100 points given to the customer of sale #1. We told them." in given.text
    assert given.to(101) == [
        "🎁 We're sorry your visit to Test Café wasn't great. Here are 100 points from us.\n"
        f"Balance: <b>{before + 100} points</b>"
    ]
    # Again, by the same admin or by the owner, from the alert or the amounts: said, not given.
    for person, data in ((ada, offer.button("200 points")), (ada, "gw:1"), (owner, "gw:1")):
        again = await person.press(data)
        assert again.toasts and "given already: 100 points by Ada" in again.toasts[0]
    assert await balance(db, 101) == before + 100
    entries = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "goodwill"))
    assert [(e.delta_minor, e.purchase_id) for e in entries] == [(100, 1)]
    audit = await db.all(select(AuditLog).where(AuditLog.action == "goodwill_points"))
    assert [(a.actor_telegram_id, a.target, a.details) for a in audit] == [(60, "1", "100")]
    assert len(await db.all(select(Outbox).where(Outbox.kind == "goodwill_points"))) == 1
    await check_ledger_invariant(session)
    # The owner's points report counts them as issued, under their own name.
    report = await owner.send("/kpi points")
    assert "goodwill 100" in report.text


async def test_a_typed_amount_and_bad_ones(tg, db) -> None:
    _ada, _kasia, _anna, _rated = await rated_low(tg, db)
    owner = tg(OWNER)
    before = await balance(db, 101)
    offer = await owner.press("gw:1")
    assert "from 1 to 100,000" in (await owner.press(offer.button("Another amount"))).text
    for typed in ("abc", "0", "1e9", "-5", "²5", "12,5", "²"):
        assert (await owner.send(typed)).texts == [POINTS_RANGE], typed
    assert "too many points" in (await owner.send("12345678901234567890")).text
    done = await owner.send("150")
    assert "150 points given" in done.text
    assert await balance(db, 101) == before + 150
    again = await owner.press("gw:1")
    assert "given already: 150 points by an owner" in again.toasts[0]


async def test_only_the_sales_admins_and_owners_give_goodwill(tg, db, session, clock) -> None:
    ada, kasia, anna, _rated = await rated_low(tg, db)
    offer = await ada.press("gw:1")
    ada_row = await db.scalar(select(Staff.id).where(Staff.telegram_id == 60))
    await tg(OWNER).press(f"srev:{ada_row}")  # revoked after the alert came
    other = await make_merchant(session, clock, slug="other")
    await make_staff(session, clock, other, 70, role="admin")
    stranger = tg(70)
    before = await balance(db, 101)
    assert (await ada.press(offer.button("100 points"))).toasts == [STAFF_ONLY]
    for person, said in ((kasia, ADMINS_ONLY), (anna, STAFF_ONLY), (ada, STAFF_ONLY)):
        for data in ("gw:1", "cust:gw:1:100", "cust:gwt:1:0", "gw:999"):
            assert (await person.press(data)).toasts == [said], (person.id, data)
    for data in ("gw:1", "cust:gw:1:100"):
        refused = await stranger.press(data)
        assert refused.toasts == ["There is no such sale here."]
    assert await balance(db, 101) == before
    assert await db.all(select(AuditLog).where(AuditLog.action == "goodwill_points")) == []


async def test_an_amount_typed_at_the_prompt_is_given(tg, db, session) -> None:
    ada, kasia, _anna, _rated = await rated_low(tg, db)
    before = await balance(db, 101)
    refused = await kasia.press("gw:1")  # a cashier: no prompt, so nothing she types counts
    assert refused.toasts == [ADMINS_ONLY]
    assert "given" not in (await kasia.send("150")).text
    offer = await ada.press("gw:1")
    assert "How many goodwill points" in offer.text
    assert (await ada.send("12,5")).texts == [POINTS_RANGE]
    done = await ada.send("150")
    assert "150 points given to the customer of sale #1" in done.text
    assert await balance(db, 101) == before + 150
    # Given: the step is closed, a number typed again gives nothing.
    assert "given" not in (await ada.send("150")).text
    assert await balance(db, 101) == before + 150
    entries = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "goodwill"))
    assert [(e.delta_minor, e.purchase_id) for e in entries] == [(150, 1)]
    audit = await db.all(select(AuditLog).where(AuditLog.action == "goodwill_points"))
    assert [(a.actor_telegram_id, a.details) for a in audit] == [(60, "150")]
    await check_ledger_invariant(session)


async def test_a_pressed_amount_closes_the_typed_step(tg, db) -> None:
    ada, _kasia, _anna, _rated = await rated_low(tg, db)
    before = await balance(db, 101)
    offer = await ada.press("gw:1")
    await ada.press(offer.button("100 points"))
    assert "given" not in (await ada.send("150")).text
    assert await balance(db, 101) == before + 100


async def test_the_page_shows_visits_spend_ratings_and_referrals(tg, db) -> None:
    ada, kasia, _anna, _rated = await rated_low(tg, db)
    referral = await db.scalar(
        select(Membership.referral_code).join(Customer).where(Customer.telegram_id == 101)
    )
    bob = tg(202, first_name="Bob")
    await join(bob, f"r{referral}")
    await join(tg(203), f"r{referral}")
    await bob.send("/code")
    await kasia.press((await kasia.send(f"/sale {await db.pay_code(202)} 5")).button("Confirm"))
    page = await ada.send("/customer #1")
    text = page.text
    assert "1 visit, spent €10" in text
    assert "Friends: 1 bought of 2 invited" in text
    assert "Last ratings:\n★★ " in text
    owner_view = await tg(OWNER).send("/customer #1")  # an owner, who is no staff row
    assert owner_view.text == text


async def test_the_range_is_said_in_the_readers_language(tg, db) -> None:
    await rated_low(tg, db)
    owner = tg(OWNER, language_code="pl")
    await owner.press("gw:1")
    assert (await owner.send("-5")).texts == ["Wyślij liczbę punktów od 1 do 100\xa0000."]
