"""What a person reads is worded as a native speaker expects: plural forms, dates in the
reader's locale and the merchant's region, amounts typed the local way, no doubled punctuation,
no internal keys and no English left in a translated catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.messages.pofile import read_po

from db.models import LedgerReason
from handlers.i18n import create_i18n
from handlers.ui.notices.campaigns import push_done_text
from handlers.ui.notices.jobs import expiry_warning_text
from handlers.ui.render import (
    LEDGER_REASONS,
    amount_example,
    birthday_text,
    currency_sign,
    date_time,
    day,
    day_range,
    points,
    reason_label,
    time_of_day,
)
from handlers.ui.report_render import month_text
from handlers.ui.sale_render import ask_amount
from handlers.ui.staff_render import staff_text
from services.dto import Birthday, LevelInfo
from services.notices import ExpiryWarning, PushDone
from services.sales import Till
from services.staff import StaffMember

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ru", "pl", "hu")
COUNTS = (1, 2, 5, 21, 22, 25)
I18N = create_i18n("en")


@pytest.fixture
def speak() -> Iterator[object]:
    """`with speak(lang):` renders in that language, as a handler would."""

    class Speaker:
        def __call__(self, language: str):
            return I18N.use_locale(language)

    with I18N.context():
        yield Speaker()


POINTS = {
    "en": ("1 point", "2 points", "5 points", "21 points", "22 points", "25 points"),
    "ru": ("1 балл", "2 балла", "5 баллов", "21 балл", "22 балла", "25 баллов"),
    "pl": ("1 punkt", "2 punkty", "5 punktów", "21 punktów", "22 punkty", "25 punktów"),
    "hu": ("1 pont", "2 pont", "5 pont", "21 pont", "22 pont", "25 pont"),
}
DAYS = {
    "en": ("in 1 day", "in 2 days", "in 5 days", "in 21 days", "in 22 days", "in 25 days"),
    "ru": (
        "через 1 день",
        "через 2 дня",
        "через 5 дней",
        "через 21 день",
        "через 22 дня",
        "через 25 дней",
    ),
    "pl": ("za 1 dzień", "za 2 dni", "za 5 dni", "za 21 dni", "za 22 dni", "za 25 dni"),
    "hu": (
        "1 nap múlva",
        "2 nap múlva",
        "5 nap múlva",
        "21 nap múlva",
        "22 nap múlva",
        "25 nap múlva",
    ),
}
# The verb agrees with the points, not with the days: "wygasną 2 punkty", "сгорит 21 балл".
EXPIRE_VERB = {
    "en": (
        "1 point will",
        "2 points will",
        "5 points will",
        "21 points will",
        "22 points will",
        "25 points will",
    ),
    "ru": (
        "1 балл сгорит",
        "2 балла сгорят",
        "5 баллов сгорят",
        "21 балл сгорит",
        "22 балла сгорят",
        "25 баллов сгорят",
    ),
    "pl": (
        "1 punkt wygaśnie",
        "2 punkty wygasną",
        "5 punktów wygaśnie",
        "21 punktów wygaśnie",
        "22 punkty wygasną",
        "25 punktów wygaśnie",
    ),
    "hu": ("1 pont", "2 pont", "5 pont", "21 pont", "22 pont", "25 pont"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_counts_take_the_plural_form_of_the_language(speak, language: str) -> None:
    with speak(language):
        assert tuple(points(n) for n in COUNTS) == POINTS[language]
        within = tuple(
            ngettext("in {days} day", "in {days} days", n).format(days=n) for n in COUNTS
        )
        assert within == DAYS[language]
        for n, verb in zip(COUNTS, EXPIRE_VERB[language], strict=True):
            text = expiry_warning_text(ExpiryWarning(points=n, days=3))
            assert verb in text, (language, n, text)
            assert DAYS[language][1].replace("2", "3") in text  # the days keep their own plural


def test_expiry_warning_in_english_agrees_with_the_points(speak) -> None:
    with speak("en"):
        assert (
            expiry_warning_text(ExpiryWarning(points=1, days=1))
            == "⏳ 1 point will expire in 1 day. Use it on your next visit!"
        )
        assert expiry_warning_text(ExpiryWarning(points=5, days=2)) == (
            "⏳ 5 points will expire in 2 days. Use them on your next visit!"
        )


def test_push_summary_gives_each_count_its_own_label(speak) -> None:
    data = PushDone(campaign_id=3, sent=21, recipients=22, blocked=1, failed=0)
    with speak("ru"):
        assert push_done_text(data) == (
            "📣 Рассылка #3 завершена.\nДоставлено: 21 из 22\nЗаблокировали бота: 1\n"
            "Не доставлено (ошибки): 0"
        )


# --- dates: one helper per kind, in the reader's locale and the merchant's region ----------


def spaced(text: str) -> str:
    """Babel's thin and no-break spaces as plain ones, to keep the tables readable."""
    return re.sub("[\u2009\u202f\xa0]", " ", text)


NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
MOMENT = datetime(2026, 11, 29, 13, 5, tzinfo=UTC)  # 14:05 in Berlin, Warsaw and Budapest


@pytest.mark.parametrize(
    ("language", "timezone", "one_day", "period", "moment", "clock"),
    [
        ("en", "Europe/Berlin", "14 Nov 2026", "1–30 Nov 2026", "29 Nov 2026, 14:05", "14:05"),
        ("en", "Europe/Dublin", "14 Nov 2026", "1–30 Nov 2026", "29 Nov 2026, 13:05", "13:05"),
        (
            "en",
            "America/New_York",
            "Nov 14, 2026",
            "Nov 1 – 30, 2026",
            "Nov 29, 2026, 8:05 AM",
            "8:05 AM",
        ),
        (
            "ru",
            "Europe/Berlin",
            "14 нояб. 2026 г.",
            "1—30 нояб. 2026 г.",
            "29 нояб. 2026 г., 14:05",
            "14:05",
        ),
        ("pl", "Europe/Warsaw", "14 lis 2026", "1–30 lis 2026", "29 lis 2026, 14:05", "14:05"),
        (
            "hu",
            "Europe/Budapest",
            "2026. nov. 14.",
            "2026. nov. 1–30.",
            "2026. nov. 29. 14:05",
            "14:05",
        ),
    ],
)
def test_dates_follow_the_reader_and_the_merchants_region(
    speak, language: str, timezone: str, one_day: str, period: str, moment: str, clock: str
) -> None:
    with speak(language):
        assert spaced(day(date(2026, 11, 14), timezone)) == one_day
        assert spaced(day_range(NOV_1, NOV_30, timezone)) == period
        assert spaced(date_time(MOMENT, timezone)) == moment
        assert spaced(time_of_day(MOMENT, timezone)) == clock


def test_english_for_a_european_cafe_is_never_a_us_date(speak) -> None:
    with speak("en"):
        for timezone in ("Europe/Berlin", "Europe/Warsaw", "Europe/Budapest", "Europe/Kyiv"):
            text = date_time(MOMENT, timezone) + day(NOV_30, timezone)
            assert "AM" not in text and "PM" not in text and "11/" not in text, timezone
            assert day(NOV_30, timezone) == "30 Nov 2026"


# --- amounts typed the local way ------------------------------------------------------------


def _till(currency: str) -> Till:
    level = LevelInfo(
        rank=0,
        name="Bronze",
        cashback_bp=300,
        max_redeem_bp=3000,
        min_spend_minor=0,
        min_referrals=0,
    )
    return Till(
        code="123456",
        telegram_id=5,
        first_name="Ann",
        phone_masked=None,
        level=level,
        balance=0,
        currency=currency,
        receipt_required=False,
        max_sale_minor=0,
    )


