"""The policy beyond money (levels, links and codes, birthdays, phones), table by table."""

from __future__ import annotations

from datetime import date

import pytest

from services import policy
from services.dto import Birthday, LevelInfo, StartPayload
from services.errors import InvalidBirthday, InvalidLevels, InvalidPhone

LEVELS = policy.default_levels("EUR")


@pytest.mark.parametrize(
    ("spend", "refs", "rank"),
    [
        (0, 0, 0),
        (9_999, 0, 0),
        (10_000, 0, 1),  # exactly the Silver spend threshold
        (0, 1, 0),
        (0, 2, 1),  # Silver by friends alone
        (10_000, 5, 2),  # friends reach higher than spend: Gold
        (30_000, 2, 2),  # spend reaches higher than friends: Gold
        (150_000, 0, 4),
        (0, 20, 4),
        (10**12, 10**6, 4),
    ],
)
def test_level_for_takes_the_higher_criterion(spend: int, refs: int, rank: int) -> None:
    assert policy.level_for(LEVELS, spend, refs).rank == rank


def test_progress_to_next_counts_what_is_left() -> None:
    progress = policy.progress_to_next(LEVELS, 0, 4_000, 1)
    assert progress is not None
    assert progress.next_level.name == "Silver"
    assert progress.spend_left_minor == 6_000
    assert progress.referrals_left == 1
    assert progress.fraction == pytest.approx(0.5)  # one of two friends beats 40 % of spend


def test_progress_at_the_top_is_none() -> None:
    assert policy.progress_to_next(LEVELS, 4, 10**9, 100) is None


@pytest.mark.parametrize(
    ("currency", "silver_spend"),
    [("EUR", 10_000), ("PLN", 40_000), ("HUF", 4_000_000), ("JPY", 15_000), ("XYZ", 10_000)],
)
def test_default_levels_scale_to_the_currency(currency: str, silver_spend: int) -> None:
    levels = policy.default_levels(currency)
    policy.validate_levels(levels)
    assert [lv.name for lv in levels] == ["Bronze", "Silver", "Gold", "Platinum", "Diamond"]
    assert levels[1].min_spend_minor == silver_spend


def _lv(rank: int, spend: int = 0, refs: int = 0, cb: int = 100, name: str = "L") -> LevelInfo:
    return LevelInfo(rank, name, spend, refs, cb, 1000)


@pytest.mark.parametrize(
    "levels",
    [
        [],
        [_lv(0), _lv(2, 10)],  # gap in ranks
        [_lv(0, spend=5)],  # first level must be free
        [_lv(0), _lv(1, spend=100), _lv(2, spend=50)],  # spend falls
        [_lv(0), _lv(1, refs=5), _lv(2, refs=3)],  # referrals fall
        [_lv(0, cb=10_001)],  # over 100 %
        [_lv(0, name=" ")],
    ],
)
def test_validate_levels_refuses_nonsense(levels: list[LevelInfo]) -> None:
    with pytest.raises(InvalidLevels):
        policy.validate_levels(levels)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, StartPayload()),
        ("", StartPayload()),
        ("sqr_counter", StartPayload(source="qr_counter")),
        ("mcafe-rABCDEFGH-sposter", StartPayload("cafe", "ABCDEFGH", "poster")),
        ("p123456", StartPayload(pay_code="123456")),
        ("rABCDEFGH-xjunk", StartPayload(referral_code="ABCDEFGH", problem="bad token 'x'")),
        ("rabc", StartPayload(problem="bad token 'r'")),
        ("mcafe-mbar", StartPayload(merchant_slug="cafe", problem="bad token 'm'")),
        ("a" * 65, StartPayload(problem="malformed")),
        ("hello world", StartPayload(problem="malformed")),
        ("--", StartPayload(problem="empty token; empty token; empty token")),
    ],
)
def test_parse_payload(raw: str | None, expected: StartPayload) -> None:
    assert policy.parse_payload(raw) == expected


def test_build_payload_round_trips() -> None:
    payload = policy.build_payload(merchant_slug="cafe", referral_code="ABCDEFGH", source="qr")
    assert payload == "mcafe-rABCDEFGH-sqr"
    assert policy.parse_payload(payload) == StartPayload("cafe", "ABCDEFGH", "qr")


TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24.05", Birthday(24, 5, None)),
        ("24.05.1990", Birthday(24, 5, 1990)),
        (" 1/2 ", Birthday(1, 2, None)),
        ("29.02", Birthday(29, 2, None)),
        ("29-02-2000", Birthday(29, 2, 2000)),
        ("10 03 2010", Birthday(10, 3, 2010)),
        # Year first, the Hungarian way, and ISO.
        ("1990.05.24.", Birthday(24, 5, 1990)),
        ("1990.05.24", Birthday(24, 5, 1990)),
        ("1990. 05. 24.", Birthday(24, 5, 1990)),
        (" 1990. 5. 4. ", Birthday(4, 5, 1990)),
        ("2000-02-29", Birthday(29, 2, 2000)),
    ],
)
def test_parse_birthday_accepts(text: str, expected: Birthday) -> None:
    assert policy.parse_birthday(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31.02", "date"),
        ("00.05", "date"),
        ("12.13", "date"),
        ("29.02.2001", "date"),
        ("24.05.2099", "future"),
        ("24.05.1850", "too_old"),
        ("24.05.2024", "too_young"),
        ("24.05.90", "format"),
        ("1990.24.05.", "date"),
        ("2001. 02. 29.", "date"),
        ("2099.05.24.", "future"),
        ("1990.05-24", "format"),
        ("1990.05.", "format"),
        ("2099", "format"),
        ("tomorrow", "format"),
        ("", "format"),
    ],
)
def test_parse_birthday_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidBirthday) as error:
        policy.parse_birthday(text, TODAY)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+48 600 700 800", "+48600700800"),
        ("48600700800", "+48600700800"),
        ("+1 (555) 010-9999", "+15550109999"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert policy.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "+12", "+1234567890123456"])
def test_normalize_phone_refuses(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        policy.normalize_phone(raw)


def test_mask_phone_keeps_country_and_last_digits() -> None:
    assert policy.mask_phone("+48600700800") == "+48 *** *** 800"


def test_codes_have_their_shape() -> None:
    assert policy.new_payment_code(lambda n: 42) == "000042"
    code = policy.new_referral_code()
    assert len(code) == 8 and policy.parse_payload("r" + code).referral_code == code
