"""A certificate given to a friend through the production dispatcher (issue 16): the link made
once, the friend taking it (holder moved, a `gifted` entry, the giver told), and every refusal:
a second friend, a second gift, the giver's own link, a lapsed or used certificate, a double
open; a friend who is nobody here yet joins the business first, then takes it."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendPhoto
from sqlalchemy import select, update

from db.models import Certificate, CertificateStatus, Membership
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.policy.certificates import shown_code
from tests.coalition_factories import customer_id
from tests.telegram import Sent, join
from tests.wallet_scene import (
    FRIEND,
    MEMBER,
    STRANGER,
    entries,
    gift,
    gift_link,
    held,
)

TAKEN = (
    "This gift has already been taken: a gift link works once. If it was you, the "
    "certificate is in /wallet."
)
GONE = "This gift is no longer valid: the certificate was used, has expired or was withdrawn."


async def test_a_gift_link_is_made_once_and_a_friend_takes_it(
    tg, db, session_factory, clock
) -> None:
    anna, issued, payload = await gift_link(tg, session_factory, clock, value_minor=150000)
    again = await anna.press(gift(issued.id))  # the same link, not a second one
    assert again.text.split()[-1].endswith(payload)
    assert (await held(db, issued.id)).gift_token == payload[1:]
    own = await anna.send(f"/start {payload}")
    assert "This is your own gift link" in own.text
    ben = tg(FRIEND, first_name="Ben")
    await join(ben)
    taken = await ben.send(f"/start {payload}")
    assert "It's yours!" in taken.text and "To use it, join Café wash first" in taken.text
    assert shown_code(issued.code) not in taken.text  # Ben has not joined Café wash
    assert taken.to(MEMBER) == [
        "🎁 Your friend took the certificate you gave them: Café wash, 1,500\xa0Ft. It is "
        "theirs now."
    ]
    row = await held(db, issued.id)
    ben_id, anna_id = await customer_id_of(db, FRIEND), await customer_id_of(db, MEMBER)
    assert (row.customer_id, row.first_customer_id) == (ben_id, anna_id)
    assert row.gift_token == payload[1:]  # kept: the link opened again says it was taken
    assert row.gifted_at is not None and row.status is CertificateStatus.OPEN
    assert await entries(db, issued.id) == [("issued", 1, anna_id), ("gifted", 0, ben_id)]
    assert TAKEN in (await tg(STRANGER).send(f"/start {payload}")).text
    assert TAKEN in (await ben.send(f"/start {payload}")).text
    regift = await ben.press(gift(issued.id))
    assert regift.toasts == ["This certificate was given once already: it can be given only once."]
    gone = await anna.press(WalletCb(action=WalletAction.SHOW, certificate_id=issued.id).pack())
    assert gone.toasts[0].startswith("There is no such certificate of yours")
    given = await anna.send("/wallet")
    assert "No certificates to use right now" in given.text
    assert "Earlier ones:\n• Café wash — 1,500\xa0Ft: given to a friend" in given.text
    assert "1 valid certificate" in (await ben.send("/wallet")).text
    assert await entries(db, issued.id) == [("issued", 1, anna_id), ("gifted", 0, ben_id)]


async def customer_id_of(db, telegram_id: int) -> int:
    async with db.factory() as s:
        return await customer_id(s, telegram_id)


async def test_a_lapsed_or_used_certificate_is_not_given(tg, db, session_factory, clock) -> None:
    anna, issued, payload = await gift_link(tg, session_factory, clock, valid_days=3)
    clock.advance(days=5)
    assert (await anna.press(gift(issued.id))).toasts == ["This certificate has expired."]
    ben = tg(FRIEND)
    await join(ben)
    assert GONE in (await ben.send(f"/start {payload}")).text
    clock.advance(days=-5)
    async with session_factory() as s, s.begin():
        await s.execute(
            update(Certificate)
            .where(Certificate.id == issued.id)
            .values(status=CertificateStatus.REDEEMED)
        )
    assert GONE in (await ben.send(f"/start {payload}")).text
    row = await held(db, issued.id)
    assert row.customer_id == await customer_id_of(db, MEMBER) and row.gifted_at is None
    assert [e[0] for e in await entries(db, issued.id)] == ["issued"]


async def test_a_friend_who_is_nobody_here_joins_first_then_takes_it(
    tg, db, session_factory, clock
) -> None:
    _anna, issued, payload = await gift_link(tg, session_factory, clock, value_minor=150000)
    dan = tg(STRANGER, first_name="Dan")
    opened = await dan.send(f"/start {payload}")
    assert "A gift for you: a certificate for Café wash, 1,500\xa0Ft\nValid until" in opened.text
    assert await db.scalar(select(Membership.id).where(Membership.source == "gift")) is None
    assert (await held(db, issued.id)).gift_token is not None  # nothing taken before consent
    joined = await dan.press(opened.button("Accept"))
    assert "It's yours!" in joined.text
    [photo] = joined.of(SendPhoto)
    row = await held(db, issued.id)
    assert shown_code(row.code) in photo.caption  # he joined Café wash: its code shows
    assert row.code != issued.code  # a fresh one: Anna saw the old
    dan_id = await customer_id_of(db, STRANGER)
    assert row.customer_id == dan_id
    source = await db.scalar(select(Membership.source).where(Membership.customer_id == dan_id))
    assert source == "gift"
    assert joined.to(MEMBER) and "Your friend took" in joined.to(MEMBER)[0]


async def test_two_friends_open_the_link_at_once(tg, db, session_factory, clock) -> None:
    _anna, issued, payload = await gift_link(tg, session_factory, clock)
    ben, cleo = tg(FRIEND, first_name="Ben"), tg(STRANGER, first_name="Cleo")
    await join(ben)
    await join(cleo)
    before = len(ben.session.requests)
    await asyncio.gather(ben.send(f"/start {payload}"), cleo.send(f"/start {payload}"))
    sent = Sent(ben.session.requests[before:])  # the two updates' requests interleave
    said = [sent.to(FRIEND), sent.to(STRANGER)]
    assert sorted(TAKEN in texts[0] for texts in said) == [False, True]
    winner = FRIEND if TAKEN in said[1][0] else STRANGER
    assert (await held(db, issued.id)).customer_id == await customer_id_of(db, winner)
    assert [e[0] for e in await entries(db, issued.id)] == ["issued", "gifted"]
    again = await ben.send(f"/start {payload}")  # a second open of the same link
    assert TAKEN in again.text
    assert [e[0] for e in await entries(db, issued.id)] == ["issued", "gifted"]