@pytest.mark.parametrize(
    ("language", "currency", "wanted"),
    [
        ("en", "EUR", "Enter the check amount in €, for example 12.50:"),
        ("pl", "PLN", "Wpisz kwotę rachunku w zł, np. 12,50:"),
        ("ru", "EUR", "Введите сумму чека в €, например 12,50:"),
        ("hu", "HUF", "Add meg a számla összegét (Ft), például: 1250"),  # whole forints
        ("en", "JPY", "Enter the check amount in ¥, for example 1250:"),
    ],
)
def test_amount_prompt_uses_the_local_separator_and_symbol(
    speak, language: str, currency: str, wanted: str
) -> None:
    with speak(language):
        text = ask_amount(_till(currency))
        assert text.endswith(wanted), text
        assert currency not in text  # a symbol a person knows, not the ISO code
        assert currency_sign(currency) in text
        assert amount_example(currency) in text


# --- nothing internal reaches a person ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ledger_reason_has_a_label(speak, language: str) -> None:
    assert {r.value for r in LedgerReason} <= set(LEDGER_REASONS)
    with speak(language):
        for reason in LedgerReason:
            label = reason_label(reason.value)
            assert label and "_" not in label and label != reason.value
        unknown = reason_label("brand_new_reason")
        assert unknown == _("Other") and "brand_new_reason" not in unknown


def test_an_unknown_role_is_not_shown_as_its_key(speak) -> None:
    with speak("en"):
        # A role this version does not know (a newer one's row, say): not a StaffRole.
        stranger = StaffMember(id=1, telegram_id=7, name="Kasia", role="supervisor")  # type: ignore[arg-type]
        text = staff_text([stranger])
        assert "supervisor" not in text and "Kasia" in text


# --- every message of every catalog ---------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")
URL = re.compile(r"https?://\S+")
DOUBLED = re.compile(r"\.\.|\s\.(?!\w)|!!|,,|::|\?\?|\s,")


def _catalog(language: str):
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def _dummies(language: str) -> dict[str, str]:
    """Realistic values where they matter: Hungarian dates end with their own full stop."""
    tz = "Europe/Budapest"
    with I18N.context(), I18N.use_locale(language):
        values = {
            "birthday": birthday_text(Birthday(24, 5, None)),
            "period": day_range(NOV_1, NOV_30, tz),
            "when": date_time(MOMENT, tz),
            "until": time_of_day(MOMENT, tz),
            "time": time_of_day(MOMENT, tz),
            "month": month_text(NOV_1, tz),
            "points": points(5),
            "within": ngettext("in {days} day", "in {days} days", 3).format(days=3),
        }
    return values


def _rendered(language: str) -> Iterator[tuple[str, str]]:
    dummies = _dummies(language)
    for message in _catalog(language):
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = (message.string,) if isinstance(message.string, str) else message.string
        for text in strings:
            names = set(PLACEHOLDER.findall(text))
            yield msgid, text.format(**{n: dummies.get(n, "Kávé") for n in names})


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_has_doubled_punctuation(language: str) -> None:
    bad = []
    for msgid, text in _rendered(language):
        plain = URL.sub("URL", text)
        if DOUBLED.search(plain):
            bad.append((msgid[:50], plain))
    assert not bad, bad


# Words that are the same in these languages, or must stay as typed (commands, brands).
SAME_EVERYWHERE = {"csat", "nps", "cashback", "admin", "telegram", "ok", "json", "csv", "qr"}
WORD = re.compile(r"[A-Za-z]{3,}")


def _english_words(text: str) -> set[str]:
    text = URL.sub(" ", PLACEHOLDER.sub(" ", re.sub(r"</?\w+>", " ", text)))
    text = re.sub(r"/\w+", " ", text)  # commands
    return {w.lower() for w in WORD.findall(text)} - SAME_EVERYWHERE


@pytest.mark.parametrize("language", ("ru", "pl", "hu"))
def test_no_english_left_in_a_translated_catalog(language: str) -> None:
    left = []
    for message in _catalog(language):
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        for text in strings:
            if text in ids and _english_words(text):
                left.append(text)
    assert not left, left
