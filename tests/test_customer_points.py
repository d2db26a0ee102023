"""/customer's actions: adjust points with a reason (preview, Save once), correct the
birthday, block and unblock (the till and /code say so)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models import AuditLog, Customer, LedgerEntry, Membership, Outbox, Staff
from services.policy import build_payload
from tests.factories import check_ledger_invariant
from tests.telegram import TgUser, hire, join

OWNER = 1


async def member(db, tg: int) -> Membership:
    row: Membership = await db.scalar(
        select(Membership).join(Customer).where(Customer.telegram_id == tg)
    )
    return row


async def scene(tg, db) -> tuple[TgUser, TgUser, TgUser, int]:
    """An admin (60), a cashier (50), Anna (101) with 120 points; Anna's member number."""
    owner, ada, kasia, anna = tg(OWNER), tg(60, first_name="Ada"), tg(50), tg(101)
    await hire(owner, ada, "admin")
    await hire(owner, kasia)
    await join(anna)
    await db.credit(101, 120)
    return ada, kasia, anna, (await member(db, 101)).id


async def test_an_admin_takes_points_with_a_reason_once_and_the_member_is_told(
    tg, db, session
) -> None:
    ada, _kasia, anna, number = await scene(tg, db)
    page = await ada.send(f"/customer #{number}")
    asked = await ada.press(page.button("Adjust points"))
    assert asked.texts == [
        "Send +50 to add points or -50 to take them. The balance now: 120 points."
    ]
    assert "Now the reason" in (await ada.send("−20")).text
    preview = await ada.send("  Double  cashback by mistake ")
    assert preview.texts == [
        f"Member #{number}\nTake 20 points\nBalance: 120 → 100\nReason: Double cashback by mistake"
    ]
    save = preview.button("Save")
    saved = await ada.press(save)
    assert saved.toasts == ["Saved."]
    assert f"Member #{number}'s balance: 100 points. We told them." in saved.text
    assert saved.to(101) == [
        "➖ Test Café took 20 points from your balance.\nReason: Double cashback by mistake\n"
        "Balance: <b>100 points</b>"
    ]
    again = await ada.press(save)  # pressed twice: once
    assert "no longer open" in again.toasts[0] or "balance changed" in again.toasts[0]
    assert (await member(db, 101)).balance_minor == 100
    entries = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "adjustment"))
    assert [(e.delta_minor, e.balance_after_minor, e.note) for e in entries] == [
        (-20, 100, "Double cashback by mistake")
    ]
    audit = await db.all(select(AuditLog).where(AuditLog.action == "points_adjust"))
    assert [(a.actor_telegram_id, a.target, a.details) for a in audit] == [
        (60, str(number), "-20 Double cashback by mistake")
    ]
    assert len(await db.all(select(Outbox).where(Outbox.kind == "points_adjusted"))) == 1
    await check_ledger_invariant(session)
    # The member's /history shows the reason under the entry.
    history = (await anna.send("/history")).text
    assert "<b>−20</b>  Adjustment\n    ↳ <i>Double cashback by mistake</i>" in history


async def test_the_same_save_pressed_twice_at_once_saves_once(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    await ada.send("+30")
    save = (await ada.send("Birthday cake")).button("Save")
    # A forged Save with other numbers than the preview's, then the real one twice.
    assert "no longer open" in (await ada.press(f"adj:{number}:999:120:1")).toasts[0]
    await asyncio.gather(ada.press(save), ada.press(save), ada.press(save))
    await ada.replay()
    assert (await member(db, 101)).balance_minor == 150
    entries = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "adjustment"))
    assert len(entries) == 1


