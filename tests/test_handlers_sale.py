"""The till through the production dispatcher: staff invites, /sale, confirm, refund, rating."""

from __future__ import annotations

import asyncio

from aiogram.methods import EditMessageText, SendMessage, SendPhoto, SetMyCommands
from sqlalchemy import func, select

from db.models import (
    Customer,
    LedgerEntry,
    Membership,
    Purchase,
    Refund,
    Staff,
)
from tests.telegram import Counted, Sent, TgUser, hire, join

OWNER = 1  # OWNER_IDS in the test settings


async def open_till(tg, db, points: int = 0, cashier: str = "Anna") -> tuple[TgUser, ...]:
    """The owner, a cashier (50) they hired, and a member (101, Anna) holding `points` points
    and a till code."""
    owner, kasia, anna = tg(OWNER), tg(50, first_name=cashier), tg(101)
    await hire(owner, kasia)
    await join(anna)
    if points:
        await db.credit(101, points)
    await anna.send("/code")
    return owner, kasia, anna


async def sell(cashier: TgUser, db, amount: str, customer: int = 101) -> Sent:
    """A one-line /sale for the customer's till code, confirmed; returns what Confirm sent."""
    preview = await cashier.send(f"/sale {await db.pay_code(customer)} {amount}")
    return await cashier.press(preview.button("Confirm"))


async def test_owner_hires_a_cashier_with_a_one_time_link(tg, db) -> None:
    owner, kasia, _other = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia"), tg(51)
    welcome = await hire(owner, kasia)
    assert "Welcome to the team of Test Café as a cashier" in welcome.text
    assert "/help lists the rest" not in welcome.text  # that is the admins' console
    commands = welcome.of(SetMyCommands)[0]
    assert [c.command for c in commands.commands][:3] == ["sale", "sales", "refund"]
    staff = await db.scalar(select(Staff))
    assert (staff.telegram_id, staff.role, staff.name) == (50, "staff", "Kasia")
    # The same link again: used.
    listing = await owner.send("/staff")
    assert "Kasia — cashier" in listing.text


async def test_an_invite_link_works_once_and_a_stranger_cannot_manage_staff(tg, db) -> None:
    owner, kasia, thief = tg(OWNER), tg(50), tg(66)
    staff = await owner.send("/staff")
    link = (await owner.press(staff.button("Invite a cashier"))).text.split()[-1]
    payload = link.split("start=")[1]
    await kasia.send("/start " + payload)
    stolen = await thief.send("/start " + payload)
    assert "already been used" in stolen.text
    assert "Only the admins" in (await thief.send("/staff")).text
    assert "for the staff" in (await thief.send("/sale")).text
    assert await db.count(Staff) == 1


