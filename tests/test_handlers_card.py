"""The card, the payment code and the invitation, as a member sees them."""

from __future__ import annotations

import io

from aiogram.methods import SendPhoto
from PIL import Image
from sqlalchemy import select

from db.models import Membership, PaymentCode
from tests.telegram import join


async def test_card_shows_balance_level_rates_and_next_level(db, clock, anna) -> None:
    await db.credit(101, 1250)
    sent = await anna.send("/card")
    text = sent.text
    assert "Test Café" in text
    assert "Level: <b>🥉 Bronze</b>" in text
    assert "Cashback 3% · pay up to 20% of a check with points" in text
    assert "Balance: <b>1,250 points</b> (= €12.50)" in text
    assert "Next level: <b>🥈 Silver</b>" in text
    assert "Spend €100 more, or bring 2 more friends who make a purchase." in text
    assert set(sent.button(label) for label in ("Pay code", "Invite", "History", "Profile"))


async def test_menu_button_opens_the_card(anna) -> None:
    assert "Balance:" in (await anna.send("💳 Card")).text


async def test_code_is_six_digits_with_a_qr_and_replaces_the_old_one(db, clock, anna) -> None:
    first = await anna.send("/code")
    photo = first.of(SendPhoto)[0]
    stored = await db.scalar(select(PaymentCode))
    assert stored is not None and len(stored.code) == 6 and stored.code.isdigit()
    assert f"<b>{stored.code[:3]} {stored.code[3:]}</b>" in photo.caption
    # 12:00 UTC is 13:00 in Warsaw, the merchant's time zone.
    assert "until 13:10 (10 minutes)" in photo.caption
    assert stored.expires_at == clock.now.replace(minute=10)
    image = Image.open(io.BytesIO(photo.photo.data))
    assert image.format == "PNG" and image.size[0] >= 200
    again = await anna.press(first.button("New code"))
    rows = await db.all(select(PaymentCode))
    assert len(rows) == 1 and again.of(SendPhoto)
    assert rows[0].code in again.of(SendPhoto)[0].caption.replace(" ", "").replace("<b>", "")


async def test_code_qr_opens_the_bot_for_staff_with_the_code(tg, db, monkeypatch) -> None:
    import handlers.card
    from handlers.ui.qr import qr_png

    encoded: list[str] = []

    def spy(data: str) -> bytes:
        encoded.append(data)
        return qr_png(data)

    monkeypatch.setattr(handlers.card, "qr_png", spy)
    anna = tg(101)
    await join(anna)
    await anna.send("/code")
    stored = await db.scalar(select(PaymentCode))
    assert stored is not None
    assert encoded == [f"https://t.me/loyalty_test_bot?start=p{stored.code}"]


async def test_invite_sends_a_link_a_qr_and_a_share_button(db, anna) -> None:
    sent = await anna.send("/invite")
    member = await db.scalar(select(Membership))
    assert member is not None
    link = f"https://t.me/loyalty_test_bot?start=r{member.referral_code}"
    photo = sent.of(SendPhoto)[0]
    assert link in photo.caption
    share = sent.button("Share")
    assert share.startswith("https://t.me/share/url?url=") and member.referral_code in share
