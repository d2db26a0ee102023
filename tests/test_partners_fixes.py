"""The /partners console and the members' page (issue 16 fixes): a console button opened in
one business is refused after a /merchant switch; a forged end for a business never partnered
says so; the members' page is a line per partner, paged, within Telegram's limit and read in
the same statements for 2 partners as for 20; Join names the partner who sent the person, and
a member there sees Open instead; the admins' menu and /help word /partners as the console."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Membership, PartnerInvite, Partnership
from handlers.commands import customer_commands, staff_commands
from services.dto import MerchantView
from services.merchants import MerchantService
from services.states import StaffRole
from tests.coalition_factories import make_partnership
from tests.partner_scene import add_cards, invite, partner, two_places
from tests.sql_counts import counting
from tests.telegram import join


async def places(session_factory, clock, count: int, start: int = 0) -> list[MerchantView]:
    made = []
    async with session_factory() as session:
        service = MerchantService(session, clock)
        for n in range(start, start + count):
            made.append(
                await service.ensure_default(
                    slug=f"place{n}",
                    name=f"Place {n:02} " + "Ä&" * 40,
                    currency="EUR",
                    timezone="UTC",
                    language="en",
                )
            )
    return made


async def long_cards(session_factory, merchants: list[MerchantView]) -> None:
    description, address = "<Soups> & sandwiches " * 40, "Riverside & Main <corner> " * 7
    await add_cards(session_factory, [m.id for m in merchants], description, address)


async def test_a_console_button_is_refused_after_a_switch_to_another_business(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    [salon] = await places(session_factory, clock, 1)
    async with session_factory() as session:
        await make_partnership(session, clock, s.cafe, salon)
    async with session_factory() as session:
        await make_partnership(session, clock, s.bistro, salon)
    await invite(s.owner)
    console = await s.owner.send("/partners")  # the owner works in Test Café
    question = await s.owner.press(console.button("End partnership with Place 00"))
    await s.owner.press((await s.owner.send("/merchant")).button("Bistro"))
    refused = "This button is from the partners of another business than the one you work in"
    for button in (
        question.button("🔚 End partnership"),
        console.button("Revoke link 1"),
        console.button("Invite a partner"),
        console.button("End partnership with Place 00"),
        question.button("Back"),
    ):
        pressed = await s.owner.press(button)
        assert pressed.toasts and pressed.toasts[0].startswith(refused), button
    rows = await db.all(select(Partnership))
    assert [r.ended_at for r in rows] == [None, None]  # neither the Café's nor the Bistro's
    assert await db.count(PartnerInvite) == 1
    assert (await db.scalar(select(PartnerInvite))).used_at is None


async def test_a_forged_end_for_a_business_never_partnered_says_not_partners(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    [salon] = await places(session_factory, clock, 1)
    for data in (f"pt:end:{salon.id}:{s.cafe.id}", f"pt:end_ok:{salon.id}:{s.cafe.id}"):
        pressed = await s.ada.press(data)
        assert pressed.toasts == ["These businesses are not partners."], data
    await partner(s.ada, s.boris)
    await s.ada.press(f"pt:end_ok:{s.bistro.id}:{s.cafe.id}")
    again = await s.ada.press(f"pt:end_ok:{s.bistro.id}:{s.cafe.id}")
    assert "This partnership has ended already." in again.text
    assert await db.count(Partnership) == 1


async def test_twenty_partners_with_long_cards_fit_pages_read_in_constant_statements(
    tg, db, session_factory, clock, engine
) -> None:
    s = await two_places(tg, session_factory, clock)
    few = await places(session_factory, clock, 2)
    await long_cards(session_factory, few)
    for m in few:
        async with session_factory() as session:
            await make_partnership(session, clock, s.cafe, m)
    with counting(engine) as small:
        await s.anna.send("/partners")
    many = await places(session_factory, clock, 18, start=2)
    await long_cards(session_factory, many)
    for m in many:
        async with session_factory() as session:
            await make_partnership(session, clock, s.cafe, m)
    with counting(engine) as large:
        first = await s.anna.send("/partners")
    assert len(large.statements) == len(small.statements), large.statements

    assert len(first.text) <= 4096 and "Page 1 of 2" in first.text
    seen = [n for n in range(20) if f"Place {n:02}" in first.text]
    assert seen == list(range(10))
    second = await s.anna.press(first.button("▶️"))
    assert len(second.text) <= 4096 and "Page 2 of 2" in second.text
    assert [n for n in range(20) if f"Place {n:02}" in second.text] == list(range(10, 20))
    assert second.button_or_none("▶️") is None
    back = await s.anna.press(second.button("◀️"))
    assert back.text == first.text
    card = await s.anna.press(second.button("Place 19"))
    assert "Riverside &amp; Main &lt;corner&gt;" in card.text
    assert await db.count(Membership) == 1


async def test_join_names_the_partner_who_sent_them_and_a_member_there_sees_open(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    await partner(s.ada, s.boris)
    page = await s.anna.send("/partners")
    card = await s.anna.press(page.button("Bistro"))
    join_url = card.button("Join Bistro")
    assert join_url.endswith(f"?start=mbistro-spartner{s.cafe.id}")
    await join(s.anna, join_url.split("start=")[1])
    joined = await db.scalar(select(Membership).where(Membership.merchant_id == s.bistro.id))
    assert joined.source == f"partner{s.cafe.id}"
    await s.anna.send("/start mmain")  # back in Test Café
    card = await s.anna.press(f"ptv:{s.cafe.id}:{s.bistro.id}")
    assert card.button_or_none("Join Bistro") is None
    assert card.button("You are a member: open Bistro").endswith("?start=mbistro")
    assert await db.count(Membership) == 2


async def test_the_admins_menu_and_help_word_partners_as_their_console(
    tg, session_factory, clock, i18n
) -> None:
    s = await two_places(tg, session_factory, clock)
    with i18n.context(), i18n.use_locale("en"):
        lines = {c.command: c.description for c in staff_commands(StaffRole.ADMIN)}
        assert lines["partners"] == "Partners: invite, end, see them"
        mine = {c.command: c.description for c in customer_commands()}
        assert mine["partners"] == "Partner businesses and their cards"
        cashier = {c.command: c.description for c in staff_commands(StaffRole.STAFF)}
        assert cashier["partners"] == "Partner businesses and their cards"
    said = await s.ada.send("/help")
    running = said.text.split("Running the program")[1]
    assert "/partners – Partners: invite, end, see them" in running
