"""What the certificate-offer form refuses, through the dispatcher in English and Russian: each
bad value is said in clear words and the step waits for a good one (nothing is saved until the
end); an old or forged button of the form is answered, not acted on. And the pure parsers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import CertificateOffer
from handlers.ui.offer_form_render import DraftAction
from services.coalition.offer_inputs import (
    OfferInput,
    parse_cap,
    parse_item,
    parse_min_check,
    parse_money,
    parse_valid_days,
)
from tests.offer_scene import OWNER, SALON, make_offer, ofd, partners

WORDS = {
    "en": {
        "format": "Send the amount as a number, for example 12.50.",
        "large": "That is over the limit for one sale (€1,000). Send a smaller amount.",
        "decimals": "Too many decimal places.",
        "zero": "The amount must be more than zero.",
        "min_check": "The minimum check must be more than the certificate's value",
        "days": "Send the number of days as digits, from 1 to 365.",
        "cap": "Send a whole number from 1 to 1,000,000, or press No limit.",
        "no_route": "Choose how at least one partner hands it out.",
        "pln": "Send the amount as a number, for example 12.50.",
        "threshold": "at least 20.50\xa0zł at Salon B",
    },
    "ru": {
        "format": "Отправьте сумму числом, например 12,50.",
        "large": "Это больше лимита на одну продажу (1\xa0000\xa0€). Отправьте сумму поменьше.",
        "decimals": "Слишком много знаков после запятой.",
        "zero": "Сумма должна быть больше нуля.",
        "min_check": "Минимальный чек должен быть больше номинала сертификата",
        "days": "Отправьте число дней цифрами, от 1 до 365.",
        "cap": "Отправьте целое число от 1 до 1\xa0000\xa0000",
        "no_route": "Выберите, как его выдаёт хотя бы один партнёр.",
        "pln": "Отправьте сумму числом, например 12,50.",
        "threshold": "от 20,50\xa0zł в Salon B",
    },
}
BAD_VALUES = [
    ("-5", "format"),
    ("1e9", "format"),
    ("abc", "format"),
    ("²", "format"),
    ("12345678901234567890", "large"),
    ("12,505", "decimals"),
    ("0", "zero"),
]


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_every_bad_value_is_said_and_the_step_waits(
    tg, db, session_factory, clock, language
) -> None:
    owner = tg(OWNER, language_code=language)
    words = WORDS[language]
    await partners(owner, session_factory, clock, wash=False)
    await make_offer(owner, ofd(DraftAction.MONEY))
    for text, reason in BAD_VALUES:
        sent = await owner.send(text)
        assert words[reason] in sent.text, (text, sent.text)
    await owner.send("12,50")
    for text in ("12,50", "5", "0"):  # not more than the value
        sent = await owner.send(text)
        assert words["min_check"] in sent.text, (text, sent.text)
    await owner.send("30")
    for text in ("0", "366", "²", "abc", "-1"):
        assert words["days"] in (await owner.send(text)).text, text
    await owner.send("30")
    for text in ("0", "-1", "1e3", "²", "1000001"):
        assert words["cap"] in (await owner.send(text)).text, text
    await owner.send("100")
    await owner.press(ofd(DraftAction.NO_PER))
    refused = await owner.press(ofd(DraftAction.ROUTES_DONE))
    assert refused.toasts == [words["no_route"]]
    await owner.press(ofd(DraftAction.PARTNER, SALON))
    await owner.press(ofd(DraftAction.AUTO, SALON))
    assert words["pln"] in (await owner.send("-5")).text  # in the partner's currency
    await owner.send("20,50")
    preview = await owner.press(ofd(DraftAction.ROUTES_DONE))
    assert words["threshold"] in preview.text
    assert await db.count(CertificateOffer) == 0
    await owner.press(ofd(DraftAction.SAVE))
    row = await db.scalar(select(CertificateOffer))
    assert (row.value_minor, row.min_check_minor, row.valid_days, row.total_limit) == (
        1250,
        3000,
        30,
        100,
    )


async def test_an_item_name_too_long_and_old_buttons(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock, wash=False)
    await make_offer(owner, ofd(DraftAction.ITEM))
    too_long = await owner.send("x" * 61)
    assert "An item's name can have at most 60 characters." in too_long.text
    await owner.send("Free car wash")
    stale = await owner.press(ofd(DraftAction.SAVE))  # a button of a later step
    assert stale.toasts == [OTHER_STEP]
    answered = await owner.press(ofd(DraftAction.ITEM))  # a button of an earlier step
    assert answered.toasts == [OTHER_STEP]
    typed = await owner.send("0")  # no minimum for a named item
    assert "For how many days" in typed.text
    await owner.send("7")
    await owner.press(ofd(DraftAction.NO_TOTAL))
    await owner.press(ofd(DraftAction.NO_PER))
    forged = await owner.press(ofd(DraftAction.PARTNER, 999))  # not a partner
    assert forged.toasts == [
        "That business is no longer a partner of this place. Start again with /offers."
    ]
    sticker = await owner.send("hello")  # typed where a button is wanted
    assert "Please answer with the buttons below" in sticker.texts[0]
    cancelled = await owner.press(ofd(DraftAction.CANCEL))
    assert cancelled.toasts == ["OK, cancelled."] and await db.count(CertificateOffer) == 0


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("12,50", "EUR", 1250), ("1 000", "PLN", 100000), ("4000", "HUF", 400000), ("7", "EUR", 700)],
)
def test_parse_money(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency, 10**9) == minor


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("-5", "EUR", "amount_format"),
        ("1e9", "EUR", "amount_format"),
        ("²", "EUR", "amount_format"),
        ("12345678901234567890", "EUR", "amount_large"),
        ("1,5", "HUF", "amount_whole"),
        ("1,555", "EUR", "amount_decimals"),
        ("0", "EUR", "amount_zero"),
        ("1000,01", "EUR", "amount_large"),  # over the one-sale limit
    ],
)
def test_parse_money_refuses(text: str, currency: str, reason: str) -> None:
    with pytest.raises(OfferInput) as refused:
        parse_money(text, currency, 100_000)
    assert refused.value.reason == reason
    assert (refused.value.currency, refused.value.limit) == (currency, 100_000)


def test_the_other_parsers() -> None:
    assert parse_min_check("0", "EUR", 10**6) == 0
    assert parse_min_check("30", "EUR", 10**6) == 3000
    assert parse_item("  Free   car wash ") == "Free car wash"
    assert parse_valid_days("365") == 365 and parse_cap("1000000") == 1_000_000
    for bad, parse in (("", parse_item), ("x" * 61, parse_item), ("366", parse_valid_days)):
        with pytest.raises(OfferInput):
            parse(bad)
    with pytest.raises(OfferInput):
        parse_cap("²")


OTHER_STEP = "That button is from another step: use the buttons of the last message."
LOCATION = {"location": {"latitude": 52.23, "longitude": 21.01}}


async def test_what_is_not_text_gets_the_step_asked_again(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock, wash=False)
    await make_offer(owner, ofd(DraftAction.MONEY))
    again = await owner._feed(message=owner._message(**LOCATION))
    assert "How much does it take off a check, in €?" in again.text
    await owner.send("10")
    await owner.send("30")
    await owner.send("30")
    await owner.press(ofd(DraftAction.NO_TOTAL))
    await owner.press(ofd(DraftAction.NO_PER))
    await owner.press(ofd(DraftAction.PARTNER, SALON))
    await owner.press(ofd(DraftAction.AUTO, SALON))
    asked = await owner._feed(message=owner._message(**LOCATION))
    assert "From what purchase at Salon B is a certificate handed out?" in asked.text
    assert "in zł" in asked.text
    await owner.send("25")
    await owner.press(ofd(DraftAction.ROUTES_DONE))
    await owner.press(ofd(DraftAction.SAVE))
    assert await db.count(CertificateOffer) == 1
