"""Points worth something in every currency: the point value, table by table, and a
Hungarian café through the production dispatcher (1 pont = 1 Ft, whole forints only)."""

from __future__ import annotations

import pytest
from aiogram.methods import EditMessageText, SendMessage
from sqlalchemy import select

from bot.config import Settings
from db.models import CatalogItem, LedgerEntry, Membership, Merchant, Purchase
from services import policy
from services.dto import LevelInfo
from services.errors import InvalidAmount
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER

SILVER = LevelInfo(1, "Silver", 10_000, 2, 500, 3000)  # 5 % back, up to 30 % with points


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings for a café in Budapest: forints, Hungarian."""
    settings.merchant_name = "Teszt Kávézó"
    settings.merchant_currency = "HUF"
    settings.merchant_timezone = "Europe/Budapest"
    settings.default_language = "hu"
    return settings


# --- policy: the same check in euros (1 point = 1 cent) and forints (1 point = 1 Ft) ------


@pytest.mark.parametrize(
    ("currency", "value", "unit"),
    [
        ("EUR", 1, 100),
        ("USD", 1, 100),
        ("PLN", 1, 100),
        ("HUF", 100, 100),
        ("RUB", 100, 100),
        ("CZK", 100, 100),
        ("KZT", 100, 100),
        ("JPY", 1, 1),  # 1 ¥ is its smallest unit already
        ("ISK", 1, 1),
        ("XXX", 1, 100),  # not listed: the minor unit
    ],
)
def test_default_point_values(currency: str, value: int, unit: int) -> None:
    assert policy.point_value(currency) == value
    assert 10 ** policy.currency_exponent(currency) == unit


@pytest.mark.parametrize(
    ("value", "amount", "balance", "most", "points", "to_pay", "cashback", "shares"),
    [
        # 19.90 €: 30 % is 597 cents, 300 of them paid with points, 5 % back on 16.90 €.
        (1, 1_990, 1_000, 597, 300, 1_690, 84, [33, 16, 8]),
        # 1990 Ft: 30 % is 597 Ft, 300 Ft paid with points, 5 % back on 1690 Ft.
        (100, 199_000, 1_000, 597, 300, 169_000, 84, [33, 16, 8]),
        # The balance caps what points may pay; fractions of a point are never paid.
        (100, 199_000, 250, 250, 250, 174_000, 87, [34, 17, 8]),
        (100, 199_099, 1_000, 597, 0, 199_099, 99, [39, 19, 9]),
    ],
)
def test_the_check_in_points(
    value: int,
    amount: int,
    balance: int,
    most: int,
    points: int,
    to_pay: int,
    cashback: int,
    shares: list[int],
) -> None:
    assert policy.max_redeemable(amount, SILVER, balance, value) == most
    assert policy.points_worth(points, value) + policy.to_pay(amount, points, value) == amount
    paid = policy.to_pay(amount, points, value)
    assert paid == to_pay
    assert policy.cashback(paid, SILVER, value) == cashback
    assert policy.referral_shares(paid, [200, 100, 50], value) == shares


@pytest.mark.parametrize(
    ("bonus_minor", "value", "points"),
    [(500, 1, 500), (200_000, 100, 2_000), (150, 100, 1), (99, 100, 0), (0, 100, 0)],
)
def test_a_bonus_is_money_given_in_points(bonus_minor: int, value: int, points: int) -> None:
    assert policy.bonus_points(bonus_minor, value) == points


@pytest.mark.parametrize(
    ("value", "amount", "spent", "earned", "done", "refund", "balance", "split"),
    [
        # In full, everything back: the points spent, the cashback, the money paid.
        (1, 1_990, 300, 84, 0, 1_990, 1_000, (300, 84, 1_690, 0)),
        (100, 199_000, 300, 84, 0, 199_000, 1_000, (300, 84, 169_000, 0)),
        # Half, then the other half: points and cashback in halves, the money part in halves.
        (100, 199_000, 300, 84, 0, 99_500, 1_000, (150, 42, 84_500, 0)),
        (100, 199_000, 300, 84, 99_500, 99_500, 1_000, (150, 42, 84_500, 0)),
        # 49 points of cashback already spent: kept out of the money, 49 cents or 49 Ft.
        (1, 1_990, 0, 99, 0, 1_990, 50, (0, 99, 1_941, 49)),
        (100, 199_000, 0, 99, 0, 199_000, 50, (0, 99, 194_100, 49)),
        # Points returned cover the cashback; or 90 points short: 90 Ft of the 100 Ft kept.
        (100, 10_000, 30, 5, 0, 10_000, 0, (30, 5, 7_000, 0)),
        (100, 10_000, 0, 90, 0, 10_000, 0, (0, 90, 1_000, 90)),
    ],
)
def test_refund_split_with_a_point_value(
    value: int,
    amount: int,
    spent: int,
    earned: int,
    done: int,
    refund: int,
    balance: int,
    split: tuple[int, int, int, int],
) -> None:
    result = policy.refund_split(
        amount_minor=amount,
        points_spent=spent,
        cashback_earned=earned,
        already_refunded_minor=done,
        refund_minor=refund,
        balance=balance,
        point_value=value,
    )
    assert result == policy.RefundSplit(*split)
    returned = result.points_returned
    assert policy.refund_paid(refund, returned, value) == refund - returned * value


@pytest.mark.parametrize(("text", "minor"), [("1990", 199_000), ("1990,00", 199_000)])
def test_whole_forints_are_accepted(text: str, minor: int) -> None:
    assert policy.parse_amount(text, 2, whole_units=policy.whole_units_only("HUF")) == minor


@pytest.mark.parametrize("text", ["1990,50", "1990.5", "0,99"])
def test_forints_with_decimals_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount) as error:
        policy.parse_amount(text, 2, whole_units=policy.whole_units_only("HUF"))
    assert error.value.reason == "whole"
    assert error.value.whole == int(text.replace(",", ".").split(".")[0])


def test_euros_and_crowns_keep_their_cents() -> None:
    assert not policy.whole_units_only("EUR") and not policy.whole_units_only("CZK")
    assert policy.parse_amount("19,90", 2, whole_units=policy.whole_units_only("CZK")) == 1_990


# --- a Hungarian café through the dispatcher ----------------------------------------------


def plain(text: str) -> str:
    """Babel's thin and no-break spaces as plain ones (1 990 Ft)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_a_forint_sale_end_to_end(tg, db) -> None:
    owner = tg(OWNER, language_code="hu")
    kasia = tg(50, first_name="Kasia", language_code="hu")
    anna = tg(101, first_name="Anna", language_code="hu")
    await hire(owner, kasia)
    merchant = await db.scalar(select(Merchant))
    assert (merchant.currency, merchant.point_value_minor) == ("HUF", 100)
    rules_text = await anna.send("/start")
    assert "1 pont = 1 Ft" in plain(rules_text.text)
    await anna.press(rules_text.button("✅"))
    assert "1 pont = 1 Ft" in plain((await anna.send("/card")).text)
    await db.credit(101, 500)  # 500 points, worth 500 Ft
    await anna.send("/code")
    code = await db.pay_code(101)
    preview = await kasia.send(f"/sale {code} 1990 spend 100")
    text = plain(preview.text)
    assert "1 990 Ft" in text and "100 pont" in text and "<b>1 890 Ft</b>" in text
    assert "56 pont" in text  # 3 % of 1890 Ft, in whole forints
    assert "100 pont (= 100 Ft)" in text  # the cashier sees what the points are worth
    assert await db.count(Purchase) == 1 and await db.count(LedgerEntry) == 1
    done = await kasia.press(preview.button("✅"))
    assert "#1" in done.of(EditMessageText)[0].text
    receipt = plain(next(m for m in done.of(SendMessage) if m.chat_id == 101).text)
    assert "100 pont (= 100 Ft)" in receipt  # paid with points
    assert "+56 pont (= 56 Ft)" in receipt  # earned
    assert "<b>456 pont</b> (= 456 Ft)" in receipt  # the balance
    card = plain((await anna.send("/card")).text)
    assert "<b>456 pont</b> (= 456 Ft)" in card and "1 pont = 1 Ft" in card
    purchase = await db.scalar(select(Purchase))
    assert (purchase.amount_minor, purchase.points_spent, purchase.cashback_minor) == (
        199_000,
        100,
        56,
    )
    member = await db.scalar(select(Membership))
    # The balance counts points; lifetime spend counts the money paid: 1890 Ft.
    assert (member.balance_minor, member.lifetime_spend_minor) == (456, 189_000)
    deltas = sorted(e.delta_minor for e in await db.all(select(LedgerEntry)))
    assert deltas == [-100, 56, 500]

    # A refund of half of it in whole forints: half the points come back, half the cashback
    # goes, the money part of the half (995 Ft less 50 Ft of points) is handed back.
    asked = await kasia.send("/refund 1 995")  # the preview first, then the refund
    previewed = plain(asked.text)
    assert "945 Ft" in previewed and "50 pont" in previewed and "28 pont" in previewed
    refunded = plain((await kasia.press(asked.button("✅"))).text)
    assert "<b>945 Ft</b>" in refunded and "50 pont" in refunded and "28 pont" in refunded
    member = await db.scalar(select(Membership))
    assert (member.balance_minor, member.lifetime_spend_minor) == (456 + 50 - 28, 94_500)


