"""What a review of /settings found, through the production dispatcher: a Save of an older
preview saved the newer change; a worse change saved without telling left members bound by
rules they never accepted; accepting changed rules read as a first join; money prompts gave
examples the currency refuses; Russian wording; the merchant named twice for an owner of two."""

from __future__ import annotations

from sqlalchemy import select, update

from db.models import AuditLog, Level, Membership, Merchant, Outbox
from services.merchants import MerchantService
from tests.telegram import join
from tests.test_handlers_sale import OWNER
from tests.test_settings import change, merchant

ANNA = 101
REPLACED = "This preview was replaced by a newer one. Nothing was saved."


async def bronze_cashback(db) -> int:
    return int(await db.scalar(select(Level.cashback_bp).where(Level.rank == 0)))


async def test_save_on_an_older_preview_saves_nothing(tg, db) -> None:
    owner = tg(OWNER)
    better = await change(owner, "welcome_bonus_minor", "5")
    worse = await change(owner, "cashback_bp", "0,5", rank=0)
    old = await owner.press(better.button("Save"))
    assert (await merchant(db)).welcome_bonus_minor == 0 and await bronze_cashback(db) == 300
    assert old.toasts == [REPLACED] and not old.texts
    assert "Tell them about the change now" in worse.text
    assert await db.count(AuditLog) == 0 and (await merchant(db)).rules_version == 1
    # The newer preview is still the one pending, and saves as it says.
    saved = await owner.press(worse.button("next time"))
    assert "Bronze: Cashback is now 0.5%" in saved.text, saved.text
    assert await bronze_cashback(db) == 50 and (await merchant(db)).rules_version == 2


async def test_save_and_tell_on_an_older_preview_saves_nothing(tg, db) -> None:
    owner = tg(OWNER)
    await join(tg(ANNA))
    worse = await change(owner, "cashback_bp", "1", rank=0)
    newer = await change(owner, "welcome_bonus_minor", "5")
    for label in ("tell members", "next time", "Cancel"):
        assert (await owner.press(worse.button(label))).toasts == [REPLACED]
    assert await bronze_cashback(db) == 300 and await db.count(Outbox) == 0
    assert (await merchant(db)).rules_version == 1 and await db.count(AuditLog) == 0
    assert "Saved for" in (await owner.press(newer.button("Save"))).text
    assert (await merchant(db)).welcome_bonus_minor == 500


async def test_a_plain_save_never_saves_a_worse_change(tg, db) -> None:
    owner = tg(OWNER)
    worse = await change(owner, "cashback_bp", "1", rank=0)
    assert worse.button_or_none("✅ Save") is None
    forged = worse.button("tell members now").replace("setp:tell:", "setp:save:")
    assert (await owner.press(forged)).toasts == ["This button is no longer active."]
    assert await bronze_cashback(db) == 300 and await db.count(AuditLog) == 0
    # The real buttons still work.
    assert "Saved for" in (await owner.press(worse.button("next time"))).text


async def test_changed_rules_are_read_as_changed_not_as_a_welcome(tg, db) -> None:
    owner, anna, pl = tg(OWNER), tg(ANNA), tg(102, language_code="pl")
    await join(anna)
    await join(pl)
    await owner.press((await change(owner, "cashback_bp", "2", rank=0)).button("next time"))
    rules = await anna.send("/card")
    assert rules.text.startswith(
        "📜 The rules of <b>Test Café</b> have changed. Please read them and accept to go on."
    ), rules.text
    assert "Welcome to" not in rules.text and "cashback 2%" in rules.text
    accepted = await anna.press(rules.button("✅"))
    assert accepted.texts[0] == "Thank you: the new rules apply.", accepted.texts
    assert "Welcome back" not in accepted.text and "Cashback 2%" in accepted.texts[1]
    polish = await pl.send("/start")
    assert "📜" in polish.text and "Test Café" in polish.text and "👋" not in polish.text
    consents = {m.consent_version for m in await db.all(select(Membership))}
    assert consents == {1, 2}
    # Someone new still gets the welcome.
    new = await tg(103).send("/start")
    assert "👋 Welcome to the loyalty program of <b>Test Café</b>!" in new.text
    assert "📜" not in new.text


async def test_money_prompts_give_examples_the_reader_can_type(tg, db) -> None:
    owner = tg(OWNER)
    prompt = await change(owner, "welcome_bonus_minor", None)
    assert "for example 5 or 2.50; 0 for none" in prompt.text, prompt.text
    assert "€2.50" in (await owner.send("2.50")).text
    ru = tg(OWNER, language_code="ru")
    prompt = await change(ru, "max_sale_minor", None)
    assert "например 5 или 2,50." in prompt.text, prompt.text
    assert "2,50" in (await ru.send("2,50")).text


async def test_a_whole_unit_currency_asks_for_whole_amounts(tg, db, session_factory) -> None:
    owner = tg(OWNER)
    await owner.send("/settings")
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Merchant).values(currency="HUF", program_version=Merchant.program_version + 1)
        )
    prompt = await change(owner, "welcome_bonus_minor", None)
    assert "Send a whole amount, for example 500; 0 for none." in prompt.text, prompt.text
    assert "2.50" not in prompt.text
    assert "Ft" in (await owner.send("500")).text


async def test_russian_settings_read_naturally(tg, db) -> None:
    ru = tg(OWNER, language_code="ru")
    screen = await ru.send("/settings")
    assert "Макс. сумма покупок клиента за день: <b>выключено</b>" in screen.text, screen.text
    assert "Максимум покупок" not in screen.text
    listing = await ru.press("setl:-1:")
    assert "или друзей: 0" not in listing.text, listing.text


async def test_an_owner_of_two_sees_the_merchant_once(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    alone = await owner.send("/settings")
    assert alone.text.startswith("⚙️ Settings of <b>Test Café</b>")
    async with session_factory() as session:
        await MerchantService(session, clock).ensure_default(
            slug="bistro", name="Bistro Nord", currency="EUR", timezone="UTC", language="en"
        )
    screen = await owner.send("/settings")
    assert screen.text.startswith("🏪 <b>Test Café</b>\n⚙️ Program settings\n"), screen.text
    assert screen.text.count("Test Café") == 1
    preview = await change(owner, "welcome_bonus_minor", "3")
    assert preview.text.count("Test Café") == 1 and "⚙️ Program settings" in preview.text