async def test_bad_amounts_and_reasons_are_asked_again(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    cases = {
        "abc": "Send a whole number of points with + or -",
        "50": "Send a whole number of points with + or -",
        "+1e9": "Send a whole number of points with + or -",
        "1e9": "Send a whole number of points with + or -",
        "+0": "Send a whole number of points with + or -",
        "+²5": "Send a whole number of points with + or -",
        "+12345678901234567890": "too many points at once",
        "-121": "can't go below zero",
    }
    for typed, reply in cases.items():
        assert reply in (await ada.send(typed)).text, typed
    assert "Now the reason" in (await ada.send("-120")).text
    # Too long: its length is said (in the reader's numbers), and the reason is asked again.
    assert (await ada.send("x" * 1001)).texts == ["That is 1,001 characters; the limit is 200."]
    assert (await ada.send("x" * 201)).texts == ["That is 201 characters; the limit is 200."]
    assert "Send a whole number" not in (await ada.send("   ")).text
    preview = await ada.send("Closing the account")
    assert "Balance: 120 → 0" in preview.text
    # A sale spends points meanwhile: the preview no longer holds.
    await db.credit(101, -10)
    assert "balance changed" in (await ada.press(preview.button("Save"))).toasts[0]
    assert (await member(db, 101)).balance_minor == 110
    assert await db.all(select(AuditLog).where(AuditLog.action == "points_adjust")) == []


async def test_cancel_changes_nothing(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    await ada.send("+5")
    preview = await ada.send("Sorry")
    cancelled = await ada.press(preview.button("Cancel"))
    assert "Nothing was changed" in cancelled.text
    assert "no longer open" in (await ada.press(preview.button("Save"))).toasts[0]
    assert (await member(db, 101)).balance_minor == 120


async def test_the_birthday_is_corrected_from_the_page(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    page = await ada.send(f"/customer #{number}")
    assert "24.05.1990" in (await ada.press(page.button("Correct birthday"))).text
    assert "no such date" in (await ada.send("31.02.1990")).text
    done = await ada.send("24.05.1990")
    assert f"The birthday of member #{number} is now 24 May 1990. We told them." in done.text
    assert done.to(101) == ["🎂 Test Café corrected your birthday: 24 May 1990."]
    audit = await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct"))
    assert [(a.actor_telegram_id, a.target) for a in audit] == [(60, str(number))]
    assert "Birthday: 24 May 1990" in (await ada.send(f"/customer #{number}")).text


async def test_a_blocked_member_cannot_buy_until_unblocked(tg, db) -> None:
    ada, kasia, anna, number = await scene(tg, db)
    page = await ada.send(f"/customer #{number}")
    blocked = await ada.press(page.button("Block"))
    assert blocked.toasts == ["Card paused."]
    assert "⛔ Card paused" in blocked.text and blocked.button("Unblock")
    await ada.press(page.button("Block"))  # twice: audited once
    assert (await member(db, 101)).blocked_at is not None
    code = await anna.send("/code")
    assert "Your card is paused" in code.text
    card = await kasia.send(f"/customer {await db.pay_code(101)}")  # the cashier sees it too
    assert "⛔ Card paused: no points can be earned or spent." in card.text
    refused = await kasia.send(f"/sale {await db.pay_code(101)} 10")
    assert "card is paused by the staff" in refused.text
    assert await db.scalar(select(LedgerEntry).where(LedgerEntry.reason == "cashback")) is None
    # Unblocked, the same code sells.
    unblocked = await ada.press(blocked.button("Unblock"))
    assert unblocked.toasts == ["Card active again."] and "Card paused" not in unblocked.text
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 10")
    done = await kasia.press(preview.button("Confirm"))
    assert "Points earned" in done.to(101)[0]
    actions = await db.all(
        select(AuditLog.action).where(AuditLog.action.in_(("member_block", "member_unblock")))
    )
    assert actions == ["member_block", "member_unblock"]
    assert "Your card is paused" not in (await anna.send("/code")).text


async def test_a_member_blocked_after_the_preview_is_refused_at_confirm(tg, db) -> None:
    ada, kasia, anna, number = await scene(tg, db)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 10")
    await ada.press((await ada.send(f"/customer #{number}")).button("Block"))
    refused = await kasia.press(preview.button("Confirm"))
    assert "card is paused by the staff" in refused.toasts[0]
    assert (await member(db, 101)).purchases_count == 0


async def test_an_admin_revoked_mid_form_is_stopped_at_the_next_step(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    await ada.send("+40")
    ada_row = await db.scalar(select(Staff.id).where(Staff.telegram_id == 60))
    await tg(OWNER).press(f"srev:{ada_row}")
    assert (await ada.send("A reason")).texts == ["This is for the staff of this place."]
    assert (await member(db, 101)).balance_minor == 120


async def test_a_blocked_referrer_earns_nothing_from_a_friends_purchase(tg, db) -> None:
    ada, kasia, _anna, number = await scene(tg, db)
    code = (await member(db, 101)).referral_code
    bob = tg(102)
    await join(bob, payload=build_payload(referral_code=code))
    await bob.send("/code")
    page = await ada.send(f"/customer #{number}")
    await ada.press(page.button("Block"))
    preview = await kasia.send(f"/sale {await db.pay_code(102)} 100")
    done = await kasia.press(preview.button("Confirm"))
    assert "Points earned" in done.to(102)[0] and done.to(101) == []
    anna = await member(db, 101)
    assert (anna.balance_minor, anna.effective_referrals) == (120, 0)
    rewards = await db.all(
        select(LedgerEntry).where(LedgerEntry.reason.in_(("referral", "referral_bonus")))
    )
    assert rewards == []


async def test_a_paused_members_points_are_not_adjusted(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    paused = f"The card of member #{number} is paused: unblock it first."
    page = await ada.send(f"/customer #{number}")
    # Previewed while the card was active, then paused: Save refuses.
    await ada.press(page.button("Adjust points"))
    await ada.send("+30")
    preview = await ada.send("Birthday cake")
    blocked = await ada.press(page.button("Block"))
    assert (await ada.press(preview.button("Save"))).toasts == [paused]
    # Paused: the Adjust button refuses at once, and asks for nothing.
    refused = await ada.press(blocked.button("Adjust points"))
    assert refused.toasts == [paused] and refused.texts == []
    assert "24.05.1990" in (await ada.press(blocked.button("Correct birthday"))).text
    assert (await ada.send("/cancel")).texts == ["OK, cancelled."]
    assert (await member(db, 101)).balance_minor == 120
    assert await db.all(select(AuditLog).where(AuditLog.action == "points_adjust")) == []
    assert await db.all(select(Outbox).where(Outbox.kind == "points_adjusted")) == []
    # Unblocked, the points can be adjusted again; the birthday could be corrected all along.
    unblocked = await ada.press(blocked.button("Unblock"))
    assert "Send +50" in (await ada.press(unblocked.button("Adjust points"))).text


async def test_the_preview_waits_for_its_buttons(tg, db) -> None:
    ada, _kasia, _anna, number = await scene(tg, db)
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    await ada.send("+30")
    preview = await ada.send("Birthday cake")
    for typed in ("hello", "+30", "Birthday cake"):
        assert (await ada.send(typed)).texts == ["Press Save or Cancel above."], typed
    assert (await member(db, 101)).balance_minor == 120
    saved = await ada.press(preview.button("Save"))
    assert saved.toasts == ["Saved."] and (await member(db, 101)).balance_minor == 150
    assert "Press Save or Cancel" not in (await ada.send("hello")).text  # the step is over
    # /cancel ends a preview too, and its Save no longer saves.
    await ada.press((await ada.send(f"/customer #{number}")).button("Adjust points"))
    await ada.send("+5")
    second = await ada.send("Sorry")
    assert (await ada.send("/cancel")).texts == ["OK, cancelled."]
    assert "Press Save or Cancel" not in (await ada.send("hello")).text
    assert "no longer open" in (await ada.press(second.button("Save"))).toasts[0]
    assert (await member(db, 101)).balance_minor == 150


async def test_polish_and_hungarian_admins_read_one_name_for_a_member(tg, db) -> None:
    _ada, _kasia, _anna, number = await scene(tg, db)
    ola, eva = tg(61, language_code="pl"), tg(62, language_code="hu")
    await hire(tg(OWNER), ola, "admin")
    await hire(tg(OWNER), eva, "admin")
    page = await ola.send(f"/customer #{number}")
    assert f"· uczestnik #{number}" in page.text
    await ola.press(page.button("Zmień punkty"))
    await ola.send("+5")
    preview = await ola.send("Przeprosiny")
    assert preview.text.startswith(f"Uczestnik #{number}\n")
    saved = await ola.press(preview.button("Zapisz"))
    assert f"Saldo uczestnika #{number}: 125 punktów" in saved.text
    assert "członk" not in page.text + preview.text + saved.text
    hu_page = await eva.send(f"/customer #{number}")
    assert f"· #{number} számú tag" in hu_page.text
    await eva.press(hu_page.button("Letiltás"))
    refused = await eva.press(hu_page.button("Pontok módosítása"))
    assert refused.toasts == [
        f"A(z) #{number} számú tag kártyája fel van függesztve: előbb oldd fel a letiltást."
    ]
