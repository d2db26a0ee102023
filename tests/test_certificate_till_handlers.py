"""Redeeming a certificate on its own through the production dispatcher: /redeem with the code,
a code typed where the till asks for one, the certificate's QR deep link; what the cashier,
the holder and the admins read, and what the database holds after. Each refusal, the wrong
codes' pause, and who may redeem: the customer, a revoked admin, a paused cashier, and the
staff of a merchant that is no partner."""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from sqlalchemy import select, update

from db.models import (
    AuditLog,
    Certificate,
    CertificateEntry,
    CertificateStatus,
    HandOut,
    Membership,
    Outbox,
    Partnership,
)
from handlers.ui.certificate_render import CertificateAction, CertificateCb
from services.merchants import MerchantService
from services.policy.certificates import shown_code
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.factories import make_member, make_merchant, make_staff, staff_cast
from tests.roles import assert_acts_refused
from tests.telegram import TgUser, hire, join

OWNER, CASHIER, MEMBER = 1, 50, 101
WASH_CASHIER = 80


async def certificate_for(
    session_factory, clock, holder: int = MEMBER, **offer
) -> tuple[int, str]:
    """A certificate of Test Café (the bot's merchant), handed out by its partner Car Wash,
    for `holder` (who must exist): (id, code)."""
    async with session_factory() as s:
        cafe = await make_merchant(s, clock)  # the default one, made by the bot already
        wash = await MerchantService(s, clock).ensure_default(
            slug="wash", name="Car Wash", currency="EUR", timezone="Europe/Warsaw", language="en"
        )
        async with s.begin():
            partners = await s.scalar(select(Partnership.id))
        if partners is None:
            await make_partnership(s, clock, wash, cafe)
            await make_staff(s, clock, wash, WASH_CASHIER, name="Wes")
        options = {"value_minor": 1500, "min_check_minor": 3000} | offer
        offer_id = await make_offer(
            s, clock, cafe, routes={wash.id: (HandOut.CASHIER, 0)}, **options
        )
        issued = await make_certificate(s, clock, offer_id, holder, wash)
        return issued.id, issued.code


async def till(tg, session_factory, clock, **offer) -> tuple[TgUser, TgUser, TgUser, int, str]:
    """The owner, a cashier (Kasia) they hired, member Anna holding an open certificate."""
    owner, kasia, anna = tg(OWNER), tg(CASHIER, first_name="Kasia"), tg(MEMBER)
    await hire(owner, kasia)
    await join(anna)
    certificate_id, code = await certificate_for(session_factory, clock, **offer)
    return owner, kasia, anna, certificate_id, code


async def certificate(db, certificate_id: int) -> Certificate:
    row = await db.scalar(select(Certificate).where(Certificate.id == certificate_id))
    assert isinstance(row, Certificate)
    return row