async def test_revoked_cashier_loses_access_at_once(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    staff = await owner.send("/staff")
    revoked = await owner.press(staff.button("Revoke Kasia"))
    assert revoked.toasts == ["Kasia no longer has access."]
    again = await owner.press(staff.button("Revoke Kasia"))
    assert again.toasts == ["Already revoked."]
    assert "for the staff" in (await kasia.send("/sale")).text


async def test_sale_step_by_step_with_points_and_receipt(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db, points=1_000, cashier="Kasia")
    code = await db.pay_code(101)
    ask = await kasia.send("/sale")
    assert "6-digit code" in ask.text
    till = await kasia.send(code)
    assert "Anna" in till.text and "1,000 points" in till.text and "check amount" in till.text
    for bad, reply in [
        ("-5", "as a number"),
        ("abc", "as a number"),
        ("1e9", "as a number"),
        ("12.505", "decimal places"),
        ("0", "more than zero"),
        ("5000", "over the limit"),
    ]:
        assert reply in (await kasia.send(bad)).text, bad
    # The amount brings the preview at once, with the points and the receipt as buttons.
    first = await kasia.send("19,90")
    assert "Points to spend: 0 points" in first.text and "To pay: <b>€19.90</b>" in first.text
    assert "may spend up to 398 points" in first.text
    assert first.button_or_none("Spend 398 points") and first.button_or_none("Spend 199 points")
    key = first.button("Confirm").split(":")[1]
    forged = await kasia.press(f"pts:{key}:399")
    assert forged.toasts == ["That is more points than this check allows."]
    asked = await kasia.press(first.button("Add receipt no."))
    assert "Enter the receipt number:" in asked.text
    with_receipt = await kasia.send("R-17")
    assert (
        "Receipt: R-17" in with_receipt.text and "Points to spend: 0 points" in with_receipt.text
    )
    assert with_receipt.button_or_none("Change receipt no.")
    preview = await kasia.press(with_receipt.button("Spend 199 points"))
    text = preview.of(EditMessageText)[0].text
    assert "Check: €19.90" in text and "Points to spend: 199 points" in text
    assert "To pay: <b>€17.91</b>" in text and "Cashback to earn: 53 points" in text
    assert "Receipt: R-17" in text
    assert preview.button_or_none("Spend 398 points") and preview.button_or_none("no points")
    assert await db.count(LedgerEntry) == 1  # nothing moves before Confirm
    before = len(kasia.session.requests)
    confirm = preview.button("Confirm")
    done = await kasia.press(confirm)
    assert "Sale #1 confirmed" in done.of(EditMessageText)[0].text  # re-priced, not renumbered
    receipt_msg = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert "Points spent: 199 points" in receipt_msg.text
    assert "Points earned: +53 points" in receipt_msg.text
    assert "Balance: <b>854 points</b>" in receipt_msg.text
    again = await kasia.press(confirm)
    assert again.toasts == ["Already confirmed."]
    assert (
        len([m for m in Sent(kasia.session.requests[before:]).of(SendMessage) if m.chat_id == 101])
        == 1
    )
    purchases = await db.all(select(Purchase).order_by(Purchase.id))
    assert [p.status for p in purchases] == ["confirmed"]  # one draft, re-priced twice
    assert (purchases[0].amount_minor, purchases[0].points_spent, purchases[0].receipt_no) == (
        1990,
        199,
        "R-17",
    )
    member = await db.scalar(select(Membership))
    assert member.balance_minor == 854


async def test_a_sale_takes_four_cashier_actions_with_points_and_three_without(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50)
    anna, bob = tg(101, first_name="Anna"), tg(102, first_name="Bob")
    await hire(owner, kasia)
    await join(anna)
    await join(bob)
    await db.credit(101, 1_000)
    await anna.send("/code")
    await bob.send("/code")
    # With points: the code (the QR scan), the amount, one tap for points, Confirm.
    till = Counted(kasia)
    await till.send(f"/start p{await db.pay_code(101)}")
    preview = await till.send("19,90")
    repriced = await till.press(preview.button("Spend 398 points"))
    done = await till.press(repriced.button("Confirm"))
    assert "Sale #1 confirmed" in done.text and till.actions == 4
    # Without points: no points button, three actions.
    till = Counted(kasia)
    await till.send(f"/start p{await db.pay_code(102)}")
    preview = await till.send("10")
    assert preview.button_or_none("Spend") is None and "may spend" not in preview.text
    done = await till.press(preview.button("Confirm"))
    assert "Sale #2 confirmed" in done.text and till.actions == 3
    rows = await db.all(select(Purchase).order_by(Purchase.id))
    # A tap on the preview re-prices the same draft: the sale keeps its number.
    assert [(p.status, p.amount_minor, p.points_spent) for p in rows] == [
        ("confirmed", 1990, 398),
        ("confirmed", 1000, 0),
    ]


async def test_a_required_receipt_is_one_typed_step_before_the_preview(tg, db, settings) -> None:
    settings.receipt_required = True
    _owner, kasia, _anna = await open_till(tg, db, points=500)
    till = Counted(kasia)
    await till.send(f"/start p{await db.pay_code(101)}")
    asked = await till.send("10")
    assert "Enter the receipt number:" in asked.text and not asked.button_or_none("Skip")
    preview = await till.send("A-7")
    assert "Receipt: A-7" in preview.text and preview.button_or_none("receipt no.") is None
    repriced = await till.press(preview.button("Spend 200 points"))
    assert "Receipt: A-7" in repriced.text and "Points to spend: 200 points" in repriced.text
    done = await till.press(repriced.button("Confirm"))
    assert "confirmed" in done.text and till.actions == 5
    purchase = await db.scalar(select(Purchase).where(Purchase.status == "confirmed"))
    assert (purchase.receipt_no, purchase.points_spent) == ("A-7", 200)


async def test_an_old_preview_confirms_nothing_once_repriced(tg, db) -> None:
    _owner, kasia, anna = await open_till(tg, db, points=1_000)
    old = await kasia.send(f"/sale {await db.pay_code(101)} 10")
    spend = old.button("Spend 200 points")
    new = await kasia.press(spend)
    # The old Confirm, and the points button pressed again: polite toasts, nothing written.
    stale = await kasia.press(old.button("Confirm"))
    assert stale.toasts == ["This sale is no longer open."]
    assert (await kasia.press(spend)).toasts == ["This sale is no longer open."]
    assert (await kasia.press(old.button("Add receipt no."))).toasts == [
        "This sale is no longer open."
    ]
    assert await db.count(LedgerEntry) == 1
    # Someone who is not staff gets a refusal before anything is read.
    assert (await anna.press(new.button("no points"))).toasts == [
        "This command is for the staff of this place."
    ]
    assert (await anna.press(new.button("Add receipt no."))).toasts == [
        "This command is for the staff of this place."
    ]
    done = await kasia.press(new.button("Confirm"))
    assert "; 200 points spent, 24 points earned." in done.text
    rows = await db.all(select(Purchase).order_by(Purchase.id))
    assert [(p.status, p.points_spent) for p in rows] == [("confirmed", 200)]
    assert (await db.scalar(select(Membership))).balance_minor == 1_000 - 200 + 24


async def test_one_line_sale_and_double_confirm_at_once(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db, points=500)
    code = await db.pay_code(101)
    shown = await kasia.send(f"/sale {code} 19.90")
    assert "may spend up to 398 points" in shown.text and shown.button_or_none("Spend 398")
    await kasia.press(shown.button("Cancel"))
    preview = await kasia.send(f"/sale {code} 19.90 spend 5")
    assert "Points to spend: 5 points" in preview.text
    key = preview.button("Confirm")
    await asyncio.gather(kasia.press(key), kasia.press(key), kasia.press(key))
    assert await db.scalar(select(func.count()).where(Purchase.status == "confirmed")) == 1
    member = await db.scalar(select(Membership))
    assert member.balance_minor == 500 - 5 + 59  # 3 % of 19.85, rounded down


async def test_cashier_scans_the_customers_qr(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db)
    code = await db.pay_code(101)
    # The QR opens t.me/<bot>?start=p<code> on the cashier's phone.
    till = await kasia.send(f"/start p{code}")
    assert "Anna" in till.text and "check amount" in till.text
    preview = await kasia.send("10")
    assert "To pay: <b>€10</b>" in preview.text


async def test_wrong_codes_pause_the_cashier_and_tell_the_admins(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    await kasia.send("/sale")
    replies = [await kasia.send(f"99999{i}") for i in range(5)]
    assert all("No customer has this code" in r.text for r in replies)
    alert = [m for m in replies[-1].of(SendMessage) if m.chat_id == OWNER]
    assert alert and "Kasia entered too many wrong codes" in alert[0].text
    paused = await kasia.send("/sale")
    assert "paused until" in paused.text


async def test_cancel_leaves_nothing_charged(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db)
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 5")
    cancelled = await kasia.press(preview.button("Cancel"))
    assert "Nothing was charged" in cancelled.text
    late = await kasia.press(preview.button("Confirm"))
    assert "no longer open" in late.toasts[0]
    assert (await db.scalar(select(Purchase))).status == "cancelled"
    assert await db.count(LedgerEntry) == 0


async def test_refund_command_and_customer_is_told(tg, db) -> None:
    _owner, kasia, anna = await open_till(tg, db)
    await sell(kasia, db, "20")
    for bad, reply in [
        ("/refund", "Use: /refund"),
        ("/refund abc", "Use: /refund"),
        ("/refund 99", "no sale #99"),
        ("/refund 1 25", "more than is left"),
        ("/refund 1 -3", "as a number"),
    ]:
        assert reply in (await kasia.send(bad)).text, bad
    # First what will happen; nothing is written before Confirm.
    asked = await kasia.send("/refund 1 5")
    text = asked.text
    assert "Refund on sale #1?" in text and "Customer: Anna" in text and "Sale of " in text
    assert "Amount to refund: €5" in text and "Hand back: <b>€5</b>" in text
    assert "Points returned to the customer: 0 points" in text
    assert "Cashback taken back: 15 points" in text
    assert await db.count(Refund) == 0 and not [
        m for m in asked.of(SendMessage) if m.chat_id == 101
    ]
    # A customer pressing Confirm is refused and nothing is written.
    assert (await anna.press(asked.button("Refund"))).toasts == [
        "This command is for the staff of this place."
    ]
    assert await db.count(Refund) == 0
    done = await kasia.press(asked.button("Refund"))
    edited = done.of(EditMessageText)[0].text
    assert "Refund of €5 on sale #1" in edited and "Hand back <b>€5</b>" in edited
    told = [m for m in done.of(SendMessage) if m.chat_id == 101]
    assert told and "of purchase #1 was refunded" in told[0].text
    assert "Money back to you: €5." in told[0].text  # what the customer gets in cash
    assert "kept back" not in told[0].text
    twice = await kasia.press(asked.button("Refund"))
    assert twice.toasts == ["Already refunded."]
    assert (await db.scalar(select(Purchase))).refunded_minor == 500
    assert await db.count(Refund) == 1
    sales_today = await kasia.send("/sales")
    assert "#1" in sales_today.text and "refunded €5" in sales_today.text


async def test_a_cancelled_refund_writes_nothing_and_a_stale_one_asks_again(tg, db) -> None:
    owner, kasia, _anna = await open_till(tg, db)
    await sell(kasia, db, "20")
    asked = await kasia.send("/refund 1")
    assert "Amount to refund: €20" in asked.text
    cancelled = await kasia.press(asked.button("Cancel"))
    assert "Refund cancelled. Nothing was changed." in cancelled.text
    assert await db.count(Refund) == 0
    assert (await db.scalar(select(Purchase))).refunded_minor == 0
    # Two previews; the owner refunds 3 first: Kasia's €20 is no longer there to refund.
    kasias = await kasia.send("/refund 1")
    owners = await owner.send("/refund 1 3")
    await owner.press(owners.button("Refund"))
    late = await kasia.press(kasias.button("Refund"))
    assert "refunded by someone else meanwhile" in late.toasts[0]
    assert await db.count(Refund) == 1
    assert (await db.scalar(select(Purchase))).refunded_minor == 300
    again = await kasia.send("/refund 1")
    assert "Amount to refund: €17" in again.text


async def test_the_refund_notice_says_what_money_was_kept_back(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db)
    await sell(kasia, db, "50")
    await db.credit(101, -140)  # 140 of the 150 points of cashback spent elsewhere
    asked = await kasia.send("/refund 1")
    assert "Hand back: <b>€48.60</b>" in asked.text and "already spent 140 points" in asked.text
    done = await kasia.press(asked.button("Refund"))
    told = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert (
        "You had already spent 140 points of the cashback from this purchase, so €1.40 was "
        "kept back from the money returned to you." in told.text
    )
    assert "Balance: <b>0 points</b>" in told.text
    refund = await db.scalar(select(Refund))
    assert (refund.cash_refund_minor, refund.cashback_reversed) == (4860, 150)


async def test_a_referrer_whose_reward_is_taken_back_is_told_why(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50)
    anna, bob = tg(101, first_name="Anna"), tg(202, first_name="Bob <i>")
    await hire(owner, kasia)
    await join(anna)
    link = (await anna.send("/invite")).texts[0].split()[-1]
    await bob.press((await bob.send("/start " + link.split("start=")[1])).button("✅"))
    await bob.send("/code")
    await sell(kasia, db, "100", 202)
    await db.credit(101, -600)  # Anna spent most of the 700 points the purchase gave her
    asked = await kasia.send("/refund 1 50")
    assert "Customer: Bob &lt;i&gt;" in asked.text
    done = await kasia.press(asked.button("Refund"))
    told = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert (
        "Bob &lt;i&gt;'s purchase was refunded, so your reward was reduced by 350 points."
        in told.text
    )
    assert (
        "already spent 250 points of it" in told.text and "Balance: <b>0 points</b>" in told.text
    )
    referrer = await db.scalar(
        select(Membership).join(Customer).where(Customer.telegram_id == 101)
    )
    assert (referrer.balance_minor, referrer.clawback_due_minor) == (0, 250)


async def test_rating_flow_with_a_low_rating_alert(tg, db) -> None:
    _owner, kasia, anna = await open_till(tg, db, cashier="Kasia")
    done = await sell(kasia, db, "7.50")
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    stars = {b.text: b.callback_data for row in receipt.reply_markup.inline_keyboard for b in row}
    assert list(stars) == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]
    stranger = tg(102)
    await join(stranger)
    assert "not available" in (await stranger.press(stars["5⭐"])).toasts[0]
    rated = await anna.press(stars["2⭐"])
    alert = [m for m in rated.of(SendMessage) if m.chat_id == OWNER]
    assert alert and "Low rating ★★ for sale #1" in alert[0].text and "Kasia" in alert[0].text
    thanks = await anna.send("The coffee was cold")
    assert "Thank you for your feedback" in thanks.text
    follow_up = [m for m in thanks.of(SendMessage) if m.chat_id == OWNER]
    assert follow_up and "Comment: The coffee was cold" in follow_up[0].text
    twice = await anna.press(stars["5⭐"])
    assert "already rated" in twice.toasts[0]
    purchase = await db.scalar(select(Purchase))
    assert (purchase.rating, purchase.rating_comment) == (2, "The coffee was cold")


async def test_blocked_customer_does_not_break_the_sale(tg, db, bot) -> None:
    from aiogram.exceptions import TelegramForbiddenError
    from aiogram.methods import SendMessage as Send

    _owner, kasia, _anna = await open_till(tg, db)
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 3")
    session = bot.session
    original = session._respond

    def respond(method):
        if isinstance(method, Send) and method.chat_id == 101:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked")
        return original(method)

    session._respond = respond
    done = await kasia.press(preview.button("Confirm"))
    assert "confirmed" in done.of(EditMessageText)[0].text
    assert (await db.scalar(select(Purchase))).status == "confirmed"


async def test_receipts_and_alerts_come_in_each_recipients_language(tg, db) -> None:
    owner = tg(OWNER, first_name="Olga", language_code="ru")
    await join(owner)  # the owner is a customer too, with Telegram in Russian
    kasia, zofia = tg(50), tg(101, first_name="Zofia", language_code="pl")
    await hire(owner, kasia)
    await join(zofia)
    await zofia.send("/code")
    done = await sell(kasia, db, "12")
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert "Test Café: dziękujemy za zakup!" in receipt.text
    stars = receipt.reply_markup.inline_keyboard[0][0].callback_data
    rated = await zofia.press(stars)
    alert = next(m for m in rated.of(SendMessage) if m.chat_id == OWNER)
    assert "Низкая оценка ★ за продажу #1" in alert.text


async def test_a_cashier_revoked_mid_sale_is_stopped_cleanly(tg, db) -> None:
    owner, kasia, _anna = await open_till(tg, db, cashier="Kasia")
    await kasia.send("/sale")
    await kasia.send(await db.pay_code(101))
    await owner.press((await owner.send("/staff")).button("Revoke Kasia"))
    stopped = await kasia.send("12.50")
    assert "for the staff" in stopped.text
    # Out of the form: to the bot she is now just someone who has not joined.
    assert "Program rules" in (await kasia.send("13")).text
    assert await db.count(Purchase) == 0


async def test_one_line_sale_with_too_many_points_offers_what_is_allowed(tg, db) -> None:
    _owner, kasia, _anna = await open_till(tg, db, points=1_000)
    shown = await kasia.send(f"/sale {await db.pay_code(101)} 10 spend 900")
    assert "more points than this check allows" in shown.text
    assert "Points to spend: 0 points" in shown.text and "up to 200 points" in shown.text
    preview = await kasia.press(shown.button("Spend 100 points"))
    assert "Points to spend: 100 points" in preview.text


async def test_the_menu_still_works_while_a_comment_is_awaited(tg, db) -> None:
    _owner, kasia, anna = await open_till(tg, db)
    done = await sell(kasia, db, "4")
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    await anna.press(receipt.reply_markup.inline_keyboard[0][4].callback_data)
    code = await anna.send("🔢 Pay code")
    assert code.of(SendPhoto)
    assert (await db.scalar(select(Purchase))).rating_comment is None


async def test_a_cashier_cannot_sell_to_themselves(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50)
    await hire(owner, kasia)
    await join(kasia)  # the cashier is also a customer
    await kasia.send("/code")
    refused = await kasia.send(f"/sale {await db.pay_code(50)} 10")
    assert "purchase of your own" in refused.text
    assert await db.count(Purchase) == 0


async def test_program_settings_from_the_environment_apply(tg, db, settings) -> None:
    settings.sale_limit = "50.00"
    settings.receipt_required = True
    settings.referral_rates = (500,)
    settings.referral_bonus = "0"
    _owner, kasia, _anna = await open_till(tg, db)
    code = await db.pay_code(101)
    assert "over the limit for one sale (€50)" in (await kasia.send(f"/sale {code} 60")).text
    asked = await kasia.send(f"/sale {code} 40")
    assert "Enter the receipt number:" in asked.text and not asked.button_or_none("Skip")
    preview = await kasia.send("A-1")
    assert "Receipt: A-1" in preview.text and not preview.button_or_none("receipt no.")


def test_bad_program_settings_are_one_clear_line(settings) -> None:
    import pytest

    from bot.bootstrap import program_settings
    from bot.config import Settings, SettingsError

    settings.sale_limit = "lots"
    with pytest.raises(SettingsError, match="SALE_LIMIT must be an amount in EUR"):
        program_settings(settings)
    with pytest.raises(ValueError, match="REFERRAL_RATES"):
        Settings(_env_file=None, referral_rates="2,1,0.5,0.1")
    assert Settings(_env_file=None, referral_rates="2,1,0.5").referral_rates == (200, 100, 50)


async def test_a_refund_that_takes_a_level_away_says_what_else_is_taken_back(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    for amount in ("100", "50"):  # the first reaches Silver; the second earns 5 %
        await anna.send("/code")
        await sell(kasia, db, amount)
    asked = await kasia.send("/refund 1")
    # The preview already says it (the refund done and rolled back): nothing written yet.
    assert "since then is taken back too: 100 points." in asked.text
    assert await db.count(Refund) == 0
    assert await db.scalar(select(Purchase.cashback_minor).where(Purchase.id == 2)) == 250
    done = await kasia.press(asked.button("Refund"))
    assert "Hand back <b>€100</b>" in done.text
    assert "customer's level would have been lower, so cashback" in done.text
    assert "since then is taken back too: 100 points." in done.text
    told = [m for m in done.of(SendMessage) if m.chat_id == 101]
    assert told and "your level would have been lower, so cashback" in told[0].text
    assert "since then is taken back too: 100 points." in told[0].text
    assert "Balance: <b>150 points</b>" in told[0].text
    second = await db.scalar(select(Purchase.cashback_minor).where(Purchase.id == 2))
    assert second == 150
    history = await anna.send("/history")
    assert "Cashback of a level lost to a refund" in history.text


async def test_a_new_admin_hears_where_the_console_is(tg) -> None:
    welcome = await hire(tg(OWNER), tg(60, first_name="Ada"), "admin")
    assert "Welcome to the team of Test Café as an admin" in welcome.text
    assert "/staff – invite and manage staff" in welcome.text
    assert "/help lists the rest you run here: the program's settings" in welcome.text