async def test_forint_amounts_with_decimals_are_refused_clearly(tg, db) -> None:
    owner = tg(OWNER, language_code="en")
    kasia = tg(50, first_name="Kasia")
    await hire(owner, kasia)
    await join(tg(101, first_name="Anna"))
    await tg(101).send("/code")
    code = await db.pay_code(101)
    refused = await kasia.send(f"/sale {code} 1990,50")
    assert "Amounts in Ft are whole numbers, without decimals" in refused.text  # no ISO code
    await kasia.send("/sale")
    await kasia.send(code)
    assert "whole numbers" in (await kasia.send("1990.5")).text
    assert await db.count(Purchase) == 0
    hungarian = tg(51, first_name="Kati", language_code="hu")
    await hire(owner, hungarian)
    magyar = await hungarian.send(f"/sale {code} 2500,50")
    assert "egész" in magyar.text and "Ft" in magyar.text, magyar.text
    # A refund in forints and fillér, and a catalog price, are refused the same way.
    done = await kasia.press((await kasia.send(f"/sale {code} 1990")).button("Confirm"))
    assert "#1" in done.of(EditMessageText)[0].text
    assert "whole numbers" in (await kasia.send("/refund 1 10,50")).text
    assert (await db.scalar(select(Purchase))).refunded_minor == 0
    assert "Use: /additem" in (await owner.send("/additem Kávé | Latte | 990,50")).text
    assert await db.count(CatalogItem) == 0
    assert "990" in (await owner.send("/additem Kávé | Latte | 990")).text
    assert (await db.scalar(select(CatalogItem))).price_minor == 99_000


def test_forint_settings_are_whole_amounts(settings: Settings) -> None:
    from bot.bootstrap import program_settings
    from bot.config import SettingsError

    assert program_settings(
        settings.model_copy(update={"sale_limit": "50000"})
    ).max_sale_minor == (5_000_000)
    with pytest.raises(SettingsError, match="SALE_LIMIT must be a whole amount in HUF"):
        program_settings(settings.model_copy(update={"sale_limit": "50000,50"}))


async def test_new_merchants_get_their_currencys_point_value(session, clock) -> None:
    from tests.factories import make_merchant

    euro = await make_merchant(session, clock, slug="wien", currency="EUR")
    forint = await make_merchant(session, clock, slug="buda", currency="HUF")
    assert (euro.point_value_minor, forint.point_value_minor) == (1, 100)
