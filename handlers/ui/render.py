"""How amounts, points, dates, levels and ledger reasons read in the current locale: the pieces
every *_render module uses. Pure formatting: no I/O, no arithmetic on money beyond turning minor
units into a localized amount."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel import Locale
from babel.core import UnknownLocaleError, get_global
from babel.dates import format_interval, format_skeleton, format_time, get_datetime_format
from babel.localedata import locale_identifiers
from babel.numbers import (
    NumberPattern,
    format_decimal,
    get_currency_symbol,
    get_territory_currencies,
    parse_pattern,
)

from services.dto import Birthday, LevelInfo
from services.policy import currency_exponent, whole_units_only


def N_(message: str) -> str:
    return message


# Default level names are translated; names a merchant sets are shown as written.
DEFAULT_LEVEL_NAMES = {N_("Bronze"), N_("Silver"), N_("Gold"), N_("Platinum"), N_("Diamond")}
LEVEL_ICONS = ("🥉", "🥈", "🥇", "💎", "👑", "⭐", "🌟", "✨", "🏆", "🚀")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "pl": "Polski", "hu": "Magyar"}
LEDGER_REASONS = {
    "welcome": N_("Welcome bonus"),
    "cashback": N_("Cashback"),
    "redeem": N_("Paid with points"),
    "referral": N_("Friend's purchase"),
    "referral_bonus": N_("Friend's first purchase"),
    "birthday": N_("Birthday gift"),
    "manual": N_("Adjustment"),
    "refund": N_("Refund"),
    "level_reversed": N_("Cashback of a level lost to a refund"),
    "expiry": N_("Expired"),
    "cashback_reversed": N_("Cashback taken back"),
    "referral_reversed": N_("Friend's purchase refunded"),
    "clawback": N_("Taken back after a refund"),
    "forfeit": N_("Given up on leaving the program"),
    "adjustment": N_("Adjustment"),
    "goodwill": N_("Goodwill points"),
    "reward": N_("🎁 Reward"),
    "reward_returned": N_("Voucher lapsed: points back"),
    "promotion": N_("Promotion bonus"),
    "promotion_reversed": N_("Promotion bonus taken back"),
    "friend_gift": N_("Gift for joining through a friend"),
    "friend_gift_reversed": N_("Friend's gift taken back"),
}
OTHER_REASON = N_("Other")


def reason_label(reason: str) -> str:
    """A ledger reason as a person reads it; a reason without a label never shows its key."""
    return _(LEDGER_REASONS.get(reason, OTHER_REASON))


def locale() -> str:
    return get_i18n().current_locale


@lru_cache(maxsize=64)
def babel_locale(code: str) -> Locale:
    """Babel's locale for a code, parsed once: parsing it costs more than the formatting."""
    return Locale.parse(code)


def money(amount_minor: int, currency: str) -> str:
    """12.50 € / €12.50 / 4 000 Ft: whole amounts without ,00."""
    exp = currency_exponent(currency)
    value = Decimal(amount_minor).scaleb(-exp)
    code = locale()
    whole = amount_minor % (10**exp) == 0
    pattern, home = _money_pattern(code, currency, whole)
    if home:  # format_decimal's way, the symbol after
        return f"{pattern.apply(value, babel_locale(code))}\u00a0{home}"
    # As format_currency: a whole amount as its pattern says, others in the currency's decimals.
    loc = babel_locale(code)
    return str(pattern.apply(value, loc, currency=currency, currency_digits=not whole))


@lru_cache(maxsize=256)
def _money_pattern(code: str, currency: str, whole: bool) -> tuple[NumberPattern, str]:
    """How money() writes `currency` for a reader of `code`, worked out once (Babel parses a
    pattern and looks the symbol up on every call): the pattern, and the symbol to put after
    the number when the pattern has none."""
    exp = currency_exponent(currency)
    loc = babel_locale(code)
    if (
        get_currency_symbol(currency, locale=loc) == currency
        and _home_symbol(currency) != currency
    ):
        # The reader's language knows only the ISO code (English and zł): the number in their
        # style, the symbol as at home, "19.90 zł" rather than "PLN19.90".
        return parse_pattern("#,##0" if whole else "#,##0." + "0" * exp), _home_symbol(currency)
    standard = loc.currency_formats["standard"]
    return (parse_pattern(standard.pattern.replace(".00", "")) if whole else standard), ""


@lru_cache(maxsize=64)
def _territory(timezone: str) -> str | None:
    territory = get_global("zone_territories").get(timezone)
    return territory if isinstance(territory, str) else None


@lru_cache(maxsize=256)
def _date_locale(language: str, timezone: str | None) -> str:
    """English readers get the merchant's country's English (en_DE, en_PL, en_GB...): a café in
    Europe writes 1 Nov and 14:05, never 11/1 and 2:05 PM. Elsewhere Babel's en_001 (world
    English), unless the country has an English of its own (en_US in New York). Without a
    time zone, European English (en_150), as the default merchant is a café in Europe."""
    if language != "en":
        return language
    if not timezone:  # no merchant at hand: the product's default is a café in Europe
        return "en_150"
    territory = _territory(timezone)
    if territory and f"en_{territory}" in locale_identifiers():
        return f"en_{territory}"
    return "en_150" if timezone.startswith("Europe/") else "en_001"


