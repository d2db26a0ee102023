"""What an owner types into the promotion form (services/policy/promo_inputs.py), as tables:
what each parser takes, and the reason it gives for what it refuses."""

from __future__ import annotations

from datetime import date

import pytest

from services.policy.promo_inputs import (
    PromoInput,
    parse_dates,
    parse_hours,
    parse_multiplier,
    parse_name,
)

BAD_EVERYWHERE = ["", "abc", "²", "1e9", "-5", "12,50", "9" * 20, "x" * 1001, "١٢"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Happy hours", "Happy hours"),
        ("  Двойные   баллы ", "Двойные баллы"),
        ("x" * 60, "x" * 60),
        ("Boldog órák ⚡", "Boldog órák ⚡"),
    ],
)
def test_parse_name(text: str, name: str) -> None:
    assert parse_name(text) == name


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("x" * 61, "name_long"),
        ("x" * 1001, "name_long"),
    ],
)
def test_parse_name_refuses(text: str, reason: str) -> None:
    with pytest.raises(PromoInput) as refused:
        parse_name(text)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("text", "pct"),
    [
        ("2", 200),
        (" 3 ", 300),
        ("x2", 200),
        ("×1.5", 150),
        ("X 2", 200),
        ("*2", 200),
        ("1,5", 150),
        ("1.25", 125),
        ("1.05", 105),
        ("150%", 150),
        ("200 %", 200),
        ("100%", 100),
        ("1", 100),
        ("10", 1000),
        ("1000%", 1000),
        ("+200%", 300),  # 200 % more: an owner's +N% is N % more, never ×N/100
        ("+50%", 150),
        ("+ 0%", 100),
        ("2x", 200),
        ("1,5 X", 150),
        ("х2", 200),  # Cyrillic х
        ("2х", 200),
        ("Х3", 300),
    ],
)
def test_parse_multiplier(text: str, pct: int) -> None:
    assert parse_multiplier(text) == pct


@pytest.mark.parametrize(
    "text",
    [*BAD_EVERYWHERE, "0.5", "0", "11", "1001%", "99%", "1.255", "x2x", "%", "2²", "٢", "+901%"],
)
def test_parse_multiplier_refuses(text: str) -> None:
    with pytest.raises(PromoInput) as refused:
        parse_multiplier(text)
    assert refused.value.reason == "multiplier"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("12-15", (720, 900)),
        ("12:00–15:30", (720, 930)),
        ("12.00 — 15.30", (720, 930)),
        ("9-11", (540, 660)),
        ("09:15-09:45", (555, 585)),
        ("22-02", (1320, 120)),  # past midnight
        ("23:30-0:30", (1410, 30)),
        ("18-24", (1080, 1440)),
        ("18-0", (1080, 1440)),  # to midnight
        ("0-24", None),  # the whole day
        ("00:00-00:00", None),
    ],
)
def test_parse_hours(text: str, minutes: tuple[int, int] | None) -> None:
    assert parse_hours(text) == minutes


@pytest.mark.parametrize(
    "text",
    [*BAD_EVERYWHERE, "25-99", "12-12", "24-02", "12:60-13", "12-24:30", "12", "12-", "1²-3"],
)
def test_parse_hours_refuses(text: str) -> None:
    with pytest.raises(PromoInput) as refused:
        parse_hours(text)
    assert refused.value.reason == "hours"


TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("1.12–31.12", date(2026, 12, 1), date(2026, 12, 31)),
        ("1.12-31.12", date(2026, 12, 1), date(2026, 12, 31)),
        ("01/12 - 31/12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-12-01 – 2026-12-31", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-12-01-2026-12-31", date(2026, 12, 1), date(2026, 12, 31)),
        ("1.12.2026 – 6.1.2027", date(2026, 12, 1), date(2027, 1, 6)),
        ("24.12", date(2026, 12, 24), date(2026, 12, 24)),  # one day
        ("10.3", TODAY, TODAY),  # today is not past
        ("20.12–6.1", date(2026, 12, 20), date(2027, 1, 6)),  # over the new year
        ("1.3–5.3", date(2027, 3, 1), date(2027, 3, 5)),  # passed this year: next year's
        ("1.3–15.3", date(2026, 3, 1), date(2026, 3, 15)),  # running: this year's
        ("1.12.26–31.12.26", date(2026, 12, 1), date(2026, 12, 31)),
        ("1.12.–31.12.", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_parse_dates(text: str, first: date, last: date) -> None:
    assert parse_dates(text, TODAY) == (first, last)


@pytest.mark.parametrize(
    ("text", "month_first", "first", "last"),
    [
        # The year first is read so whatever the reader's order.
        ("2026. 12. 01. – 2026. 12. 31.", True, date(2026, 12, 1), date(2026, 12, 31)),
        ("2026. 12. 01. – 2026. 12. 31.", False, date(2026, 12, 1), date(2026, 12, 31)),
        ("2026.12.01–2026.12.31", False, date(2026, 12, 1), date(2026, 12, 31)),
        ("2026/12/24", False, date(2026, 12, 24), date(2026, 12, 24)),
        ("2026-12-01 – 2026-12-31", True, date(2026, 12, 1), date(2026, 12, 31)),
        # Without the year first: the reader's locale's order.
        ("12.1–12.31", True, date(2026, 12, 1), date(2026, 12, 31)),
        ("12. 01. – 12. 31.", True, date(2026, 12, 1), date(2026, 12, 31)),
        ("12/1/26 - 12/31/26", True, date(2026, 12, 1), date(2026, 12, 31)),
        ("12.1", False, date(2027, 1, 12), date(2027, 1, 12)),
        ("1.12–31.12", False, date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_parse_dates_in_the_readers_order(
    text: str, month_first: bool, first: date, last: date
) -> None:
    assert parse_dates(text, TODAY, month_first) == (first, last)


def test_day_first_dates_refused_month_first() -> None:
    with pytest.raises(PromoInput) as refused:
        parse_dates("1.12–31.12", TODAY, month_first=True)  # the 31st month
    assert refused.value.reason == "date"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        *[(bad, "dates") for bad in BAD_EVERYWHERE],
        ("31.02", "date"),
        ("30.02–3.03", "date"),
        ("2026-13-01", "date"),
        ("0.12", "date"),
        ("2026-12-31 – 2026-12-01", "order"),
        ("31.12.2026–1.12.2026", "order"),
        ("2026-01-01 – 2026-02-01", "past"),
        ("1.1.2026–9.3.2026", "past"),
        ("1.12 to 31.12", "dates"),
        ("1.12–31.12–5.1", "dates"),
    ],
)
def test_parse_dates_refuses(text: str, reason: str) -> None:
    with pytest.raises(PromoInput) as refused:
        parse_dates(text, TODAY)
    assert refused.value.reason == reason
