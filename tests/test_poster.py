"""The counter poster (/poster) and the bot's profile texts (description, short description,
menu button) set at start-up."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    SendDocument,
    SendPhoto,
    SetChatMenuButton,
    SetMyDescription,
    SetMyShortDescription,
    TelegramMethod,
)
from aiogram.types import MenuButtonCommands
from sqlalchemy import select

from db.models import Membership
from handlers.commands import (
    DESCRIPTION_LIMIT,
    SHORT_DESCRIPTION_LIMIT,
    set_profile,
    staff_commands,
)
from handlers.ui.callbacks import PosterCb
from handlers.ui.poster import poster_figure, poster_text
from services.policy import LANGUAGES
from services.states import StaffRole
from tests.factories import make_merchant, make_staff
from tests.telegram import TEST_TOKEN, RecordingSession

OWNER, ADMIN, CASHIER = 1, 51, 50


@pytest.fixture
async def staffed(session, clock):
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, ADMIN, role="admin", name="Ola")
    await make_staff(session, clock, merchant, CASHIER, role="staff", name="Kuba")
    return merchant


async def test_owner_gets_a_poster_in_the_language_chosen(tg, db, staffed) -> None:
    owner = tg(OWNER)
    ask = await owner.send("/poster")
    assert ask.texts == ["Which language should the poster be in?"]
    assert PosterCb.unpack(ask.button("Magyar")) == PosterCb(lang="hu", tag="poster")
    uploads = len(owner.session.uploads)
    sent = await owner.press(ask.button("English"))
    assert len(sent.of(SendPhoto)) == 1
    (document,) = sent.of(SendDocument)
    assert "https://t.me/loyalty_test_bot?start=mmain-sposter" in document.caption
    assert "counted under the tag poster in /kpi referrals" in document.caption
    (png_name, png), (pdf_name, pdf) = owner.session.uploads[uploads:]
    assert (png_name, pdf_name) == ("main-poster-en.png", "main-poster-en.pdf")
    assert png.startswith(b"\x89PNG") and len(png) > 30_000
    assert png[16:24] == (1240).to_bytes(4, "big") + (1754).to_bytes(4, "big")  # A4, 150 dpi
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    box = re.search(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf)
    assert box and abs(float(box[1]) - 595) < 1 and abs(float(box[2]) - 842) < 1  # A4

    # An admin, with a tag of their own: the link counts joins under it.
    admin = tg(ADMIN)
    ask = await admin.send("/poster window")
    sent = await admin.press(ask.button("Polski"))
    assert "start=mmain-swindow" in sent.of(SendDocument)[0].caption
    assert admin.session.uploads[-1][0] == "main-window-pl.pdf"

    guest = tg(700, first_name="Gosia")
    joined = await guest.send("/start mmain-swindow")
    await guest.press(joined.button("✅"))
    member = await db.scalar(select(Membership))
    assert member.source == "window"


async def test_cashiers_and_customers_get_no_poster(tg, staffed) -> None:
    for outsider in (tg(CASHIER), tg(700)):
        refused = await outsider.send("/poster")
        assert refused.texts == ["Posters are for the owners and admins of this place."]
        pressed = await outsider.press(PosterCb(lang="en", tag="poster").pack())
        assert not pressed.of(SendPhoto) and not pressed.of(SendDocument)
        assert "Posters are for the owners" in pressed.toasts[0]


@pytest.mark.parametrize("tag", ["okno-1", "półka", "a" * 33, "two words", "x.y"])
async def test_a_bad_tag_is_refused(tg, staffed, tag: str) -> None:
    sent = await tg(OWNER).send(f"/poster {tag}")
    assert sent.texts[0].startswith("A poster's tag is one word of up to 32 Latin letters")
    assert not sent.button_or_none("English")


async def test_a_forged_button_draws_nothing(tg, staffed) -> None:
    owner = tg(OWNER)
    for data in (PosterCb(lang="xx", tag="poster"), PosterCb(lang="en", tag="bad-tag")):
        sent = await owner.press(data.pack())
        assert not sent.of(SendPhoto) and "A poster's tag" in sent.toasts[0]


def test_poster_says_what_members_get_in_each_language(i18n) -> None:
    from handlers.ui.chart_kit import outside

    benefit = {
        "en": "Earn 3% back on every purchase",
        "ru": "3%",
        "pl": "3%",
        "hu": "3%",
    }
    name = "Kávézó és Cukrászda a Régi Piactér Sarkán, Belváros"
    for code in LANGUAGES:
        with i18n.context(), i18n.use_locale(code):
            text = poster_text(name, "https://t.me/loyalty_test_bot?start=mmain-sposter", 300)
            assert benefit[code] in text.benefit
            assert text.link == "t.me/loyalty_test_bot?start=mmain-sposter"
            figure = poster_figure(text)
            assert not outside(figure), code
    with i18n.context(), i18n.use_locale("en"):
        assert poster_text("X", "https://t.me/b", 0).benefit == "Collect points on every purchase"
        assert "poster" in [c.command for c in staff_commands(StaffRole.ADMIN)]
        assert "poster" not in [c.command for c in staff_commands(StaffRole.STAFF)]


async def test_profile_texts_per_language_within_telegram_limits(i18n) -> None:
    session = RecordingSession()
    bot = Bot(TEST_TOKEN, session=session)
    await set_profile(bot, i18n, "Test Café")
    descriptions = {m.language_code: m.description for m in _of(session, SetMyDescription)}
    shorts = {m.language_code: m.short_description for m in _of(session, SetMyShortDescription)}
    assert set(descriptions) == set(shorts) == {*LANGUAGES, None}
    assert descriptions["en"].startswith("The loyalty card of Test Café, right here in Telegram")
    assert "Press Start to join" in descriptions["en"]
    assert descriptions[None] == descriptions["en"]  # the default language for the rest
    assert "Test Café" in descriptions["ru"] and "Test Café" in shorts["hu"]
    assert len({descriptions[c] for c in LANGUAGES}) == 4  # each in its own language
    assert all(0 < len(d) <= DESCRIPTION_LIMIT for d in descriptions.values())
    assert all(0 < len(s) <= SHORT_DESCRIPTION_LIMIT for s in shorts.values())
    (menu,) = _of(session, SetChatMenuButton)
    assert isinstance(menu.menu_button, MenuButtonCommands)

    # A very long name still fits; the texts are cut, not refused.
    session.requests.clear()
    await set_profile(bot, i18n, "Café " * 40)
    assert all(len(m.description) <= DESCRIPTION_LIMIT for m in _of(session, SetMyDescription))
    assert all(
        len(m.short_description) <= SHORT_DESCRIPTION_LIMIT
        for m in _of(session, SetMyShortDescription)
    )


class RefusingSession(RecordingSession):
    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: Any = None,  # noqa: ASYNC109 - the signature is aiogram's
    ) -> Any:
        raise TelegramBadRequest(method=method, message="Bad Request: too many requests")


async def test_profile_refused_is_a_warning_not_a_crash(i18n, caplog) -> None:
    bot = Bot(TEST_TOKEN, session=RefusingSession())
    with caplog.at_level(logging.WARNING):
        await set_profile(bot, i18n, "Test Café")
    assert "bot description (ru) not set: TelegramBadRequest" in caplog.text
    assert "menu button not set" in caplog.text


def _of(session: RecordingSession, kind: type[Any]) -> list[Any]:
    return [m for m in session.requests if isinstance(m, kind)]
