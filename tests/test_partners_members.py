"""The members' Partners page (issue 16): /partners and the About us button list the partners
with their business card essentials; a partner's card opens with a Join button, for members
and people who have not joined alike; the admin sees the page as members do."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Membership, Partnership
from tests.partner_scene import add_cards, partner, two_places


async def bistro_card(session_factory, merchant_id: int) -> None:
    await add_cards(
        session_factory, [merchant_id], "Soups & sandwiches by the river.", "Riverside 5"
    )


async def test_without_partners_the_page_says_so_and_about_has_no_button(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    page = await s.anna.send("/partners")
    assert page.text == "🤝 <b>Partners of Test Café</b>\n\nTest Café has no partners yet."
    assert page.button_or_none("Bistro") is None
    about = await s.anna.send("/about")
    assert about.button_or_none("Partners") is None
    assert await db.count(Partnership) == 0


async def test_a_member_reads_the_partners_and_opens_a_partners_card_to_join_it(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    await bistro_card(session_factory, s.bistro.id)
    await partner(s.ada, s.boris)
    page = await s.anna.send("/partners")
    assert page.text == (
        "🤝 <b>Partners of Test Café</b>\n\n• <b>Bistro</b> · Riverside 5\n\n"
        "Press a partner for its card."
    )
    assert page.button_or_none("Back") is None  # no console for a member

    card = await s.anna.press(page.button("Bistro"))
    assert card.text.startswith("<b>Bistro</b>\n\nSoups &amp; sandwiches")
    for part in ("Riverside 5", "+48 600 100 200"):
        assert part in card.text, part
    join_url = card.button("Join Bistro")
    assert join_url.startswith("https://t.me/")
    assert join_url.endswith(f"?start=mbistro-spartner{s.cafe.id}")  # who sent her there
    back = await s.anna.press(card.button("Back"))
    assert back.text == page.text

    about = await s.anna.send("/about")
    from_about = await s.anna.press(about.button("🤝 Partners"))
    assert from_about.text == page.text
    # Seeing the card joins nothing: she is a member of Test Café only.
    assert await db.count(Membership) == 1

    # The Bistro's people see Test Café among theirs; someone who joined nowhere may look.
    stranger = await tg(555).press(f"ptv:{s.bistro.id}:0")
    assert "<b>Test Café</b>" in stranger.text
    assert "Test Café" in (await tg(555).press(f"ptv:{s.bistro.id}:{s.cafe.id}")).text


async def test_a_partners_card_after_the_end_and_a_forged_merchant_are_refused(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    await partner(s.ada, s.boris)
    page = await s.anna.send("/partners")
    await s.ada.press(f"pt:end_ok:{s.bistro.id}:{s.cafe.id}")
    stale = await s.anna.press(page.button("Bistro"))
    assert stale.toasts == ["These businesses are no longer partners."] and not stale.texts
    assert (await s.anna.press("ptv:999:0")).toasts == ["This button is no longer active."]
    assert (await s.anna.press("ptv:0:0")).toasts == ["This button is no longer active."]
    assert "no partners yet" in (await s.anna.send("/partners")).text


async def test_the_admin_sees_the_page_as_members_do_and_goes_back(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    await partner(s.ada, s.boris)
    console = await s.ada.send("/partners")
    end = console.button("End partnership with Bistro")
    assert end == f"pt:end:{s.bistro.id}:{s.cafe.id}"
    page = await s.ada.press(console.button("As members see it"))
    assert page.text.startswith("🤝 <b>Partners of Test Café</b>\n\n• <b>Bistro</b>")
    again = await s.ada.press(page.button("Back"))
    assert "• <b>Bistro</b>, since" in again.text
    # The Bistro's admin pressing Test Café's page sees it as a member would: no console.
    other = await s.boris.press(f"ptv:{s.cafe.id}:0")
    assert other.button_or_none("Back") is None
    rows = await db.all(select(Partnership))
    assert len(rows) == 1 and rows[0].ended_at is None


async def test_a_russian_member_reads_the_page_in_russian(tg, session_factory, clock) -> None:
    from tests.telegram import join

    s = await two_places(tg, session_factory, clock)
    await partner(s.ada, s.boris)
    ivan = tg(102, first_name="Ivan", language_code="ru")
    await join(ivan)
    page = await ivan.send("/partners")
    assert page.text.startswith("🤝 <b>Партнёры: Test Café</b>\n\n• <b>Bistro</b>")
    card = await ivan.press(page.button("Bistro"))
    assert card.button("Присоединиться: Bistro").endswith(f"start=mbistro-spartner{s.cafe.id}")
