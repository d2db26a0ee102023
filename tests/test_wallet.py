"""/wallet through the production dispatcher (issue 16): empty, several businesses in their
currencies and the reader's language, one certificate with its QR, one for a business not
joined yet (joined from it, then its code), and another customer's certificate asked for with
a forged button."""

from __future__ import annotations

from aiogram.methods import SendMessage, SendPhoto
from sqlalchemy import select

from db.models import BusinessCard, Certificate, Membership, Merchant
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.policy.certificates import shown_code
from tests.telegram import hire, join
from tests.wallet_scene import (
    FRIEND,
    MEMBER,
    certificate_of,
    held,
    member_with_certificate,
)


def cb(action: WalletAction, certificate_id: int = 0) -> str:
    return WalletCb(action=action, certificate_id=certificate_id).pack()


async def test_an_empty_wallet_says_how_certificates_come(tg, db) -> None:
    anna = tg(MEMBER)
    card = await join(anna)
    opened = await anna.press(card.button("Wallet"))
    assert "No certificates to use right now" in opened.text
    assert "partners of the places you are a member of" in opened.text
    assert await anna.send("/wallet") and await db.count(Certificate) == 0


async def test_several_businesses_in_their_currencies(tg, db, session_factory, clock) -> None:
    anna, wash = await member_with_certificate(tg, session_factory, clock, value_minor=150000)
    clock.advance(days=1)
    bakery = await certificate_of(
        session_factory,
        clock,
        slug="bakery",
        currency="PLN",
        value_minor=0,
        item="Croissant",
        min_check_minor=2000,
        valid_days=10,
    )
    wallet = await anna.send("/wallet")
    assert "2 valid certificates" in wallet.text
    # The bakery's lapses first, so it comes first.
    assert wallet.text.index("Café bakery") < wallet.text.index("Café wash")
    assert "Croissant" in wallet.text and "for a check of 20\xa0zł or more" in wallet.text
    assert "Café wash</b> — 1,500\xa0Ft" in wallet.text
    assert "from Test Café" in wallet.text and "join Café wash to use it" in wallet.text
    assert wallet.button("Café wash") == cb(WalletAction.SHOW, wash.id)
    assert wallet.button("Café bakery") == cb(WalletAction.SHOW, bakery.id)
    await anna.send("/language")
    russian = await anna.press("lang:ru")
    assert russian
    ru = await anna.send("/wallet")
    assert "2 действующих сертификата" in ru.text and "при чеке от 20\xa0zł" in ru.text
    assert "1\xa0500\xa0Ft" in ru.text and "9 апр. 2026" in ru.text
    assert "certificate" not in ru.text and "valid" not in ru.text


async def test_a_certificate_for_a_place_not_joined_then_joined(
    tg, db, session_factory, clock
) -> None:
    anna, wash = await member_with_certificate(tg, session_factory, clock, value_minor=150000)
    async with session_factory() as s, s.begin():
        s.add(
            BusinessCard(
                merchant_id=await s.scalar(select(Merchant.id).where(Merchant.slug == "wash")),
                address="Fő utca 1, Budapest",
                updated_at=clock(),
                updated_by=1,
            )
        )
    view = await anna.press(cb(WalletAction.SHOW, wash.id))
    assert "Where: Café wash\n📍 Fő utca 1, Budapest" in view.text
    assert "To use it, join Café wash first" in view.text
    assert shown_code(wash.code) not in view.text and not view.of(SendPhoto)
    rules = await anna.press(view.button("Join Café wash"))
    assert "Accept" in str(rules.button("Accept")) or rules.button("Accept")
    joined = await anna.press(rules.button("Accept"))
    [photo] = joined.of(SendPhoto)
    assert shown_code(wash.code) in photo.caption and "Café wash" in photo.caption
    assert anna.session.uploads[-1][0] == "certificate.png"
    assert anna.session.uploads[-1][1].startswith(b"\x89PNG")
    wash_id = await db.scalar(select(Merchant.id).where(Merchant.slug == "wash"))
    source = await db.scalar(select(Membership.source).where(Membership.merchant_id == wash_id))
    assert source == "cert"
    again = await anna.press(cb(WalletAction.SHOW, wash.id))
    assert shown_code(wash.code) in again.of(SendPhoto)[0].caption
    assert (await held(db, wash.id)).customer_id is not None


