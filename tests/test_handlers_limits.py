"""Limits at the till through the production dispatcher: what the owner, the cashiers, the
customer and the admins see, and what the database holds."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from sqlalchemy import select, update

from db.models import AuditLog, Merchant, Outbox, Purchase
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER


async def test_an_owner_typing_wrong_codes_is_paused_and_told_until_when(tg, db, clock) -> None:
    owner, boss = tg(OWNER, first_name="Olga"), tg(60, first_name="Boss")
    await hire(owner, boss, role="admin")
    await owner.send("/sale")
    replies = [await owner.send(f"99999{i}") for i in range(5)]
    assert all("No customer has this code" in r.text for r in replies)
    assert "paused" not in replies[3].text
    # 12:00 UTC is 13:00 in Warsaw: paused until 13:10 (a European café writes 24-hour times).
    assert "Sales are paused until 13:10" in replies[-1].text
    alert = replies[-1].to(60)
    assert alert and "An owner entered too many wrong codes" in alert[0]
    again = await owner.send("/sale 123456 10")
    assert "paused until 13:10" in again.text
    assert "paused until 13:10" in (await owner.send("/sales")).text
    paused = await db.all(select(AuditLog).where(AuditLog.action == "staff_paused"))
    assert [(a.actor_telegram_id, a.created_at) for a in paused] == [(OWNER, clock.now)]
    clock.advance(minutes=10, seconds=1)
    assert "6-digit code" in (await owner.send("/sale")).text


async def test_wrong_codes_of_many_lock_code_entry_until_an_admin_resumes(
    tg, db, settings
) -> None:
    settings.wrong_codes_hour_limit = 6
    owner, boss = tg(OWNER, first_name="Olga"), tg(60, first_name="Boss")
    kasia, ola, anna = tg(50, first_name="Kasia"), tg(51, first_name="Ola"), tg(101)
    await hire(owner, boss, role="admin")
    await hire(owner, kasia)
    await hire(owner, ola)
    await join(anna)
    replies = []
    for cashier in (kasia, ola, kasia, ola, kasia):
        replies.append(await cashier.send("/sale 000001 10"))
    assert not any("locked" in r.text for r in replies)
    last = await ola.send("/sale 000002 10")  # the sixth wrong code within the hour
    assert "No customer has this code" in last.text
    # An hour after the first of them: 13:00 UTC is 2 PM in Warsaw.
    assert "Code entry is locked here for safety" in last.text and "reopens at 14:00" in last.text
    alerts = {chat: last.to(chat) for chat in (OWNER, 60, 50, 51)}
    assert len(alerts[OWNER]) == 1 and len(alerts[60]) == 1
    assert not any("Code entry at" in t for t in alerts[50] + alerts[51])  # cashiers: no alert
    assert "Code entry at Test Café is locked for safety: 6 wrong codes" in alerts[OWNER][0]
    alert = next(m for m in last.of(SendMessage) if m.chat_id == OWNER)
    resume = alert.reply_markup.inline_keyboard[0][0]
    assert "Resume code entry" in resume.text
    # Nobody can look a code up now, the owner neither, and a right code neither.
    await anna.send("/code")
    code = await db.pay_code(101)
    for person in (kasia, ola, owner):
        refused = await person.send(f"/sale {code} 10")
        assert "Code entry is locked here for safety" in refused.text
        assert "The owners have been told" in refused.text
    # More attempts while locked do not alert again.
    await ola.send("/sale 000003 10")
    assert len(await db.all(select(Outbox).where(Outbox.kind == "codes_locked"))) == 2
    # The button checks the role first: a cashier and a customer are refused.
    for stranger in (kasia, anna):
        pressed = await stranger.press(resume.callback_data)
        assert pressed.of(AnswerCallbackQuery)[0].show_alert
        assert pressed.toasts == ["Only the owners and admins can resume code entry."]
        assert not pressed.of(EditMessageReplyMarkup)
    assert await db.all(select(AuditLog).where(AuditLog.action == "codes_resumed")) == []
    done = await boss.press(resume.callback_data)
    assert done.toasts == ["Code entry resumed. The count of wrong codes starts again."]
    assert done.of(EditMessageReplyMarkup)
    second = await owner.press(resume.callback_data)
    assert second.toasts == ["Code entry is already open."]
    resumed = await db.all(select(AuditLog).where(AuditLog.action == "codes_resumed"))
    assert [a.actor_telegram_id for a in resumed] == [60]
    till = await kasia.send(f"/sale {code} 10")
    assert "To pay" in till.text


async def test_daily_thresholds_alert_the_admins_each_time(tg, db, settings) -> None:
    settings.daily_purchases_flag = 2
    settings.daily_amount_flag = "25.00"
    settings.staff_daily_purchases_flag = 3
    settings.staff_daily_amount_flag = "40.00"
    owner, kasia = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia")
    anna, bob = tg(101, first_name="Anna"), tg(102, first_name="Bob")
    await hire(owner, kasia)
    await join(anna)
    await join(bob)
    seen: list[list[str]] = []
    for buyer in (anna, anna, bob, anna, bob, bob):
        await buyer.send("/code")
        preview = await kasia.send(f"/sale {await db.pay_code(buyer.id)} 10")
        seen.append(sorted((await kasia.press(preview.button("Confirm"))).to(OWNER)))
    assert seen == [
        [],
        [
            "🚩 Purchases per customer per day (flagged every 2): Anna has made 2 purchases "
            "today, €20 in all; latest sale #2."
        ],
        [
            "🚩 Sales per cashier per day (flagged every 3): Kasia has made 3 sales today, "
            "€30 in all; latest sale #3."
        ],
        [
            "🚩 Amount per cashier per day (flagged every €40): Kasia has sold €40 today in "
            "4 sales; latest sale #4.",
            "🚩 Amount per customer per day (flagged every €25): Anna has bought €30 today in "
            "3 purchases; latest sale #4.",
        ],
        [
            "🚩 Purchases per customer per day (flagged every 2): Bob has made 2 purchases "
            "today, €20 in all; latest sale #5."
        ],
        [
            "🚩 Amount per customer per day (flagged every €25): Bob has bought €30 today in "
            "3 purchases; latest sale #6.",
            "🚩 Sales per cashier per day (flagged every 3): Kasia has made 6 sales today, "
            "€60 in all; latest sale #6.",
        ],
    ]
    flags = await db.all(select(AuditLog.details).where(AuditLog.action == "daily_flag"))
    assert sorted(flags) == sorted(
        ["daily_flag"] * 2
        + ["daily_amount_flag"] * 2
        + ["staff_daily_flag"] * 2
        + ["staff_amount_flag"]
    )


async def test_the_daily_cap_refuses_at_the_preview_and_at_confirm(tg, db, settings) -> None:
    settings.daily_amount_cap = "50.00"
    owner, kasia, ola = tg(OWNER), tg(50, first_name="Kasia"), tg(51, first_name="Ola")
    anna = tg(101, first_name="Anna")
    await hire(owner, kasia)
    await hire(owner, ola)
    await join(anna)
    await anna.send("/code")
    first = await kasia.send(f"/sale {await db.pay_code(101)} 20")
    await kasia.press(first.button("Confirm"))
    await anna.send("/code")
    code = await db.pay_code(101)
    refused = await kasia.send(f"/sale {code} 35")
    assert refused.text == (
        "This sale would take the customer over the daily limit of €50. Left for today: €30."
    )
    preview = await ola.send(f"/sale {code} 25")  # within the cap: a preview
    assert "To pay" in preview.text
    # Meanwhile the operator lowers the cap (DAILY_AMOUNT_CAP and a restart): Confirm checks
    # again, with the buyer's row locked.
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(daily_amount_cap_minor=3_000))
    pressed = await ola.press(preview.button("Confirm"))
    assert pressed.toasts == [
        "This sale would take the customer over the daily limit of €30. Left for today: €10."
    ]
    assert pressed.of(AnswerCallbackQuery)[0].show_alert
    statuses = await db.all(select(Purchase.status).order_by(Purchase.id))
    assert statuses == ["confirmed", "draft"]
    assert "To pay" in (await kasia.send(f"/sale {code} 10")).text


def test_limit_settings_are_amounts_in_the_currency_and_zero_turns_them_off(settings) -> None:
    import pytest

    from bot.bootstrap import program_settings
    from bot.config import SettingsError
    from db.models import Merchant
    from services.merchants import apply_program

    settings.daily_amount_cap = "300.00"
    settings.daily_amount_flag = "0"
    settings.staff_daily_amount_flag = "150"
    settings.staff_daily_purchases_flag = 20
    settings.wrong_codes_hour_limit = 12
    program = program_settings(settings)
    assert (program.daily_amount_cap_minor, program.daily_amount_flag_minor) == (30_000, 0)
    merchant = Merchant(daily_amount_flag_minor=5_000)
    apply_program(merchant, program)
    assert merchant.daily_amount_cap_minor == 30_000
    assert merchant.daily_amount_flag_minor is None  # 0: off
    assert merchant.staff_daily_amount_flag_minor == 15_000
    assert (merchant.staff_daily_purchases_flag, merchant.wrong_codes_hour_limit) == (20, 12)
    settings.daily_amount_cap = "lots"
    with pytest.raises(SettingsError, match="DAILY_AMOUNT_CAP must be an amount in EUR"):
        program_settings(settings)
