"""/wallet a page at a time through the production dispatcher (issue 16): 46 open
certificates with the longest names a business and an item can have, in every language, each
message within Telegram's 4096 characters and every certificate reachable by ◀️ ▶️; button
labels are plain text while the messages escape."""

from __future__ import annotations

import re
from html import unescape

from aiogram.methods import EditMessageText
from sqlalchemy import update

from db.models import Certificate, CertificateStatus, Merchant
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from tests.coalition_factories import make_certificate, make_offer
from tests.factories import make_merchant
from tests.telegram import Sent, inline_buttons, join
from tests.wallet_scene import MEMBER, certificate_of, member_with_certificate

OPEN, CLOSED = 46, 5
LONGEST_ITEM = ("Rogal & kawa " * 5)[:60]  # an offer's item: 60 characters at most
MAX_CHECK = 99_999_999_999_900  # twelve digits of whole forints, the most an amount can have


def shown_length(text: str) -> int:
    """What Telegram counts of a message: its text after HTML parsing, in UTF-16 units."""
    return len(unescape(re.sub(r"<[^>]+>", "", text)).encode("utf-16-le")) // 2


def shown_ids(sent: Sent) -> list[int]:
    """The certificates a wallet's message has buttons for (labels alike: not by label)."""
    ids = []
    for method in sent:
        markup = getattr(method, "reply_markup", None)
        for row in markup.inline_keyboard if markup else []:
            for button in row:
                if (button.callback_data or "").startswith("wl:s:"):
                    ids.append(WalletCb.unpack(button.callback_data).certificate_id)
    return ids


async def many_certificates(session_factory, clock) -> list[int]:
    """Anna's 46 open certificates for Café wash and 5 used ones, every name at its longest."""
    first = await certificate_of(session_factory, clock, value_minor=0, item=LONGEST_ITEM)
    async with session_factory() as s:
        main = await make_merchant(s, clock)
        wash = await make_merchant(s, clock, "wash", currency="HUF")
        offer_id = await make_offer(
            s, clock, wash, value_minor=0, item=LONGEST_ITEM, min_check_minor=MAX_CHECK
        )
        ids = [first.id]
        for _ in range(OPEN + CLOSED - 1):
            ids.append((await make_certificate(s, clock, offer_id, MEMBER, main)).id)
        async with s.begin():
            for slug, letter in (("wash", "W"), ("main", "M")):
                name = f"{letter}&" * 50  # 100 characters, the column's limit
                await s.execute(update(Merchant).where(Merchant.slug == slug).values(name=name))
            await s.execute(
                update(Certificate)
                .where(Certificate.id.in_(ids[OPEN:]))
                .values(status=CertificateStatus.REDEEMED, redeemed_at=clock())
            )
    return ids[:OPEN]


async def test_46_certificates_a_page_at_a_time_in_every_language(
    tg, db, session_factory, clock
) -> None:
    anna = tg(MEMBER)
    await join(anna)
    open_ids = await many_certificates(session_factory, clock)
    for language in ("en", "ru", "pl", "hu"):
        await anna.send("/language")
        await anna.press(f"lang:{language}")
        page = await anna.send("/wallet")
        seen, pages = shown_ids(page), [page.text]
        while (turn := page.button_or_none("▶️")) is not None:
            page = await anna.press(turn)
            [edited] = page.of(EditMessageText)  # the same message, turned
            seen += shown_ids(page)
            pages.append(edited.text)
        assert sorted(seen) == sorted(open_ids) and len(pages) == 7, language
        assert all(shown_length(text) <= 4096 for text in pages), language
        assert "46" in pages[0] and "7" in pages[0]
        assert all("M&amp;W" not in text for text in pages)  # escaped as a whole, never twice
        back = await anna.press(page.button("◀️"))
        assert shown_ids(back) == seen[35:42]
    assert [p.count("•") for p in pages[:-1]] == [7] * 6


async def test_the_last_page_has_the_earlier_ones_and_a_page_past_it_reads_as_the_last(
    tg, db, session_factory, clock
) -> None:
    anna, used = await member_with_certificate(tg, session_factory, clock)
    for _ in range(10):
        await certificate_of(session_factory, clock)
    async with session_factory() as s, s.begin():
        await s.execute(
            update(Certificate)
            .where(Certificate.id == used.id)
            .values(status=CertificateStatus.REDEEMED, redeemed_at=clock())
        )
    first = await anna.send("/wallet")
    assert "10 valid certificates:\nPage 1 of 2" in first.text and len(shown_ids(first)) == 7
    assert "Earlier ones" not in first.text and first.button_or_none("◀️") is None
    gone = WalletCb(action=WalletAction.PAGE, page=7).pack()  # certificates used since
    last = await anna.press(gone)
    assert "Page 2 of 2" in last.text and len(shown_ids(last)) == 3
    assert "Earlier ones:\n• Café wash — 10\xa0Ft: used" in last.text
    assert last.button("◀️") == WalletCb(action=WalletAction.PAGE, page=0).pack()
    assert last.button_or_none("▶️") is None
    shown = await anna.press(last.button("Café wash"))
    assert shown.button("Back") == WalletCb(action=WalletAction.LIST, page=1).pack()
    back = await anna.press(shown.button("Back"))
    assert "Page 2 of 2" in back.text and len(shown_ids(back)) == 3


async def test_an_items_name_is_plain_on_its_button_and_escaped_in_the_text(
    tg, db, session_factory, clock
) -> None:
    anna, issued = await member_with_certificate(
        tg, session_factory, clock, value_minor=0, item="Rogal & kawa"
    )
    wallet = await anna.send("/wallet")
    assert "Café wash</b> — Rogal &amp; kawa" in wallet.text
    assert (
        wallet.button("🎟 Café wash · Rogal & kawa")
        == WalletCb(action=WalletAction.SHOW, certificate_id=issued.id).pack()
    )
    assert "&amp;" not in "".join(inline_buttons(wallet[0]))
