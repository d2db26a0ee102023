"""/settings through the production dispatcher: every setting typed valid and invalid, the
preview, Save, the audit row, a sale right after a change, two admins editing at once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.models import AuditLog, Merchant
from tests.telegram import TgUser
from tests.test_handlers_sale import OWNER, open_till

ADAM, BEA = 80, 81  # admins of the main merchant


async def merchant(db) -> Merchant:
    row = await db.scalar(select(Merchant).where(Merchant.slug == "main"))
    assert isinstance(row, Merchant)
    return row


async def change(user: TgUser, key: str, text: str | None, rank: int | None = None):
    """Open /settings, pick the setting (of the level at `rank`), type `text`: the preview."""
    await user.send("/settings")
    data = f"setl:{rank}:{key}" if rank is not None else f"set:{key}"
    picked = await user.press(data)
    return picked if text is None else await user.send(text)


async def save(user: TgUser, preview, label: str = "Save"):
    return await user.press(preview.button(label))


# key, typed, the column's value after, what the preview shows after the arrow
VALID = [
    ("welcome_bonus_minor", "2.50", 250, "€2.50"),
    ("referral_bonus_minor", "7", 700, "€7"),
    ("referral_bp_1", "2.5", 250, "2.5%"),
    ("referral_bp_2", "5%", 500, "5%"),
    ("referral_bp_3", "0", 0, "0%"),
    ("birthday_bonus_minor", "10,5", 1050, "€10.50"),
    ("birthday_bonus_days", "21", 21, "21"),
    ("points_lifetime_months", "12", 12, "12 months"),
    ("point_value_minor", "0.05", 5, "€0.05"),
    ("max_sale_minor", "250", 25000, "€250"),
    ("daily_amount_cap_minor", "500", 50000, "€500"),
    ("daily_amount_flag_minor", "300", 30000, "€300"),
    ("daily_purchases_flag", "8", 8, "8"),
    ("staff_daily_purchases_flag", "40", 40, "40"),
    ("staff_daily_amount_flag_minor", "2000", 200000, "€2,000"),
    ("code_ttl_seconds", "15", 900, "15 minutes"),
]


@pytest.mark.parametrize(("key", "typed", "stored", "after"), VALID)
async def test_a_setting_is_previewed_then_saved_and_audited(
    tg, db, key, typed, stored, after
) -> None:
    owner = tg(OWNER)
    preview = await change(owner, key, typed)
    before = getattr(await merchant(db), key)
    assert "Test Café" in preview.text and f"<b>{after}</b>" in preview.text, preview.text
    assert getattr(await merchant(db), key) == before  # a preview writes nothing
    saved = await save(owner, preview, "Save")
    assert "Saved for <b>Test Café</b>" in saved.text, saved.text
    assert getattr(await merchant(db), key) == stored
    row = await db.scalar(select(AuditLog).where(AuditLog.action == "settings_change"))
    assert (row.target, row.actor_telegram_id) == (key, OWNER)
    assert json.loads(row.details) == {"before": before, "after": stored}


BAD = ("-5", "1e9", "abc", "²", "99999999999999999999")
# key, an input of its own it refuses, and a word of the refusal
INVALID = [
    ("welcome_bonus_minor", "2.555", "decimal point"),
    ("referral_bp_1", "150", "from 0 to 100"),
    ("referral_bp_2", "2.555", "from 0 to 100"),
    ("birthday_bonus_days", "0", "from 1 to 365"),
    ("birthday_bonus_days", "400", "from 1 to 365"),
    ("points_lifetime_months", "121", "from 1 to 120, or 0"),
    ("point_value_minor", "0", "more than zero"),
    ("max_sale_minor", "2000000", "too large"),
    ("daily_purchases_flag", "0", "from 1 to 1,000"),
    ("code_ttl_seconds", "61", "from 1 to 60"),
]
REFUSED = (
    "digits 0 to 9",
    "percentage from 0 to 100",
    "whole number from",
    "too large",
    "more than zero",
    "decimal point",
)


@pytest.mark.parametrize(("key", "typed", "said"), INVALID)
async def test_bad_values_are_refused_clearly_and_change_nothing(tg, db, key, typed, said) -> None:
    owner = tg(OWNER)
    await change(owner, key, None)
    version = (await merchant(db)).program_version
    for text in (*BAD, typed):
        refused = await owner.send(text)
        assert any(r in refused.text for r in REFUSED), (text, refused.text)
        assert "→" not in refused.text and refused.button_or_none("Save") is None
    assert said in refused.text, refused.text
    assert (await merchant(db)).program_version == version
    assert await db.count(AuditLog) == 0
    # Still asked for the value: a good one is previewed.
    assert "→" in (await owner.send("3")).text


async def test_the_receipt_flag_toggles_with_a_preview(tg, db) -> None:
    owner = tg(OWNER)
    preview = await change(owner, "receipt_required", None)
    assert "Receipt number required: no → <b>yes</b>" in preview.text
    await save(owner, preview)
    assert (await merchant(db)).receipt_required is True
    row = await db.scalar(select(AuditLog))
    assert (row.action, row.target, row.details) == (
        "settings_change",
        "receipt_required",
        '{"before":false,"after":true}',
    )


async def test_a_cap_turned_on_then_off(tg, db) -> None:
    owner = tg(OWNER)
    await save(owner, await change(owner, "daily_amount_cap_minor", "100"))
    assert (await merchant(db)).daily_amount_cap_minor == 10000
    preview = await change(owner, "daily_amount_cap_minor", "0")
    assert "€100 → <b>turned off</b>" in preview.text
    await save(owner, preview)
    assert (await merchant(db)).daily_amount_cap_minor is None
    again = await change(owner, "daily_amount_cap_minor", "0")
    assert "current value already" in again.text


async def test_the_point_value_is_fixed_once_points_exist(tg, db) -> None:
    owner, _kasia, _anna = await open_till(tg, db, points=10)
    refused = await owner.press("set:point_value_minor")
    assert "cannot change any more" in refused.toasts[0] or "cannot change" in refused.text
    assert "/cancel" not in refused.text  # not asked for a value
    assert "fixed" in (await owner.send("/settings")).text
    assert (await merchant(db)).point_value_minor == 1


async def test_the_rules_come_from_the_settings_in_the_readers_language(tg, db) -> None:
    owner = tg(OWNER)
    await save(owner, await change(owner, "welcome_bonus_minor", "2"))
    await save(owner, await change(owner, "points_lifetime_months", "6"), "next time")
    en = await tg(201).send("/start")
    for line in (
        "1 point = €0.01" if (await merchant(db)).point_value_minor == 1 else "1 point = ",
        "Bronze (from your first purchase): cashback 3%, points pay up to 20% of a check",
        "Silver (from €100 spent or 2 friends who made a purchase): cashback 5%",
        "Welcome bonus: 200 points",
        "For each friend you invite: 500 points after their first purchase, and 2% / 1% / 0.5%",
        "Birthday gift: 500 points, to use within 14 days.",
        "Points expire 6 months after they were earned",
        "We store your Telegram id",
    ):
        assert line in en.text, (line, en.text)
    pl = await tg(202, language_code="pl").send("/start")
    assert "Bonus powitalny: 200" in pl.text and "1 punkt = " in pl.text, pl.text
    assert "Punkty wygasają 6 miesięcy" in pl.text


async def test_a_command_while_asked_for_a_value_is_that_command(tg, db) -> None:
    owner = tg(OWNER)
    await change(owner, "welcome_bonus_minor", None)
    assert "Settings of" in (await owner.send("/settings")).text
    assert "→" in (await owner.send("4")).text  # still asked
    await change(owner, "welcome_bonus_minor", None)
    await owner.send("/cancel")
    assert "→" not in (await owner.send("4")).text
    assert (await merchant(db)).welcome_bonus_minor == 0
