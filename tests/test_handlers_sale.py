"""The till through the production dispatcher: staff invites, /sale, confirm, refund, rating."""

from __future__ import annotations

import asyncio

from aiogram.methods import EditMessageText, SendMessage, SendPhoto, SetMyCommands
from sqlalchemy import select

from bot.db.models import LedgerEntry, Membership, PaymentCode, Purchase, Staff
from tests.telegram import Sent, TgUser

OWNER = 1  # OWNER_IDS in the test settings


async def join(user: TgUser) -> None:
    sent = await user.send("/start")
    await user.press(sent.button("✅"))  # Accept, in any language


async def hire(owner: TgUser, cashier: TgUser, role: str = "cashier") -> Sent:
    await owner.send("/staff")
    invite = await owner.press("sinv:admin" if role == "admin" else "sinv:staff")
    link = invite.text.split()[-1]
    return await cashier.send("/start " + link.split("start=")[1])


async def customer_code(db, tg: int) -> str:  # type: ignore[no-untyped-def]
    from bot.db.models import Customer

    row = await db.scalar(
        select(PaymentCode.code)
        .join(Membership, Membership.id == PaymentCode.membership_id)
        .join(Customer, Customer.id == Membership.customer_id)
        .where(Customer.telegram_id == tg, PaymentCode.preorder_id.is_(None))
    )  # the till code (/code), not a pre-order's code
    assert row is not None
    return row


async def test_owner_hires_a_cashier_with_a_one_time_link(tg, db) -> None:
    owner, kasia, _other = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia"), tg(51)
    welcome = await hire(owner, kasia)
    assert "Welcome to the team of Test Café as a cashier" in welcome.text
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
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await db.credit(101, 1_000)
    await anna.send("/code")
    code = await customer_code(db, 101)
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
    points = await kasia.send("19,90")
    assert "up to 398 points" in points.text
    assert "more points than this check allows" in (await kasia.send("399")).text
    receipt = await kasia.send("200")
    assert "receipt number" in receipt.text
    preview = await kasia.send("R-17")
    text = preview.text
    assert "Check: €19.90" in text and "Points to spend: 200 points" in text
    assert "To pay: <b>€17.90</b>" in text and "Cashback to earn: 53 points" in text
    assert "Receipt: R-17" in text
    assert await db.count(LedgerEntry) == 1  # nothing moves before Confirm
    before = len(kasia.session.requests)
    confirm = preview.button("Confirm")
    done = await kasia.press(confirm)
    assert "Sale #1 confirmed" in done.of(EditMessageText)[0].text
    receipt_msg = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert "Points spent: 200 points" in receipt_msg.text
    assert "Points earned: +53 points" in receipt_msg.text
    assert "Balance: <b>853 points</b>" in receipt_msg.text
    again = await kasia.press(confirm)
    assert again.toasts == ["Already confirmed."]
    assert (
        len([m for m in Sent(kasia.session.requests[before:]).of(SendMessage) if m.chat_id == 101])
        == 1
    )
    purchase = await db.scalar(select(Purchase))
    assert (purchase.amount_minor, purchase.points_spent, purchase.receipt_no) == (
        1990,
        200,
        "R-17",
    )
    member = await db.scalar(select(Membership))
    assert member.balance_minor == 853


