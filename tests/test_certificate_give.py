"""A partner's cashier gives a certificate with one tap on a sale's confirmation (issue 16),
through the production dispatcher: the button, the member's notice in their language, the
database; a double press, a forged button, the customer, a revoked cashier, the accepting
partner's cashier and a cashier of a merchant that is no partner; the offer archived, its cap
reached, the partnership ended, a sale too old or refunded."""

from __future__ import annotations

import asyncio

from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from db.models import HandOut, Outbox
from handlers.ui.certificate_give_render import GiveCb
from tests.coalition_factories import make_offer
from tests.factories import make_merchant, make_staff
from tests.issuing_scene import (
    ANNA,
    CASHIER,
    OWNER,
    certificates,
    change_offer,
    end_partnership,
    entries,
    issued_count,
    last_purchase,
    scene,
    sell,
)
from tests.roles import assert_acts_refused

GIVE = "🎟 Give: Café wash €10"
NOTICE = (
    "🎟 Test Café gave you a certificate for Café wash: €10, valid until 9 Apr 2026\n"
    "Open /wallet to see it."
)
NOT_HERE = "This is not a sale of this place."
STAFF_ONLY = "This command is for the staff of this place."


async def given_scene(tg, db, session_factory, clock, **options):
    s = await scene(tg, session_factory, clock, HandOut.CASHIER, 0, **options)
    _, done = await sell(db, s.kasia, s.anna, "25")
    return s, done


async def test_the_cashier_gives_one_and_a_second_press_is_refused(
    tg, db, session_factory, clock
) -> None:
    s, done = await given_scene(tg, db, session_factory, clock)
    assert "🎟" not in done.to(ANNA)[0]  # not automatic: nothing until the tap
    assert await certificates(db) == []
    given = await s.kasia.press(done.button(GIVE))
    assert given.toasts == ["Certificate given."]
    assert given.to(CASHIER) == [
        "🎟 Certificate for Café wash given to Anna: €10, valid until 9 Apr 2026\n"
        "They were told, and will find it in /wallet."
    ]
    assert given.to(ANNA) == [NOTICE]
    [row] = await certificates(db)
    assert (row.issued_by, row.source_purchase_id, row.partner_merchant_id) == (
        CASHIER,
        await last_purchase(db),
        s.cafe.id,
    )
    assert await entries(db) == [("issued", 1, CASHIER)]
    again = await s.kasia.press(done.button(GIVE))
    assert again.toasts == ["A certificate of this offer was already given for this sale."]
    assert again.to(ANNA) == []
    assert len(await certificates(db)) == 1 and await issued_count(db, s.offer) == 1
    kinds = await db.all(select(Outbox.kind).where(Outbox.chat_id == ANNA))
    assert kinds.count("certificate_given") == 1


async def test_two_cashiers_tapping_at_once_give_one(tg, bot, db, session_factory, clock) -> None:
    s, done = await given_scene(tg, db, session_factory, clock)
    button = done.button(GIVE)
    before = len(bot.session.requests)
    await asyncio.gather(s.kasia.press(button), s.owner.press(button))
    answers = bot.session.requests[before:]
    toasts = sorted(m.text or "" for m in answers if isinstance(m, AnswerCallbackQuery))
    assert toasts == [
        "A certificate of this offer was already given for this sale.",
        "Certificate given.",
    ]
    assert len(await certificates(db)) == 1 and await issued_count(db, s.offer) == 1


async def test_the_notice_in_russian(tg, db, session_factory, clock) -> None:
    s, done = await given_scene(tg, db, session_factory, clock, anna_language="ru")
    given = await s.kasia.press(done.button(GIVE))
    [notice] = given.to(ANNA)
    assert notice.startswith("🎟 Test Café дарит вам сертификат в Café wash: 10\xa0€")
    assert "/wallet" in notice


