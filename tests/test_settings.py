"""/settings through the production dispatcher: every setting typed valid and invalid, the
preview, Save, the audit row, a sale right after a change, two admins editing at once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.models import AuditLog, Level, Merchant, Purchase
from tests.telegram import TgUser, hire
from tests.test_handlers_sale import OWNER, open_till

ADAM, BEA = 80, 81  # admins of the main merchant


async def merchant(db) -> Merchant:
    return await db.scalar(select(Merchant).where(Merchant.slug == "main"))


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
