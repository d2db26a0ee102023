"""Partnerships (issue 16) through the production dispatcher: an admin invites by a one-time
link, another merchant's admin accepts once (a double tap, two links both ways: one row),
expired, used and own links are refused, either side ends after a confirmation, partnering
again reopens the row; each change bumps both programs, is audited and told the other side."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import Merchant, Outbox, PartnerInvite, Partnership
from tests.partner_scene import ADA, BORIS, audited, invite, partner, token_in, two_places
from tests.test_handlers_sale import OWNER


async def versions(db) -> dict[int, int]:
    return {m.id: m.program_version for m in await db.all(select(Merchant))}


async def test_an_admin_invites_and_another_merchants_admin_accepts(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    console = await s.ada.send("/partners")
    assert "Partners of Test Café" in console.text and "No partners yet" in console.text
    sent = await s.ada.press(console.button("Invite a partner"))
    link_message = sent.texts[-1]
    assert "works once, within 7 days" in link_message and "Test Café" in link_message
    token = token_in(link_message)
    assert sent.button("Share").startswith("https://t.me/share/url?url=")
    assert "a link valid until" in sent.texts[0]  # the console shows the open link
    row = await db.scalar(select(PartnerInvite))
    assert (row.merchant_id, row.created_by, row.used_at) == (s.cafe.id, ADA, None)
    assert row.expires_at - row.created_at == timedelta(days=7)
    before = await versions(db)

    preview = await s.boris.send(f"/start k{token}")
    assert "Test Café</b> invites <b>Bistro</b> to partner" in preview.text
    assert "business cards" in preview.text and "certificates" in preview.text
    done = await s.boris.press(preview.button("Accept"))
    assert "🤝 <b>Bistro</b> and <b>Test Café</b> are now partners" in done.text
    told = done.to(ADA)
    assert len(told) == 1 and "Bistro</b> accepted your invitation" in told[0]
    assert len(done.to(OWNER)) == 1  # the owners hear it too
    assert not done.to(BORIS)[1:]  # the one who accepted is not told again

    [pair] = await db.all(select(Partnership))
    assert {pair.low_merchant_id, pair.high_merchant_id} == {s.cafe.id, s.bistro.id}
    assert (pair.invited_by_merchant_id, pair.ended_at) == (s.cafe.id, None)
    used = await db.scalar(select(PartnerInvite))
    assert (used.used_by, used.partner_merchant_id) == (BORIS, s.bistro.id)
    after = await versions(db)
    assert after[s.cafe.id] == before[s.cafe.id] + 1
    assert after[s.bistro.id] == before[s.bistro.id] + 1
    assert await audited(db) == [
        (s.cafe.id, "partner_invite", None),
        (s.bistro.id, "partner_accept", str(s.cafe.id)),
    ]
    listing = await s.ada.send("/partners")
    assert "• <b>Bistro</b>, since" in listing.text and "valid until" not in listing.text
    audit = await s.boris.send("/audit")
    assert "Partnership accepted" in audit.text


async def test_a_double_accept_makes_one_partnership_and_says_so(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    await s.boris.send(f"/start k{token}")
    first = await s.boris.press(f"ptk:{token}:{s.bistro.id}:1")
    again = await s.boris.press(f"ptk:{token}:{s.bistro.id}:1")
    assert "now partners" in first.text
    assert "<b>Bistro</b> is partners with <b>Test Café</b> already." in again.text
    assert await db.count(Partnership) == 1
    kinds = [o.kind for o in await db.all(select(Outbox))]
    assert kinds.count("partnership_started") == 2  # Ada and the owner, once each
    assert [a for _, a, _ in await audited(db)].count("partner_accept") == 1


async def test_two_links_accepted_both_ways_make_one_partnership(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    from_cafe, from_bistro = await invite(s.ada), await invite(s.boris)
    await s.boris.press(f"ptk:{from_cafe}:{s.bistro.id}:1")
    second = await s.ada.send(f"/start k{from_bistro}")
    assert second.text == "Your business is partners with <b>Bistro</b> already."
    pressed = await s.ada.press(f"ptk:{from_bistro}:{s.cafe.id}:1")
    assert pressed.toasts == ["Your business is partners with Bistro already."]
    assert await db.count(Partnership) == 1
    open_link = await db.scalar(select(PartnerInvite).where(PartnerInvite.token == from_bistro))
    assert open_link.used_at is None


async def test_expired_used_own_and_unknown_links_are_refused(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    own = await invite(s.ada)
    assert (await s.ada.send(f"/start k{own}")).text.startswith("This is your own business")
    # The owner may work in several businesses: told how to accept for another.
    said = (await s.owner.send(f"/start k{own}")).text
    assert said.startswith("This is the invite link of the business you work in now")
    assert "/merchant" in said
    unknown = (await s.boris.send("/start kAAAAAAAAAAAAAAAA")).text
    assert unknown == "This invite link is not valid. Ask for a new one."

    clock.advance(days=7, seconds=1)
    expired = await s.boris.send(f"/start k{own}")
    assert expired.text == "This invite link has expired. Ask for a new one."
    assert (await s.boris.press(f"ptk:{own}:{s.bistro.id}:1")).toasts == [expired.text]

    fresh = await invite(s.ada)
    await s.boris.press(f"ptk:{fresh}:{s.bistro.id}:1")
    await s.boris.press(f"pt:end_ok:{s.cafe.id}:{s.bistro.id}")
    # A used link stays used for anyone else, even after the partnership ended.
    used = await s.owner.send(f"/start k{fresh}")
    assert "the business you work in now" in used.text  # the owner works in Test Café
    await s.owner.press((await s.owner.send("/merchant")).button("Bistro"))
    used = await s.owner.send(f"/start k{fresh}")
    assert used.text == "This invite link has been used already. Ask for a new one."
    assert await db.count(Partnership) == 1
    assert (await db.scalar(select(Partnership))).ended_at is not None


async def test_a_customer_or_a_cashier_opening_the_link_is_told_to_ask_their_admin(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    for person in (s.anna, s.cyril, tg(555)):  # a member, a cashier, a stranger
        said = await person.send(f"/start k{token}")
        assert "ask your business's admin" in said.text, person.id
        assert "Test Café" not in said.text  # nothing of the link is told
        pressed = await person.press(f"ptk:{token}:{s.bistro.id}:1")
        assert "ask your business's admin" in pressed.toasts[0]
    assert await db.count(Partnership) == 0
    assert (await db.scalar(select(PartnerInvite))).used_at is None


async def test_decline_closes_the_link(tg, db, session_factory, clock) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    preview = await s.boris.send(f"/start k{token}")
    declined = await s.boris.press(preview.button("Decline"))
    assert "You declined the invitation of <b>Test Café</b>" in declined.text
    assert (await s.boris.press(f"ptk:{token}:{s.bistro.id}:1")).toasts == [
        "This invitation was declined, so the link no longer works. Ask for a new one."
    ]
    assert await db.count(Partnership) == 0
    assert "valid until" not in (await s.ada.send("/partners")).text


async def test_either_side_ends_after_confirmation_and_partnering_again_reopens_the_row(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    await partner(s.ada, s.boris)
    before = await versions(db)
    console = await s.boris.send("/partners")
    question = await s.boris.press(console.button("End partnership with Test Café"))
    assert "End the partnership with <b>Test Café</b>?" in question.text
    assert "Certificates already handed out stay valid" in question.text
    assert (await db.scalar(select(Partnership))).ended_at is None  # asked, not done
    ended = await s.boris.press(question.button("End partnership"))
    assert "has ended. Certificates already handed out stay valid." in ended.text
    told = ended.to(ADA)
    assert len(told) == 1 and "Bistro</b> ended your partnership" in told[0]
    row = await db.scalar(select(Partnership))
    assert row.ended_at is not None and row.ended_by_merchant_id == s.bistro.id
    after = await versions(db)
    assert after[s.cafe.id] == before[s.cafe.id] + 1
    assert after[s.bistro.id] == before[s.bistro.id] + 1
    again = await s.boris.press(question.button("End partnership"))
    assert "ended already" in again.text and not again.to(ADA)
    assert (await audited(db))[-1] == (s.bistro.id, "partner_end", str(s.cafe.id))

    clock.advance(hours=1)
    await partner(s.boris, s.ada)  # the other way round this time
    rows = await db.all(select(Partnership))
    assert len(rows) == 1 and rows[0].ended_at is None
    assert rows[0].invited_by_merchant_id == s.bistro.id
    assert rows[0].started_at > row.started_at
    question = await s.ada.press(f"pt:end:{s.bistro.id}:{s.cafe.id}")
    ended = await s.ada.press(question.button("End partnership"))
    assert len(ended.to(BORIS)) == 1  # told again: a new partnership, a new notice


async def test_two_simultaneous_accepts_make_one_partnership(
    tg, db, session_factory, clock
) -> None:
    import asyncio

    from tests.telegram import Sent

    s = await two_places(tg, session_factory, clock)
    token = await invite(s.ada)
    before = len(s.boris.session.requests)
    data = f"ptk:{token}:{s.bistro.id}:1"
    await asyncio.gather(s.boris.press(data), s.boris.press(data))
    said = Sent(s.boris.session.requests[before:])
    texts = [t for t in said.texts if "partners" in t and "accepted your invitation" not in t]
    assert sorted(texts) == [
        "<b>Bistro</b> is partners with <b>Test Café</b> already.",
        "🤝 <b>Bistro</b> and <b>Test Café</b> are now partners. Your members see its business "
        "card under 🤝 Partners, and its members see yours.",
    ]
    assert await db.count(Partnership) == 1
    assert [a for _, a, _ in await audited(db)].count("partner_accept") == 1


async def test_two_links_accepted_both_ways_at_once_make_one_partnership(
    tg, db, session_factory, clock
) -> None:
    import asyncio

    from aiogram.methods import EditMessageText

    from tests.telegram import Sent

    s = await two_places(tg, session_factory, clock)
    from_cafe, from_bistro = await invite(s.ada), await invite(s.boris)
    before = len(s.ada.session.requests)  # one recording session for every chat
    await asyncio.gather(
        s.boris.press(f"ptk:{from_cafe}:{s.bistro.id}:1"),
        s.ada.press(f"ptk:{from_bistro}:{s.cafe.id}:1"),
    )
    run = Sent(s.ada.session.requests[before:])
    edits = [m.text for m in run.of(EditMessageText)]
    said = edits + run.toasts
    assert sum("are now partners" in text for text in said) == 1, said
    assert any(text.startswith("Your business is partners with") for text in said), said
    assert await db.count(Partnership) == 1
    used = [i for i in await db.all(select(PartnerInvite)) if i.used_at is not None]
    assert len(used) == 1
    assert [a for _, a, _ in await audited(db)].count("partner_accept") == 1
