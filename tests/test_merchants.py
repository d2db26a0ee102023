"""Owners create a merchant from the chat (/merchants): the form validates each answer, the
preview's Create makes one merchant with the program's defaults for its currency, hands over
its first admin's invite, its join link and its poster, and the owner works in it; its admin
sees and runs only their own merchant. Nobody else gets past /merchants. The environment only
seeds the default merchant."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from db.models import AuditLog, Level, Merchant, Purchase, Staff, Workplace
from services import policy
from services.dto import ProgramSettings
from services.merchants import MerchantService
from services.workplace import (
    MerchantRefused,
    NewMerchant,
    NotOwner,
    WorkplaceService,
    slug_from,
)
from tests.telegram import Sent, TgUser, hire, join
from tests.test_handlers_sale import OWNER

KASIA, ANNA, BOB, OLGA, IVAN = 50, 101, 102, 70, 60
ONLY_OWNERS = "Only the owners of this bot create merchants."


async def fill_form(owner: TgUser, name: str = "Bistro Nord") -> TgUser:
    """From /merchants to the preview, with a typed link name, PLN and a typed time zone."""
    listing = await owner.send("/merchants")
    asked = await owner.press(listing.button("New merchant"))
    assert "name" in asked.text
    await owner.send(name)
    await owner.send("nord")
    await owner.press("mer:cur:PLN")
    await owner.send("Europe/Prague")
    return owner


async def test_an_owner_creates_a_merchant_and_works_in_it(tg, db) -> None:
    owner = tg(OWNER)
    listing = await owner.send("/merchants")
    assert "1 merchant:" in listing.text and "Test Café</b> (main, EUR)" in listing.text
    await owner.press(listing.button("➕ New merchant"))
    assert "100 characters" in (await owner.send("x" * 101)).text
    slug = await owner.send("Bistro Nord")
    assert "bistronord" in slug.text and slug.button("Use bistronord")
    assert "3 to 20 lowercase" in (await owner.send("No!")).text
    assert "Another merchant has this link name" in (await owner.send("main")).text
    currency = await owner.press(slug.button("Use bistronord"))
    assert "ISO code" in currency.text and currency.button("HUF")
    assert "three-letter ISO code" in (await owner.send("XYZ")).text
    zone = await owner.send("czk")
    assert "time zone" in zone.text and zone.button("Europe/Warsaw")
    assert "like Europe/Prague" in (await owner.send("Mars/Olympus")).text
    language = await owner.send("Europe/Prague")
    preview = await owner.press(language.button("Polski"))
    for line in (
        "Name: <b>Bistro Nord</b>",
        "Link name: bistronord",
        "Currency: Czech Koruna (CZK)",
        "Time zone: Europe/Prague",
        "Language: Polski",
    ):
        assert line in preview.text
    assert await db.count(Merchant) == 1  # nothing before Create

    created = await owner.press(preview.button("Create"))
    assert "<b>Bistro Nord</b> is created" in created.text
    assert "start=i" in created.text and "start=mbistronord" in created.text
    assert created.button("Polski").startswith("pst:")
    again = await owner.press(preview.button("Create"))
    assert not again.texts and await db.count(Merchant) == 2

    bistro = await db.scalar(select(Merchant).where(Merchant.slug == "bistronord"))
    assert (bistro.name, bistro.currency, bistro.timezone, bistro.default_language) == (
        "Bistro Nord",
        "CZK",
        "Europe/Prague",
        "pl",
    )
    assert bistro.point_value_minor == policy.point_value("CZK")
    levels = await db.all(select(Level).where(Level.merchant_id == bistro.id).order_by(Level.rank))
    defaults = policy.default_levels("CZK")
    assert [(lv.name, lv.min_spend_minor) for lv in levels] == [
        (d.name, d.min_spend_minor) for d in defaults
    ]
    assert await db.scalar(select(Workplace.merchant_id)) == bistro.id
    audit = await db.scalar(select(AuditLog).where(AuditLog.action == "merchant_create"))
    assert (audit.merchant_id, audit.actor_telegram_id, audit.target) == (
        bistro.id,
        OWNER,
        "bistronord",
    )
    assert (await owner.send("/stats")).text.startswith("🏪 <b>Bistro Nord</b>")
    poster = await owner.press(created.button("English"))
    assert "start=mbistronord-sposter" in poster.text


async def test_its_first_admin_sees_and_runs_only_their_own_merchant(tg, db) -> None:
    owner, olga, kasia, anna = tg(OWNER), tg(OLGA, first_name="Olga"), tg(KASIA), tg(ANNA)
    await hire(owner, kasia)  # a cashier of the main merchant
    await join(anna)  # a member of the main merchant
    await anna.send("/code")
    await fill_form(owner)
    await owner.press("mer:lang:en")
    created = await owner.press("mer:create:")
    invite = created.text.split("start=")[1].split()[0]
    welcome = await olga.send(f"/start {invite}")
    assert "Bistro Nord" in welcome.text
    bistro = await db.scalar(select(Merchant.id).where(Merchant.slug == "nord"))
    staff = await db.scalar(select(Staff).where(Staff.telegram_id == OLGA))
    assert (staff.merchant_id, staff.role) == (bistro, "admin")

    listing = await olga.send("/staff")
    assert "Kasia" not in listing.text and "🏪" not in listing.text
    assert (await olga.send("/merchant")).text == "You work in one place only: <b>Bistro Nord</b>."
    assert (await olga.send("/merchants")).text == ONLY_OWNERS
    sale = await olga.send(f"/sale {await db.pay_code(ANNA)} 10")
    assert "Anna" not in sale.text and await db.count(Purchase) == 0
    assert (await olga.press("wp:1")).toasts == [
        "This is for the owners and the staff of a place."
    ]


@pytest.mark.parametrize("who", ["customer", "non-member", "cashier", "revoked", "other admin"])
async def test_nobody_but_an_owner_gets_past_merchants(
    tg, db, session_factory, clock, who
) -> None:
    from tests.factories import make_staff

    owner = tg(OWNER)
    people = {"customer": ANNA, "non-member": BOB, "cashier": KASIA, "revoked": IVAN}
    if who in ("cashier", "revoked"):
        await hire(owner, tg(people[who]))
    if who == "revoked":
        row = await db.scalar(select(Staff).where(Staff.telegram_id == IVAN))
        await owner.press(f"srev:{row.id}")
    if who == "customer":
        await join(tg(ANNA))
    if who == "other admin":
        async with session_factory() as session:
            other = await MerchantService(session, clock).ensure_default(
                slug="other", name="Other", currency="EUR", timezone="UTC", language="en"
            )
            await make_staff(session, clock, other, OLGA, role="admin", name="Olga")
    person = tg(people.get(who, OLGA))
    said = await person.send("/merchants")
    before = await db.count(Merchant)
    assert said.text == ONLY_OWNERS
    pressed = await person.press("mer:new:")
    assert pressed.toasts == [ONLY_OWNERS] and not pressed.texts
    assert "link name" not in (await person.send("Sneaky Café")).text
    for forged in ("mer:create:", "mer:cur:EUR", "mer:lang:en", "mer:slug:abcd", "mer:cancel:"):
        assert "created" not in (await person.press(forged)).text
    assert await db.count(Merchant) == before


async def test_create_pressed_twice_at_once_creates_once(tg, db) -> None:
    owner = await fill_form(tg(OWNER))
    await owner.press("mer:lang:hu")
    before = len(owner.session.requests)
    await asyncio.gather(owner.press("mer:create:"), owner.press("mer:create:"))
    assert await db.count(Merchant) == 2
    sent = Sent(owner.session.requests[before:])
    assert sum("is created" in text for text in sent.texts) == 1
    assert "Already created." in sent.toasts
    audits = await db.all(select(AuditLog).where(AuditLog.action == "merchant_create"))
    assert len(audits) == 1


async def test_the_service_creates_once_per_owner_and_refuses_a_taken_link_name(
    session_factory, clock
) -> None:
    draft = NewMerchant("Nord", "nord", "EUR", "Europe/Warsaw", "en")
    async with session_factory() as session:
        service = WorkplaceService(session, (1, 2), clock)
        first = await service.create(1, draft)
        again = await service.create(1, draft)
        assert (first.again, again.again, again.place.id) == (False, True, first.place.id)
        with pytest.raises(MerchantRefused, match="slug_taken"):
            await service.create(2, draft)
        with pytest.raises(NotOwner):
            await service.create(3, NewMerchant("X", "xxx", "EUR", "UTC", "en"))
        for bad, reason in (
            (NewMerchant("", "abc", "EUR", "UTC", "en"), "name"),
            (NewMerchant("A", "a-b", "EUR", "UTC", "en"), "slug"),
            (NewMerchant("A", "abc", "EU", "UTC", "en"), "currency"),
            (NewMerchant("A", "abc", "EUR", "Nowhere/City", "en"), "timezone"),
            (NewMerchant("A", "abc", "EUR", "UTC", "de"), "language"),
        ):
            with pytest.raises(MerchantRefused, match=reason):
                await service.create(1, bad)
        assert await service.suggest_slug(1, "Nord") == "nord2"


def test_a_link_name_is_suggested_from_the_name() -> None:
    assert slug_from("Café Nord 2") == "cafenord2"
    assert slug_from("Кофейня") == "kofeynya"
    assert slug_from("Щи да Каша") == "shchidakasha"
    assert slug_from("Łódź Cukiernia") == "lodzcukiernia"
    assert slug_from("Győri Kávézó") == "gyorikavezo"
    assert slug_from("Tom &amp; <i>Jerry</i>") == "tomjerry"
    assert slug_from("<b>Ж</b> ☕") == "cafe"  # nothing of 3 left: a placeholder to edit
    assert len(slug_from("A very long name of a coffee house")) == 20


async def test_the_link_name_is_suggested_without_tags_in_latin_letters(tg) -> None:
    owner = tg(OWNER)
    await owner.press((await owner.send("/merchants")).button("New merchant"))
    asked = await owner.send("Кофейня «Уют» & <b>Co</b>")
    assert asked.button("Use kofeynyauyutco")
    assert "Latin letters and digits only" in asked.text and "dash" in asked.text
    assert "3 to 20 lowercase" in (await owner.send("uyut-co")).text


async def test_a_time_zone_is_matched_in_any_case_and_shown_with_its_offset(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press((await owner.send("/merchants")).button("New merchant"))
    await owner.send("Bistro Nord")
    await owner.send("nord")
    await owner.press("mer:cur:PLN")
    etc = await owner.send("Etc/GMT+5")  # POSIX signs: that is UTC-5
    assert "Etc/GMT+5 is UTC−5" in etc.text and not etc.button_or_none("Polski")
    language = await owner.send("europe/prague")
    preview = await owner.press(language.button("Polski"))
    assert "Time zone: Europe/Prague (UTC+01:00)" in preview.text
    await owner.press(preview.button("Create"))
    zone = await db.scalar(select(Merchant.timezone).where(Merchant.slug == "nord"))
    assert zone == "Europe/Prague"


async def test_summer_time_and_negative_offsets_show_in_the_preview(tg) -> None:
    owner = tg(OWNER)
    await owner.press((await owner.send("/merchants")).button("New merchant"))
    await owner.send("Diner")
    await owner.send("diner")
    await owner.press("mer:cur:USD")
    language = await owner.send("AMERICA/NEW_YORK")  # 10 March 2026: summer time began
    preview = await owner.press(language.button("English"))
    assert "Time zone: America/New_York (UTC−04:00)" in preview.text


async def test_cancel_acts_only_at_the_preview(tg, db) -> None:
    owner = await fill_form(tg(OWNER))
    preview = await owner.press("mer:lang:en")
    cancelled = await owner.press(preview.button("Cancel"))
    assert "No merchant was created." in cancelled.text
    late = await owner.press(preview.button("Create"))
    assert late.toasts == ["This button is no longer active."] and not late.texts
    assert await db.count(Merchant) == 1
    await fill_form(owner)
    preview = await owner.press("mer:lang:en")
    created = await owner.press(preview.button("Create"))
    assert "is created" in created.text
    stale = await owner.press(preview.button("Cancel"))  # after Create: nothing to cancel
    assert stale.toasts == ["This button is no longer active."] and not stale.texts
    assert await db.count(Merchant) == 2


async def test_the_environment_only_seeds_the_default_merchant(session_factory, clock) -> None:
    async def start(**changes: object) -> None:
        settings: dict[str, object] = {
            "slug": "main",
            "name": "Seeded",
            "currency": "EUR",
            "timezone": "UTC",
            "language": "en",
            "program": ProgramSettings(max_sale_minor=5_000, receipt_required=True),
        }
        async with session_factory() as session:
            await MerchantService(session, clock).ensure_default(**{**settings, **changes})  # type: ignore[arg-type]

    await start()
    async with session_factory() as session, session.begin():
        merchant = await session.scalar(select(Merchant))
        assert merchant is not None
        assert (merchant.max_sale_minor, merchant.receipt_required) == (5_000, True)
        merchant.name, merchant.max_sale_minor = "Edited in the chat", 7_000
    await start(name="Other", timezone="Europe/Warsaw", rules_version=3)
    await start(rules_version=2)
    async with session_factory() as session:
        merchant = await session.scalar(select(Merchant))
        assert merchant is not None
        assert (merchant.name, merchant.timezone, merchant.max_sale_minor) == (
            "Edited in the chat",
            "UTC",
            7_000,
        )
        assert merchant.rules_version == 3  # raised, never lowered