async def test_one_line_sale_and_double_confirm_at_once(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await db.credit(101, 500)
    await anna.send("/code")
    code = await customer_code(db, 101)
    preview = await kasia.send(f"/sale {code} 19.90 spend 5")
    assert "Points to spend: 5 points" in preview.text
    key = preview.button("Confirm")
    await asyncio.gather(kasia.press(key), kasia.press(key), kasia.press(key))
    assert await db.count(Purchase) == 1
    member = await db.scalar(select(Membership))
    assert member.balance_minor == 500 - 5 + 59  # 3 % of 19.85, rounded down


async def test_cashier_scans_the_customers_qr(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    code = await customer_code(db, 101)
    # The QR opens t.me/<bot>?start=p<code> on the cashier's phone.
    till = await kasia.send(f"/start p{code}")
    assert "Anna" in till.text and "check amount" in till.text
    receipt = await kasia.send("10")
    preview = await kasia.press(receipt.button("Skip"))
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
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await customer_code(db, 101)} 5")
    cancelled = await kasia.press(preview.button("Cancel"))
    assert "Nothing was charged" in cancelled.text
    late = await kasia.press(preview.button("Confirm"))
    assert "no longer open" in late.toasts[0]
    assert (await db.scalar(select(Purchase))).status == "cancelled"
    assert await db.count(LedgerEntry) == 0


async def test_refund_command_and_customer_is_told(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await customer_code(db, 101)} 20")
    await kasia.press(preview.button("Confirm"))
    for bad, reply in [
        ("/refund", "Use: /refund"),
        ("/refund abc", "Use: /refund"),
        ("/refund 99", "no sale #99"),
        ("/refund 1 25", "more than is left"),
        ("/refund 1 -3", "as a number"),
    ]:
        assert reply in (await kasia.send(bad)).text, bad
    done = await kasia.send("/refund 1 5")
    assert "Refund of €5 on sale #1" in done.text and "Hand back <b>€5</b>" in done.text
    told = [m for m in done.of(SendMessage) if m.chat_id == 101]
    assert told and "of purchase #1 was refunded" in told[0].text
    assert (await db.scalar(select(Purchase))).refunded_minor == 500
    sales_today = await kasia.send("/sales")
    assert "#1" in sales_today.text and "refunded €5" in sales_today.text


async def test_rating_flow_with_a_low_rating_alert(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await customer_code(db, 101)} 7.50")
    done = await kasia.press(preview.button("Confirm"))
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

    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await customer_code(db, 101)} 3")
    session = bot.session
    original = session._respond

    def respond(method):  # type: ignore[no-untyped-def]
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
    preview = await kasia.send(f"/sale {await customer_code(db, 101)} 12")
    done = await kasia.press(preview.button("Confirm"))
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    assert "Test Café: dziękujemy za zakup!" in receipt.text
    stars = receipt.reply_markup.inline_keyboard[0][0].callback_data
    rated = await zofia.press(stars)
    alert = next(m for m in rated.of(SendMessage) if m.chat_id == OWNER)
    assert "Низкая оценка ★ за продажу #1" in alert.text


async def test_a_cashier_revoked_mid_sale_is_stopped_cleanly(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    await kasia.send("/sale")
    await kasia.send(await customer_code(db, 101))
    await owner.press((await owner.send("/staff")).button("Revoke Kasia"))
    stopped = await kasia.send("12.50")
    assert "for the staff" in stopped.text
    # Out of the form: to the bot she is now just someone who has not joined.
    assert "Program rules" in (await kasia.send("13")).text
    assert await db.count(Purchase) == 0


async def test_one_line_sale_with_too_many_points_asks_for_points(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await db.credit(101, 1_000)
    await anna.send("/code")
    asked = await kasia.send(f"/sale {await customer_code(db, 101)} 10 spend 900")
    assert "up to 200 points" in asked.text
    receipt = await kasia.send("150")
    preview = await kasia.press(receipt.button("Skip"))
    assert "Points to spend: 150 points" in preview.text


async def test_the_menu_still_works_while_a_comment_is_awaited(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    done = await kasia.press(
        (await kasia.send(f"/sale {await customer_code(db, 101)} 4")).button("Confirm")
    )
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
    refused = await kasia.send(f"/sale {await customer_code(db, 50)} 10")
    assert "purchase of your own" in refused.text
    assert await db.count(Purchase) == 0


async def test_program_settings_from_the_environment_apply(tg, db, settings) -> None:
    settings.sale_limit = "50.00"
    settings.receipt_required = True
    settings.referral_rates = (500,)
    settings.referral_bonus = "0"
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    code = await customer_code(db, 101)
    assert "over the limit for one sale (€50)" in (await kasia.send(f"/sale {code} 60")).text
    asked = await kasia.send(f"/sale {code} 40")
    assert "Enter the receipt number:" in asked.text and not asked.button_or_none("Skip")
    preview = await kasia.send("A-1")
    assert "Receipt: A-1" in preview.text


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
        code = await db.scalar(
            select(PaymentCode.code)
            .where(PaymentCode.used_at.is_(None))
            .order_by(PaymentCode.id.desc())
        )
        preview = await kasia.send(f"/sale {code} {amount}")
        await kasia.press(preview.button("Confirm"))
    done = await kasia.send("/refund 1")
    assert "Hand back <b>€100</b>" in done.text
    assert "level would have been lower: 100 points of cashback" in done.text
    told = [m for m in done.of(SendMessage) if m.chat_id == 101]
    assert told and "your level would have been lower, so 100 points of cashback" in told[0].text
    assert "Balance: <b>150 points</b>" in told[0].text
    second = await db.scalar(select(Purchase.cashback_minor).where(Purchase.id == 2))
    assert second == 150
    history = await anna.send("/history")
    assert "Cashback of a level lost to a refund" in history.text