async def test_redeem_command_hand_over_and_double_press(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, certificate_id, code = await till(tg, session_factory, clock)
    preview = await kasia.send(f"/redeem {shown_code(code)}")
    text = preview.text
    assert "Gift certificate: €15" in text and "Anna" in text
    assert "Handed out by Car Wash" in text and "Minimum check: €30" in text
    assert "Valid until" in text and "start /sale with the customer's code" in text
    handed = await kasia.press(preview.button("Hand over"))
    assert handed.toasts == ["Redeemed."]
    assert "✅ Certificate redeemed: €15 for Anna." in handed.of(EditMessageText)[0].text
    assert handed.to(MEMBER) == ["🎟 Your gift certificate (€15) was used at Test Café. Enjoy!"]
    row = await certificate(db, certificate_id)
    assert (row.status, row.redeemed_by, row.purchase_id) == ("redeemed", CASHIER, None)
    entries = await db.all(select(CertificateEntry.reason).order_by(CertificateEntry.id))
    assert entries == ["issued", "redeemed"]
    again = await kasia.press(preview.button("Hand over"))
    assert again.toasts[0].startswith("This certificate was just redeemed, at ")
    assert "13:00" in again.toasts[0]  # noon UTC, in Warsaw
    assert again.to(MEMBER) == []
    assert await db.all(select(Outbox.kind).where(Outbox.chat_id == MEMBER)) == [
        "certificate_used"
    ]
    audit = await tg(OWNER).send("/audit")
    assert "Certificate redeemed" in audit.text
    clock.advance(days=1)
    later = await kasia.send(f"/redeem {code}")
    assert "already redeemed on" in later.text and "Anna" not in later.text


async def test_a_code_typed_at_the_till_and_cancel(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, certificate_id, code = await till(tg, session_factory, clock)
    await kasia.send("/sale")
    in_sale = await kasia.send(shown_code(code))  # where the customer's code was asked
    assert "Gift certificate" in in_sale.text and "Anna" in in_sale.text
    outside = await kasia.send(code)  # no form open
    assert "Gift certificate" in outside.text
    await kasia.send("/redeem")
    asked = await kasia.send(f"{code[:5]}-{code[5:]}")  # after /redeem asked for a code
    assert "Gift certificate" in asked.text
    kept = await kasia.press(asked.button("Cancel"))
    assert kept.toasts == ["Cancelled."]
    assert "Not redeemed. The certificate stays valid." in kept.of(EditMessageText)[0].text
    assert (await certificate(db, certificate_id)).status == CertificateStatus.OPEN
    await kasia.press(outside.button("Hand over"))
    assert (await certificate(db, certificate_id)).status == CertificateStatus.REDEEMED


async def test_the_certificates_qr_deep_link(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, certificate_id, code = await till(tg, session_factory, clock)
    scanned = await kasia.send(f"/start c{code}")
    assert "Gift certificate" in scanned.text and "Anna" in scanned.text
    own = await anna.send(f"/start c{code}")  # the holder opens their own QR
    assert own.texts == ["This QR code is for the staff at the till: show it to them."]
    stranger = await tg(333).send(f"/start c{code}")  # someone who never used the bot
    assert stranger.texts == ["This QR code is for the staff at the till: show it to them."]
    await kasia.press(scanned.button("Hand over"))
    assert (await certificate(db, certificate_id)).redeemed_by == CASHIER


async def test_a_named_item_and_the_refusals(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, item_id, item_code = await till(
        tg, session_factory, clock, value_minor=0, item="Coffee & cake", valid_days=1
    )
    preview = await kasia.send(f"/redeem {item_code}")
    assert "Gift certificate: Coffee &amp; cake" in preview.text
    assert "Hand the item over" in preview.text and "/sale" not in preview.text
    assert "Minimum check" in preview.text
    # The holder's card here paused by the staff.
    async with session_factory() as s, s.begin():
        await s.execute(update(Membership).values(blocked_at=clock()))
    blocked = await kasia.press(preview.button("Hand over"))
    assert "paused by the staff" in blocked.toasts[0] and blocked.of(EditMessageReplyMarkup)
    async with session_factory() as s, s.begin():
        await s.execute(update(Membership).values(blocked_at=None))
    # Expired meanwhile: the stale button says so and loses its keyboard.
    clock.advance(days=2)
    stale = await kasia.press(preview.button("Hand over"))
    assert "has expired" in stale.toasts[0] and "valid until 11 Mar 2026" in stale.toasts[0]
    assert "has expired" in (await kasia.send(item_code)).text
    assert (await certificate(db, item_id)).status == CertificateStatus.OPEN
    # A holder who has not joined Test Café.
    async with session_factory() as s:
        wash = await make_merchant(s, clock, slug="wash")
        await make_member(s, clock, wash, 202)
    _id, stranger_code = await certificate_for(session_factory, clock, holder=202)
    not_joined = await kasia.send(stranger_code)
    assert "ask them to open the certificate in /wallet and join first" in not_joined.text
    # The cashier's own certificate.
    await join(tg(CASHIER, first_name="Kasia"))
    _id, own_code = await certificate_for(session_factory, clock, holder=CASHIER)
    assert "Ask a colleague" in (await kasia.send(f"/redeem {own_code}")).text
    # Typed at the partner's till: whose it is, nothing of the holder.
    _id, code = await certificate_for(session_factory, clock)
    wes = tg(WASH_CASHIER, first_name="Wes")
    elsewhere = await wes.send(f"/redeem {code}")
    assert elsewhere.texts == [
        "This certificate is for Test Café, not here: the customer can use it there."
    ]
    assert await db.all(select(AuditLog.id).where(AuditLog.action == "wrong_code")) == []
    assert await db.all(select(Outbox.kind).where(Outbox.kind == "certificate_used")) == []


async def test_wrong_codes_pause_the_cashier(tg, db, session_factory, clock) -> None:
    owner, kasia, _anna, _certificate_id, code = await till(tg, session_factory, clock)
    wrong = "1" + code[1:] if code[0] != "1" else "2" + code[1:]
    for _ in range(4):
        said = await kasia.send(f"/redeem {wrong}")
        assert "No certificate has this code. Check the 10 digits" in said.text
    fifth = await kasia.send(f"/redeem {wrong}")
    assert "paused until" in fifth.text
    assert any("paused" in text for text in fifth.to(OWNER))  # the admins' alert
    paused = await kasia.send(f"/redeem {code}")
    assert "paused until" in paused.text and "Anna" not in paused.text
    scanned = await kasia.send(f"/start c{code}")
    assert "paused until" in scanned.text and "Anna" not in scanned.text
    details = await db.all(select(AuditLog.details).where(AuditLog.action == "wrong_code"))
    assert details == ["certificate"] * 5
    audit = await owner.send("/audit")
    assert "Wrong certificate code typed" in audit.text


async def test_the_flag_reaches_the_admins_once(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, first_id, first = await till(tg, session_factory, clock)
    codes = [first] + [(await certificate_for(session_factory, clock))[1] for _ in range(3)]
    alerts = []
    for code in codes:
        preview = await kasia.send(code)
        done = await kasia.press(preview.button("Hand over"))
        alerts.append([t for t in done.to(OWNER) if "🚩" in t])
    assert [len(a) for a in alerts] == [0, 0, 1, 0]
    assert "Anna has used 3 gift certificates today" in alerts[2][0]
    assert await db.all(select(Outbox.kind).where(Outbox.kind == "certificates_flag")) == [
        "certificates_flag"
    ]
    assert (await certificate(db, first_id)).status == CertificateStatus.REDEEMED


async def test_who_may_redeem(tg, db, session_factory, clock, caplog) -> None:
    owner = tg(OWNER)
    await staff_cast(owner, tg, db, session_factory, clock)  # Kasia 50, Ivan 60 revoked, Olga 70
    anna = tg(MEMBER)
    await join(anna)
    certificate_id, code = await certificate_for(session_factory, clock)
    preview = await tg(CASHIER).send(f"/redeem {code}")
    hand = preview.button("Hand over")
    holder = (await certificate(db, certificate_id)).customer_id
    assert holder is not None
    keep = CertificateCb(
        action=CertificateAction.KEEP, certificate=certificate_id, holder=holder
    ).pack()
    acts = [
        ("send", f"/redeem {code}", True),
        ("send", f"/start c{code}", True),
        ("press", hand, True),
        ("press", keep, True),
    ]

    async def state() -> object:
        row = await certificate(db, certificate_id)
        entries = await db.all(select(CertificateEntry.id))
        return (row.status, len(entries))

    secrets = ["Anna", "€15", "Car Wash"]
    staff_only = ["for the staff"]
    for user in (anna, tg(60, first_name="Ivan")):  # the holder, a revoked admin
        await assert_acts_refused(user, acts, staff_only, secrets, state, caplog, other=False)
    # Olga, an admin of Other Bistro (no partner): whose it is, nothing of the holder.
    olga = tg(70, first_name="Olga")
    answers = ["is for Test Café, not here", "not a certificate of this place"]
    await assert_acts_refused(olga, acts, answers, secrets[:2], state, caplog, other=True)
    # A cashier paused for wrong codes.
    await hire(owner, tg(51, first_name="Pia"))
    pia = tg(51, first_name="Pia")
    for attempt in range(5):
        await pia.send(f"/redeem 987654321{attempt}")
    await assert_acts_refused(pia, acts, ["paused until"], secrets, state, caplog, other=False)
    # The owner may.
    owners = await owner.send(f"/redeem {code}")
    await owner.press(owners.button("Hand over"))
    assert (await certificate(db, certificate_id)).redeemed_by == OWNER
