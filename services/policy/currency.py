"""Currencies: minor-unit exponents, what a point is worth for a new merchant, which amounts
are typed without decimals, and a café's euro in each currency (it scales default levels)."""

from __future__ import annotations

# Minor units of a currency that buy what one euro buys in a café; scales the default level
# thresholds so a merchant in Budapest or Warsaw starts with sensible numbers.
_CAFE_EURO = {
    "EUR": 100,
    "USD": 100,
    "GBP": 100,
    "CHF": 100,
    "CAD": 150,
    "AUD": 150,
    "PLN": 400,
    "HUF": 40_000,
    "CZK": 2_500,
    "RUB": 10_000,
    "UAH": 4_500,
    "KZT": 50_000,
    "RON": 500,
    "SEK": 1_100,
    "NOK": 1_100,
    "DKK": 700,
    "TRY": 3_500,
    "JPY": 150,
}
# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3}

# What one point is worth for a new merchant, in minor units: one whole unit where the minor
# unit is too small to buy anything (a fillér, a kopeck, a haléř, a tiyn: a point worth that
# reads "1 point = 0 Ft" and balances run to eight digits), and the minor unit elsewhere.
# 1 ¥, 1 ₩, 1 kr (ISK) are already the smallest unit (exponent 0), so 1 minor unit is 1 whole
# one. Where a cent buys a little (EUR, USD, GBP, CHF, PLN, ...), 1 point = 0.01 keeps the
# familiar "3 % back = 3 points per 1 €" of a café card. Not listed: 1 minor unit.
_POINT_VALUE = {
    "HUF": 100,  # 1 Ft: the forint has no coins below 5 Ft, the fillér went in 1999
    "RUB": 100,  # 1 ₽: prices and balances in kopecks would run to eight digits
    "CZK": 100,  # 1 Kč: haléře survive only on price tags, not in change
    "UAH": 100,  # 1 ₴
    "KZT": 100,  # 1 ₸: the tiyn is not in circulation
    "TRY": 100,  # 1 ₺
    "SEK": 100,  # 1 kr: no öre coins since 2010
    "NOK": 100,  # 1 kr: no øre coins since 2012
    "DKK": 100,  # 1 kr: a 50-øre coin is the smallest left
}
# Currencies whose amounts are whole units in practice, though ISO 4217 gives them two
# decimals: prices are whole and cash has no coin below the unit, so "1990,50 Ft" is a typo
# rather than an amount. CZK is not here: prices like 24,90 Kč are still written and paid
# exactly by card. Exponent-0 currencies (JPY, ISK, ...) refuse decimals anyway.
_WHOLE_UNITS = frozenset({"HUF", "KZT"})


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def point_value(currency: str) -> int:
    """Minor units one point of a new merchant in `currency` is worth (see _POINT_VALUE)."""
    return _POINT_VALUE.get(currency.upper(), 1)


def whole_units_only(currency: str) -> bool:
    """Amounts in `currency` are typed without decimals (see _WHOLE_UNITS)."""
    return currency.upper() in _WHOLE_UNITS


def cafe_unit(currency: str) -> int:
    """Minor units of `currency` that buy what one euro buys in a café."""
    return _CAFE_EURO.get(currency.upper(), int(10 ** currency_exponent(currency)))