async def test_a_forged_button_shows_nothing_of_another_customers_certificate(
    tg, db, session_factory, clock
) -> None:
    _anna, wash = await member_with_certificate(tg, session_factory, clock)
    ben = tg(FRIEND, first_name="Ben")
    await join(ben)
    for action in (WalletAction.SHOW, WalletAction.GIFT, WalletAction.JOIN):
        forged = await ben.press(cb(action, wash.id))
        assert forged.toasts == [
            "There is no such certificate of yours. Your certificates are in /wallet."
        ]
        assert not forged.of(SendMessage) and not forged.of(SendPhoto)
    row = await held(db, wash.id)
    assert row.gift_token is None and row.customer_id == row.first_customer_id  # still Anna's
    assert await db.scalar(select(Membership.id).where(Membership.source == "cert")) is None


async def test_staff_see_their_own_wallet(tg, db, session_factory, clock) -> None:
    owner, kasia = tg(1), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    _anna, _wash = await member_with_certificate(tg, session_factory, clock)
    assert "No certificates to use right now" in (await kasia.send("/wallet")).text
    assert "No certificates to use right now" in (await owner.send("/wallet")).text
    await join(kasia)
    mine = await certificate_of(session_factory, clock, 50, slug="wash")
    wallet = await kasia.send("/wallet")
    assert "1 valid certificate" in wallet.text
    assert wallet.button("Café wash") == cb(WalletAction.SHOW, mine.id)


async def test_used_and_expired_ones_come_after(tg, db, session_factory, clock) -> None:
    anna, wash = await member_with_certificate(tg, session_factory, clock, valid_days=5)
    clock.advance(days=10)
    later = await certificate_of(session_factory, clock, value_minor=50000)
    wallet = await anna.send("/wallet")
    assert "1 valid certificate" in wallet.text and "Earlier ones:" in wallet.text
    assert wallet.text.index("Earlier ones:") < wallet.text.rindex("expired")
    assert wallet.button_or_none("Café wash") == cb(WalletAction.SHOW, later.id)
    lapsed = await anna.press(cb(WalletAction.SHOW, wash.id))
    assert "Status: expired" in lapsed.text and not lapsed.of(SendPhoto)
    assert lapsed.button_or_none("Give") is None


async def test_malformed_buttons_are_stale(tg, db, session_factory, clock) -> None:
    anna, wash = await member_with_certificate(tg, session_factory, clock)
    forged = ("wl:s:99999999999999999999:0", "wl:x:1:0", "wl:s:abc:0", "wl:s:-5:0", "wl:s:²:0")
    pages = ("wl:p:0:10000", "wl:l:0:-1", "wl:p:0:²", f"wl:s:{wash.id}", "wl:p:0:1:1")
    for data in forged + pages:
        sent = await anna.press(data)
        assert sent.toasts == ["This button is no longer active."], data
    row = await held(db, wash.id)
    assert row.gift_token is None and row.status == "open"


async def test_leaving_says_what_becomes_of_certificates(tg, db, session_factory, clock) -> None:
    """The erasure prompt names the certificates only to someone who holds one."""
    bare = tg(FRIEND)
    await join(bare)
    profile = await bare.send("/profile")
    ask = await bare.press(profile.button("Leave the program"))
    assert "gift certificates" not in ask.text
    assert ask.text.endswith("You can join again later, as a new member.")
    anna, _wash = await member_with_certificate(tg, session_factory, clock)
    profile = await anna.send("/profile")
    ask = await anna.press(profile.button("Leave the program"))
    assert "• Your gift certificates for Test Café are cancelled" in ask.text
    assert ask.text.index("gift certificates") < ask.text.index("You can join again")
    assert await db.count(Certificate) == 1  # asking changed nothing
