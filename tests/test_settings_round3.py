"""/settings, round 3, through the production dispatcher: a value typed again while a preview
is open makes a new preview (it got the whole staff help); the default level names read in
the owner's language in the prompt, the preview, what was saved and /audit."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditLog, Level
from tests.test_handlers_sale import OWNER
from tests.test_settings import change, merchant
from tests.test_settings_review import REPLACED


async def level_names(db) -> list[str]:
    return [lv.name for lv in await db.all(select(Level).order_by(Level.rank))]


async def test_a_value_typed_again_makes_a_new_preview(tg, db) -> None:
    owner = tg(OWNER)
    first = await change(owner, "welcome_bonus_minor", "500")
    assert "€500" in first.text and first.button_or_none("Save")
    second = await owner.send("400")
    assert "→ <b>€400</b>" in second.text, second.text
    assert "/settings" not in second.text and second.button_or_none("Save")
    # The first preview's Save was replaced; the newer one saves what it says.
    assert (await owner.press(first.button("Save"))).toasts == [REPLACED]
    assert (await merchant(db)).welcome_bonus_minor == 0 and await db.count(AuditLog) == 0
    saved = await owner.press(second.button("Save"))
    assert "Welcome bonus is now €400" in saved.text, saved.text
    assert (await merchant(db)).welcome_bonus_minor == 40_000
    # Saved: the value step is over, and a number is no new preview.
    after = await owner.send("300")
    assert "→" not in after.text and not after.button_or_none("Save"), after.text
    assert (await merchant(db)).welcome_bonus_minor == 40_000


async def test_a_bad_value_typed_at_a_preview_is_refused_and_the_preview_stays(tg, db) -> None:
    owner = tg(OWNER)
    first = await change(owner, "welcome_bonus_minor", "5")
    refused = await owner.send("abc")
    assert refused.text == "Please send a number using the digits 0 to 9.", refused.text
    assert "Saved for" in (await owner.press(first.button("Save"))).text
    assert (await merchant(db)).welcome_bonus_minor == 500


async def test_a_level_name_typed_again_makes_a_new_preview(tg, db) -> None:
    owner = tg(OWNER)
    first = await change(owner, "name", "Starter", rank=0)
    second = await owner.send("Beginner")
    assert "Bronze → <b>Beginner</b>" in second.text, second.text
    assert (await owner.press(first.button("Save"))).toasts == [REPLACED]
    assert "Saved for" in (await owner.press(second.button("Save"))).text
    assert (await level_names(db))[0] == "Beginner"


async def test_cancel_ends_the_value_step(tg, db) -> None:
    owner = tg(OWNER)
    preview = await change(owner, "welcome_bonus_minor", "5")
    assert (await owner.press(preview.button("Cancel"))).toasts == [
        "Cancelled. Nothing was changed."
    ]
    after = await owner.send("7")
    assert "→" not in after.text and not after.button_or_none("Save"), after.text


async def test_a_flag_after_a_typed_preview_ends_the_value_step(tg, db) -> None:
    owner = tg(OWNER)
    await change(owner, "welcome_bonus_minor", "5")
    receipt = await owner.press("set:receipt_required")
    assert receipt.button_or_none("Save"), receipt.text
    after = await owner.send("7")
    assert "€7" not in after.text and not after.button_or_none("Save"), after.text


async def test_default_level_names_read_in_russian(tg, db) -> None:
    ru = tg(OWNER, language_code="ru")
    prompt = await change(ru, "name", None, rank=0)
    assert "<b>Бронза</b>" in prompt.text and "Bronze" not in prompt.text, prompt.text
    preview = await ru.send("Новичок")
    assert "Бронза → <b>Новичок</b>" in preview.text, preview.text
    assert "Bronze" not in preview.text
    saved = await ru.press(preview.button("✅"))
    assert "Новичок" in saved.text and "Bronze" not in saved.text, saved.text
    assert (await level_names(db))[0] == "Новичок"
    audit = await ru.send("/audit")
    assert "Бронза → Новичок" in audit.text, audit.text
    assert "Bronze" not in audit.text


async def test_removing_a_default_level_names_it_in_the_readers_language(tg, db) -> None:
    pl = tg(OWNER, language_code="pl")
    await pl.send("/settings")
    names = await level_names(db)
    top = len(names) - 1
    preview = await pl.press(f"setl:{top}:remove_level")
    assert names[top] not in preview.text and "→ <b>usunięty</b>" in preview.text, preview.text
    # A name the owner chose is shown as it is.
    await pl.press(preview.button("✖️"))
    named = await change(pl, "name", "Gold Plus", rank=top)
    assert "→ <b>Gold Plus</b>" in named.text, named.text


async def test_a_default_name_typed_in_the_readers_language_is_no_change(tg, db) -> None:
    ru = tg(OWNER, language_code="ru")
    await change(ru, "name", None, rank=0)
    same = await ru.send("Бронза")  # Bronze as the owner reads it
    assert "Это и есть текущее значение" in same.text and not same.button_or_none("✅")
    assert (await level_names(db))[0] == "Bronze"  # still the default, translated for all
