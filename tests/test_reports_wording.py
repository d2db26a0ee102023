"""What an owner reads on /stats: changes marked good or bad for the business, no "↓ 0%",
one lifetime value, percentage points in each language, and chart buttons that follow the
period shown."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.methods import EditMessageText, SendPhoto

from handlers.i18n import create_i18n
from handlers.ui.callbacks import KpiCb
from handlers.ui.report_render import trend, trend_rate
from services.reports.figures import Ratio
from tests.kpi_data import Book
from tests.test_reports_handlers import CASHIER, OWNER, book  # noqa: F401 - the fixture

I18N = create_i18n("en")


async def test_changes_read_as_good_or_bad_for_the_business(tg, book: Book) -> None:  # noqa: F811
    text = (await tg(OWNER).send("/stats")).text
    lines = text.splitlines()
    assert "Members: 8 ↑ 60% 🟢" in lines
    assert "First purchase within 30 days: 50% ↓ 50 pp 🔴" in lines
    # Fewer customers lost is good news, although the arrow points down.
    assert "Churn (no purchase for 90 days): 17% ↓ 8 pp 🟢" in lines
    assert "Repeat purchase rate: 50% → 0 pp" in lines  # unchanged: no arrow down, no dot
    assert "Points outstanding: €12.99 ↑ 271%" in lines  # neither good nor bad
    assert "↓ 0" not in text
    assert [line for line in lines if "lifetime value" in line] == [
        "Customer lifetime value: €27.08 (average spend per customer so far)"
    ]
    assert "↳ in the last 12 months: €27.08 per customer who bought" in lines


async def test_chart_buttons_follow_the_period_shown(tg, book: Book) -> None:  # noqa: F811
    owner = tg(OWNER)
    first = await owner.send("/stats")
    assert KpiCb.unpack(first.button("Revenue")) == KpiCb(name="revenue", days=30)
    week = (await owner.press(first.button("7 days"))).of(EditMessageText)[0]
    buttons = {b.text: b.callback_data for row in week.reply_markup.inline_keyboard for b in row}
    revenue = buttons["📈 Revenue"]
    assert KpiCb.unpack(revenue) == KpiCb(name="revenue", days=7)
    (photo,) = (await owner.press(revenue)).of(SendPhoto)
    assert "16–22 Nov 2026" in photo.caption
    (photo,) = (await owner.press(buttons["🤝 Referrals"])).of(SendPhoto)
    assert "16–22 Nov 2026" in photo.caption

    typed = await owner.send("/stats 1.10.2026 31.10.2026")
    pressed = KpiCb.unpack(typed.button("Ratings"))
    assert (pressed.days, date.fromordinal(pressed.until)) == (31, date(2026, 10, 31))
    for name in ("Revenue", "Ratings", "Points"):
        (photo,) = (await owner.press(typed.button(name))).of(SendPhoto)
        assert "1–31 Oct 2026" in photo.caption, name

    # A made-up button draws nothing, and a cashier's press reads nothing.
    forged = "kpi:revenue:1000000:0"  # out of range: it does not unpack
    assert not (await owner.press(forged)).of(SendPhoto)
    refused = await tg(CASHIER).press(typed.button("Revenue"))
    assert not refused.of(SendPhoto) and "Reports are for" in refused.text


@pytest.mark.parametrize(
    ("current", "previous", "up_is_good", "expected"),
    [
        (1_000, 1_003, True, " → 0%"),  # -0.3 % is shown as no change, not "↓ 0%"
        (1_006, 1_000, True, " ↑ 1% 🟢"),
        (90, 100, True, " ↓ 10% 🔴"),
        (90, 100, False, " ↓ 10% 🟢"),
        (110, 100, False, " ↑ 10% 🔴"),
        (110, 100, None, " ↑ 10%"),
        (5, 0, True, " ↑ new 🟢"),
        (0, 0, True, ""),
    ],
)
def test_trend(current: int, previous: int, up_is_good: bool | None, expected: str) -> None:
    with I18N.context(), I18N.use_locale("en"):
        assert trend(current, previous, up_is_good) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", " ↑ 5 pp 🔴"),
        ("ru", " ↑ 5 п.\u00a0п. 🔴"),
        ("pl", " ↑ 5 pkt proc. 🔴"),
        ("hu", " ↑ 5 százalékpont 🔴"),
    ],
)
def test_rates_move_in_percentage_points(language: str, expected: str) -> None:
    with I18N.context(), I18N.use_locale(language):
        assert trend_rate(Ratio(15, 100), Ratio(10, 100), up_is_good=False) == expected
        assert trend_rate(Ratio(1, 3), Ratio(333, 1000)).startswith(" → 0 ")