async def test_who_may_give(tg, db, session_factory, clock, caplog) -> None:
    s, done = await given_scene(tg, db, session_factory, clock)
    button = done.button(GIVE)
    purchase = await last_purchase(db)
    async with session_factory() as session:
        await make_staff(session, clock, s.wash, 60, name="Wes")  # the accepting partner's
        gym = await make_merchant(session, clock, "gym")  # no partner of anyone
        await make_staff(session, clock, gym, 70, name="Zed")

    async def state() -> object:
        return (len(await certificates(db)), await issued_count(db, s.offer))

    forged = GiveCb(purchase=purchase, offer=s.offer).pack()
    acts = [("press", button, True), ("press", forged, True)]
    for who, answers in (
        (s.anna, [STAFF_ONLY]),
        (tg(60, first_name="Wes"), [NOT_HERE]),
        (tg(70, first_name="Zed"), [NOT_HERE]),
    ):
        await assert_acts_refused(who, acts, answers, ["Anna", "€10"], state, caplog, other=False)
    staff = await s.owner.send("/staff")
    await s.owner.press(staff.button("Revoke Kasia"))
    await assert_acts_refused(s.kasia, acts, [STAFF_ONLY], ["Anna"], state, caplog, other=False)
    assert await state() == (0, 0)
    by_owner = await s.owner.press(button)  # an owner sells, so may give
    assert by_owner.toasts == ["Certificate given."]
    assert [c.issued_by for c in await certificates(db)] == [OWNER]


async def test_forged_buttons_say_nothing_of_others(tg, db, session_factory, clock) -> None:
    s, _ = await given_scene(tg, db, session_factory, clock)
    purchase = await last_purchase(db)
    async with session_factory() as session:
        # An offer of the partner that Test Café does not hand out, one handed out
        # automatically (not by a tap), and a sale that is not there.
        elsewhere = await make_offer(session, clock, s.wash)
        auto = await make_offer(session, clock, s.wash, routes={s.cafe.id: (HandOut.AUTO, 0)})
    changed = "This certificate is no longer handed out here"
    for data, said in (
        (GiveCb(purchase=purchase, offer=elsewhere).pack(), changed),
        (GiveCb(purchase=purchase, offer=auto).pack(), changed),
        (GiveCb(purchase=purchase + 100, offer=s.offer).pack(), NOT_HERE),
        ("cig:x:1", None),
    ):
        pressed = await s.kasia.press(data)
        assert said is None or said in pressed.toasts[0], (data, pressed.toasts)
    assert await certificates(db) == []


async def test_refusals_the_offer_and_the_sale_bring(tg, db, session_factory, clock) -> None:
    s, done = await given_scene(tg, db, session_factory, clock, total_limit=1)
    button = done.button(GIVE)
    await change_offer(session_factory, s.offer, s.cafe.id, archived_at=clock())
    archived = await s.kasia.press(button)
    assert archived.toasts == [
        "This offer was withdrawn by its business: it is no longer handed out."
    ]
    await change_offer(session_factory, s.offer, s.cafe.id, archived_at=None, issued_count=1)
    limit = await s.kasia.press(button)
    assert limit.toasts == [
        "No more certificates of this offer can be given (its limit is reached)."
    ]
    await change_offer(session_factory, s.offer, s.cafe.id, issued_count=0)
    clock.advance(days=1, minutes=1)
    old = await s.kasia.press(button)
    assert old.toasts == [
        "This sale was more than a day ago: certificates are given right after one."
    ]
    clock.advance(days=-1)
    await end_partnership(session_factory, clock(), s.cafe.id, s.wash.id)
    ended = await s.kasia.press(button)
    assert "no longer handed out here" in ended.toasts[0]
    assert await certificates(db) == [] and await issued_count(db, s.offer) == 0


async def test_no_button_without_a_cashiers_route_and_none_for_a_refunded_sale(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock, HandOut.AUTO, 10_000)
    _, done = await sell(db, s.kasia, s.anna, "25")
    assert done.button_or_none("🎟") is None
    async with session_factory() as session:
        tap = await make_offer(session, clock, s.wash, routes={s.cafe.id: (HandOut.CASHIER, 0)})
    _, done = await sell(db, s.kasia, s.anna, "25")
    button = done.button(GIVE)
    refund = await s.kasia.send(f"/refund {await last_purchase(db)}")
    await s.kasia.press(refund.button("Refund"))
    refused = await s.kasia.press(button)
    assert refused.toasts == ["This sale was refunded: no certificate can be given for it."]
    assert await certificates(db) == [] and await issued_count(db, tap) == 0