def date_locale(timezone: str | None = None) -> str:
    return _date_locale(locale(), timezone)


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def day(value: date, timezone: str | None = None, with_year: bool = True) -> str:
    """One day: 1 Nov 2026 / 1 нояб. 2026 г. / 2026. nov. 1. (ends with a dot in Hungarian:
    never put another after it)."""
    return format_skeleton("yMMMd" if with_year else "MMMd", value, locale=date_locale(timezone))


def day_range(first: date, last: date, timezone: str | None = None) -> str:
    """1–30 Nov 2026 / 2026. nov. 1–30.: the reader's own way of writing a range."""
    if first == last:
        return day(first, timezone)
    return format_interval(first, last, "yMMMd", locale=date_locale(timezone))


def time_of_day(moment: datetime, timezone: str) -> str:
    """14:05 in the merchant's time zone."""
    return format_time(_local(moment, timezone), "short", locale=date_locale(timezone))


def date_time(moment: datetime, timezone: str) -> str:
    """29 Nov 2026, 14:05 in the merchant's time zone."""
    loc = date_locale(timezone)
    local = _local(moment, timezone)
    joiner = get_datetime_format("medium", locale=loc)
    return (
        str(joiner)
        .replace("{1}", day(local.date(), timezone))
        .replace("{0}", format_time(local, "short", locale=loc))
    )


@lru_cache(maxsize=64)
def _home_symbol(currency: str) -> str:
    """The symbol people use where the currency is at home (zł, Ft), from Babel's data."""
    languages = get_global("territory_languages")
    for territory in sorted(get_global("territory_currencies")):
        if currency not in get_territory_currencies(territory, tender=True):
            continue
        for language in languages.get(territory, {}):  # most spoken first
            try:
                symbol = get_currency_symbol(currency, locale=f"{language}_{territory}")
            except (ValueError, UnknownLocaleError):
                continue
            if symbol != currency:
                return symbol
    return currency


def currency_sign(currency: str) -> str:
    """€, zł, Ft: the reader's symbol, else the one at home, never a bare ISO code if avoidable."""
    symbol = get_currency_symbol(currency, locale=babel_locale(locale()))
    return _home_symbol(currency) if symbol == currency else symbol


def amount_example(currency: str) -> str:
    """12.50 / 12,50 / 1250: an amount as the reader types it, in the currency's decimals."""
    exp = 0 if whole_units_only(currency) else currency_exponent(currency)  # Ft: 1250, not 12,50
    value = Decimal(1250).scaleb(-exp) if exp else Decimal(1250)
    pattern = "0." + "0" * exp if exp else "0"
    return format_decimal(
        value, format=pattern, locale=babel_locale(locale()), group_separator=False
    )


def points(amount: int) -> str:
    return ngettext("{n} point", "{n} points", amount).format(n=whole_number(amount))


def whole_number(value: int) -> str:
    """A whole number as Babel's format_decimal writes it in the reader's language (1,250 /
    1 250 / 1250), without parsing a pattern on every call: balances are on every message."""
    return _whole_style(locale())(value)


# Where the fast way is checked against Babel's: every width, both signs.
_PROBES = (0, 7, -7, 42, 999, 1000, -1000, 1234, 9999, 12345, 99999, 123456, 1234567, 10**12)


@lru_cache(maxsize=64)
def _whole_style(code: str) -> Callable[[int], str]:
    """Groups of three digits with the language's separator (from four or five digits on, as
    it says), else Babel itself when the language groups otherwise."""
    loc = babel_locale(code)
    sample = format_decimal(1234567, locale=loc)  # "1" group "234" group "567"
    group = sample[1 : 1 + (len(sample) - 7) // 2]
    minus = format_decimal(-1, locale=loc)[:-1]
    four = format_decimal(1234, locale=loc) != "1234"

    def fast(value: int) -> str:
        digits = str(abs(value))
        if len(digits) > 3 + (not four):
            head = len(digits) % 3 or 3
            rest = (digits[i : i + 3] for i in range(head, len(digits), 3))
            digits = group.join((digits[:head], *rest))
        return minus + digits if value < 0 else digits

    if all(fast(n) == format_decimal(n, locale=loc) for n in _PROBES):
        return fast
    return lambda value: format_decimal(value, locale=loc)


def percent(bp: int) -> str:
    return _percent(locale(), bp)


@lru_cache(maxsize=1024)
def _percent(code: str, bp: int) -> str:
    # A few rates (the levels' cashback and share), on every card.
    return format_decimal(Decimal(bp) / 100, locale=babel_locale(code)) + "%"


def translated_level(name: str) -> str:
    """A level's name as the reader reads it: a default name translated, a merchant's own as
    written (not escaped)."""
    return _(name) if name in DEFAULT_LEVEL_NAMES else name


def level_name(level: LevelInfo) -> str:
    icon = LEVEL_ICONS[level.rank % len(LEVEL_ICONS)]
    return f"{icon} {escape(translated_level(level.name))}"


def birthday_text(birthday: Birthday) -> str:
    value = date(birthday.year or 2000, birthday.month, birthday.day)
    if birthday.year:
        return format_skeleton("yMMMMd", value, locale=date_locale())
    return format_skeleton("MMMMd", value, locale=date_locale())
