"""The partnership links (issue 16 fixes): Accept acts for the business its preview named; a
used link is refused by what happened to it (used, declined, withdrawn, partners already, its
sender no longer an admin); at most 5 open links, a double press getting the same one; revoke
and decline audited and the inviter told of a decline; the own-link refusal points a person of
several businesses to /merchant."""

from __future__ import annotations

from sqlalchemy import select, update

from db.models import Outbox, PartnerInvite, Partnership, Staff
from services.merchants import MerchantService
from tests.factories import make_staff
from tests.partner_scene import ADA, BORIS, audited, invite, partner, token_in, two_places

BEA = 64  # a second admin of the Bistro


async def test_accept_acts_for_the_business_the_preview_named_after_a_switch(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    async with session_factory() as session:
        salon = await MerchantService(session, clock).ensure_default(
            slug="salon", name="Salon", currency="HUF", timezone="UTC", language="en"
        )
        await make_staff(session, clock, salon, ADA, role="admin", name="Ada")
    token = await invite(s.boris)
    preview = await s.ada.send(f"/start k{token}")  # Ada works in Test Café
    assert "Bistro</b> invites <b>Test Café</b> to partner" in preview.text
    await s.ada.press((await s.ada.send("/merchant")).button("Salon"))
    done = await s.ada.press(preview.button("Accept"))
    assert "🤝 <b>Test Café</b> and <b>Bistro</b> are now partners" in done.text
    [row] = await db.all(select(Partnership))
    assert {row.low_merchant_id, row.high_merchant_id} == {s.cafe.id, s.bistro.id}
    used = await db.scalar(select(PartnerInvite))
    assert used.partner_merchant_id == s.cafe.id
    # A forged Accept for a business the presser is no admin of.
    other = await invite(s.boris)
    forged = await s.cyril.press(f"ptk:{other}:{s.bistro.id}:1")
    assert "ask your business's admin" in forged.toasts[0]


async def test_a_used_link_is_refused_by_what_became_of_it(tg, db, session_factory, clock) -> None:
    s = await two_places(tg, session_factory, clock)
    async with session_factory() as session:
        await make_staff(session, clock, s.bistro, BEA, role="admin", name="Bea")
    bea = tg(BEA, first_name="Bea")
    token = await partner(s.ada, s.boris)
    # A colleague of the business that accepted, while they partner.
    said = await bea.send(f"/start k{token}")
    assert said.text == "Your business is partners with <b>Test Café</b> already."
    pressed = await bea.press(f"ptk:{token}:{s.bistro.id}:1")
    assert pressed.toasts == ["Your business is partners with Test Café already."]

    await s.boris.press(f"pt:end_ok:{s.cafe.id}:{s.bistro.id}")
    used = "This invite link has been used already. Ask for a new one."
    assert (await bea.send(f"/start k{token}")).text == used
    assert (await s.boris.send(f"/start k{token}")).text == used  # who accepted it, too
    assert (await s.boris.press(f"ptk:{token}:{s.bistro.id}:1")).toasts == [used]
    row = await db.scalar(select(Partnership))
    assert row.ended_at is not None


async def test_decline_and_revoke_are_audited_and_the_inviter_hears_of_a_decline(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    preview = await s.boris.send(f"/start k{token}")
    declined = await s.boris.press(preview.button("Decline"))
    assert "You declined the invitation of <b>Test Café</b>" in declined.text
    told = declined.to(ADA)
    assert len(told) == 1 and "<b>Bistro</b> declined your invitation to partner" in told[0]
    again = await s.boris.press(preview.button("Decline"))  # a double press: nothing new
    assert again.toasts == [
        "This invitation was declined, so the link no longer works. Ask for a new one."
    ]
    assert not again.to(ADA)
    row = await db.scalar(select(PartnerInvite))
    assert (row.used_by, row.partner_merchant_id) == (BORIS, None)
    assert row.expires_at > row.used_at  # declined, not withdrawn

    clock.advance(minutes=2)
    second = await invite(s.ada)
    console = await s.ada.send("/partners")
    assert "1. a link valid until" in console.text
    await s.ada.press(console.button("Revoke link 1"))
    withdrawn = await s.boris.send(f"/start k{second}")
    assert (
        withdrawn.text == "The business that sent this link has withdrawn it. Ask for a new one."
    )
    assert await audited(db) == [
        (s.cafe.id, "partner_invite", None),
        (s.bistro.id, "partner_decline", str(s.cafe.id)),
        (s.cafe.id, "partner_invite", None),
        (s.cafe.id, "partner_revoke", None),
    ]
    assert [o.kind for o in await db.all(select(Outbox))].count("partner_invite_declined") == 2
    audit = await s.ada.send("/audit")
    assert "Partner invite link withdrawn" in audit.text
    assert "Partner invitation declined" in (await s.boris.send("/audit")).text
    assert await db.count(Partnership) == 0


async def test_a_link_lapses_with_its_senders_admin_access_unless_an_owner_sent_it(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    from_owner = await invite(s.owner)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Staff).where(Staff.telegram_id == ADA).values(revoked_at=clock())
        )
    said = await s.boris.send(f"/start k{token}")
    assert said.text.startswith(
        "The person who sent this link is no longer an admin of <b>Test Café</b>"
    )
    pressed = await s.boris.press(f"ptk:{token}:{s.bistro.id}:1")
    assert "no longer an admin of Test Café" in pressed.toasts[0]
    assert await db.count(Partnership) == 0
    done = await s.boris.press(f"ptk:{from_owner}:{s.bistro.id}:1")
    assert "are now partners" in done.text and await db.count(Partnership) == 1


async def test_at_most_five_open_links_numbered_and_a_double_press_gets_the_same(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    console = await s.ada.send("/partners")
    first = await s.ada.press(console.button("Invite a partner"))
    twice = await s.ada.press(console.button("Invite a partner"))
    assert token_in(first.texts[-1]) == token_in(twice.texts[-1])
    assert await db.count(PartnerInvite) == 1
    for _ in range(4):
        clock.advance(minutes=1, seconds=1)
        await s.ada.press(console.button("Invite a partner"))
    assert await db.count(PartnerInvite) == 5
    clock.advance(minutes=2)
    sixth = await s.ada.press(console.button("Invite a partner"))
    assert sixth.toasts == [
        "Your business has 5 invite links open already. Revoke one you no longer need, then "
        "invite again."
    ]
    assert await db.count(PartnerInvite) == 5
    listing = await s.ada.send("/partners")
    for number in range(1, 6):
        assert f"\n{number}. a link valid until" in listing.text
    ids = [i.id for i in sorted(await db.all(select(PartnerInvite)), key=lambda i: i.id)]
    assert listing.button("Revoke link 2") == f"pt:revoke:{ids[1]}:{s.cafe.id}"
    await s.ada.press(listing.button("Revoke link 2"))
    after = await s.ada.press(console.button("Invite a partner"))
    assert "works once, within 7 days" in after.texts[-1]
    assert await db.count(PartnerInvite) == 6


async def test_the_own_link_refusal_points_someone_of_several_businesses_to_merchant(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    mine = (await s.ada.send(f"/start k{token}")).text
    assert mine.startswith("This is your own business's invite link") and "/merchant" not in mine
    owners = (await s.owner.send(f"/start k{token}")).text
    assert "switch with /merchant and open the link again" in owners
    await s.owner.press((await s.owner.send("/merchant")).button("Bistro"))
    assert "Test Café</b> invites <b>Bistro</b>" in (await s.owner.send(f"/start k{token}")).text
    assert (await db.scalar(select(PartnerInvite))).used_at is None


async def test_two_invite_presses_at_once_make_one_link(tg, db, session_factory, clock) -> None:
    import asyncio

    s = await two_places(tg, session_factory, clock)
    data = (await s.ada.send("/partners")).button("Invite a partner")
    await asyncio.gather(s.ada.press(data), s.ada.press(data))
    assert await db.count(PartnerInvite) == 1
    assert [a for _, a, _ in await audited(db)] == ["partner_invite"]
