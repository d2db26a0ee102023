"""The working merchant, chosen explicitly with /merchant: an owner of two merchants switches,
and /stats, /staff and the sale flow then act in the chosen merchant and name it on top of
every staff message; a cashier of one merchant sees nothing of another; a choice revoked
meanwhile is refused; the who statement stays one statement."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditLog, Purchase, Staff, StaffInvite, Workplace
from services.merchants import MerchantService
from tests.sql_counts import counting
from tests.telegram import TgUser, hire, join
from tests.test_handlers_sale import OWNER

KASIA, ANNA, BOB, OLGA = 50, 101, 102, 70
MAIN_LINE = "🏪 <b>Test Café</b>"
BISTRO_LINE = "🏪 <b>Bistro</b>"
REFUSED = "This is for the owners and the staff of a place."


async def add_bistro(session_factory, clock) -> int:
    async with session_factory() as session:
        view = await MerchantService(session, clock).ensure_default(
            slug="bistro", name="Bistro", currency="PLN", timezone="UTC", language="en"
        )
    return view.id


async def workplaces(db) -> dict[int, int]:
    return {w.telegram_id: w.merchant_id for w in await db.all(select(Workplace))}


async def test_an_owner_of_one_merchant_is_told_so_and_staff_messages_carry_no_line(tg) -> None:
    owner = tg(OWNER)
    assert (await owner.send("/merchant")).text == "You work in one place only: <b>Test Café</b>."
    assert "🏪" not in (await owner.send("/staff")).text


async def test_an_owner_switches_and_stats_staff_and_sales_act_in_and_name_the_chosen(
    tg, db, session_factory, clock
) -> None:
    owner, anna = tg(OWNER), tg(ANNA)
    await owner.send("/staff")  # the default merchant exists from the first update
    bistro = await add_bistro(session_factory, clock)
    listing = await owner.send("/merchant")
    assert "✅ Test Café" in listing.text and "▫️ Bistro" in listing.text
    assert not listing.text.startswith("🏪")  # the list marks the current one itself
    switched = await owner.press(listing.button("Bistro"))
    assert switched.toasts == ["You are now working in Bistro."]
    assert "✅ Bistro" in switched.text
    assert await workplaces(db) == {OWNER: bistro}
    audit = await db.scalar(select(AuditLog).where(AuditLog.action == "workplace_switch"))
    assert (audit.merchant_id, audit.actor_telegram_id) == (bistro, OWNER)

    stats = await owner.send("/stats")
    assert all(text.startswith(BISTRO_LINE + "\n") for text in stats.texts)
    staff = await owner.send("/staff")
    assert staff.text.startswith(BISTRO_LINE)
    invite = await owner.press(staff.button("Invite a cashier"))
    assert invite.text.startswith(BISTRO_LINE)
    assert (await db.scalar(select(StaffInvite.merchant_id))) == bistro

    await join(anna, "mbistro")
    await anna.send("/code")
    assert "🏪" not in (await anna.send("/card")).text  # a customer's messages: never
    preview = await owner.send(f"/sale {await db.pay_code(ANNA)} 10")
    assert preview.text.startswith(BISTRO_LINE) and "zł" in preview.text
    done = await owner.press(preview.button("Confirm"))
    assert done.texts[0].startswith(BISTRO_LINE + "\n✅ Sale #1 confirmed.")  # the edit
    assert not any(text.startswith("🏪") for text in done.to(ANNA))  # her receipt
    assert (await db.scalar(select(Purchase.merchant_id))) == bistro

    back = await owner.press((await owner.send("/merchant")).button("Test Café"))
    assert "✅ Test Café" in back.text
    assert (await owner.send("/stats")).text.startswith(MAIN_LINE)


async def test_a_cashier_of_one_merchant_sees_nothing_of_another(
    tg, db, session_factory, clock
) -> None:
    owner, kasia = tg(OWNER), tg(KASIA, first_name="Kasia")
    await hire(owner, kasia)
    bistro = await add_bistro(session_factory, clock)
    one = await kasia.send("/merchant")
    assert one.text == "You work in one place only: <b>Test Café</b>."
    assert "🏪" not in (await kasia.send("/sales")).text
    forged = await kasia.press(f"wp:{bistro}")
    assert forged.toasts == [REFUSED] and "Bistro" not in forged.text
    assert await workplaces(db) == {}


async def test_staff_of_two_merchants_choose_and_a_choice_revoked_meanwhile_is_refused(
    tg, db, session_factory, clock
) -> None:
    owner, kasia = tg(OWNER), tg(KASIA, first_name="Kasia")
    await hire(owner, kasia)
    bistro = await add_bistro(session_factory, clock)
    await owner.press((await owner.send("/merchant")).button("Bistro"))
    await hire(owner, kasia)  # now a cashier of the Bistro too
    assert (await kasia.send("/sales")).text.startswith(MAIN_LINE)  # where she was hired first
    listing = await kasia.send("/merchant")
    assert "✅ Test Café" in listing.text and "▫️ Bistro" in listing.text
    await kasia.press(listing.button("Bistro"))
    assert (await kasia.send("/sales")).text.startswith(BISTRO_LINE)
    button = listing.button("Bistro")

    row = await db.scalar(
        select(Staff).where(Staff.merchant_id == bistro, Staff.telegram_id == KASIA)
    )
    await owner.press(f"srev:{row.id}")  # the owner works in the Bistro
    refused = await kasia.press(button)
    assert refused.toasts == [REFUSED]
    # Her choice no longer counts: she works where she still may, and in one place only.
    assert (await kasia.send("/merchant")).text == "You work in one place only: <b>Test Café</b>."
    assert "🏪" not in (await kasia.send("/sales")).text


async def test_merchant_and_its_buttons_refuse_customers_strangers_revoked_and_other_admins(
    tg, db, session_factory, clock
) -> None:
    from tests.factories import make_staff

    owner, kasia, anna, bob = tg(OWNER), tg(KASIA), tg(ANNA), tg(BOB)
    await hire(owner, kasia)
    await join(anna)
    bistro = await add_bistro(session_factory, clock)
    async with session_factory() as session:
        view = await MerchantService(session, clock).by_slug("bistro")
        await make_staff(session, clock, view, OLGA, role="admin", name="Olga")
    row = await db.scalar(select(Staff).where(Staff.telegram_id == KASIA))
    await owner.press(f"srev:{row.id}")
    main = (await db.scalar(select(Staff.merchant_id).where(Staff.telegram_id == KASIA))) or 1
    for person in (anna, bob, kasia):
        said = await person.send("/merchant")
        assert said.text == REFUSED, person.id
        pressed = await person.press(f"wp:{main}")
        assert pressed.toasts == [REFUSED] and not pressed.texts
        pressed = await person.press(f"wp:{bistro}")
        assert pressed.toasts == [REFUSED] and not pressed.texts
    olga = tg(OLGA)
    assert "Test Café" not in (await olga.send("/merchant")).text
    assert (await olga.press(f"wp:{main}")).toasts == [REFUSED]
    assert await workplaces(db) == {}


async def test_who_is_writing_stays_one_statement_for_an_owner_who_chose(
    engine, tg, db, session_factory, clock
) -> None:
    owner: TgUser = tg(OWNER)
    await owner.send("/staff")
    await add_bistro(session_factory, clock)
    await owner.press((await owner.send("/merchant")).button("Bistro"))
    await owner.send("/help")  # the process's copy of the program is read by now
    owner.after = None
    with counting(engine) as cost:
        await owner.send("/help")
    assert len(cost.statements) == 1 and cost.single == 1, cost.statements
