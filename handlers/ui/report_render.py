"""How report figures read, in the admin's language and the merchant's currency: numbers,
shares, periods, changes against the period before; and the messages every report shares.
Pure formatting of what services/reports/ computed."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from handlers.ui.render import date_locale, day_range, locale, money
from services.reports.figures import Nps, Ratio
from services.reports.periods import Period


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def period_text(period: Period) -> str:
    return day_range(period.first_day, period.last_day, period.timezone)


def month_text(month: date, timezone: str | None = None) -> str:
    return format_skeleton("yMMM", month, locale=date_locale(timezone))


def number(value: float, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale())


def share(ratio: Ratio) -> str:
    value = ratio.value
    return "–" if value is None else format_percent(value, locale=locale())


def mean_money(ratio: Ratio, currency: str) -> str:
    amount = ratio.minor
    return "–" if amount is None else money(amount, currency)


def nps_text(nps: Nps) -> str:
    score = nps.score
    return "–" if score is None else f"{score:+d}"


GOOD, BAD = "🟢", "🔴"


def _arrow(delta: float) -> str:
    return "↑" if delta > 0 else "↓" if delta < 0 else "→"


def _whole(value: float) -> int:
    """A change shown in whole units, rounded half away from zero, as it is printed."""
    return int(Decimal(str(abs(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _mark(delta: int, up_is_good: bool | None) -> str:
    """A green dot for a change good for the business, a red one for a bad change, whatever
    the arrow's direction (churn going up is bad); none for no change or a neutral figure."""
    if not delta or up_is_good is None:
        return ""
    return " " + (GOOD if (delta > 0) == up_is_good else BAD)


def trend(current: float | None, previous: float | None, up_is_good: bool | None = True) -> str:
    """Relative change of a count or an amount: ↑ 12% 🟢; no change: → 0%."""
    if current is None or previous is None:
        return ""
    if previous == 0:
        if current == 0:
            return ""
        return " " + _("↑ new") + _mark(1 if current > 0 else -1, up_is_good)
    delta = (current - previous) / abs(previous)
    whole = _whole(delta * 100) * (1 if delta >= 0 else -1)
    shown = format_percent(abs(whole) / 100, locale=locale())
    return f" {_arrow(whole)} {shown}{_mark(whole, up_is_good)}"


def trend_rate(current: Ratio, previous: Ratio, up_is_good: bool = True) -> str:
    """Change of a share in percentage points: ↓ 5 pp 🔴; no change: → 0 pp."""
    if current.value is None or previous.value is None:
        return ""
    delta = (current.value - previous.value) * 100
    whole = _whole(delta) * (1 if delta >= 0 else -1)
    return (
        " "
        + _("{arrow} {points} pp").format(arrow=_arrow(whole), points=number(abs(whole)))
        + _mark(whole, up_is_good)
    )


def stars_text(ratio: Ratio) -> str:
    return "–" if ratio.value is None else number(ratio.value, 2)


WEEKDAYS = (__("Mon"), __("Tue"), __("Wed"), __("Thu"), __("Fri"), __("Sat"), __("Sun"))


def export_caption(kind: str, rows: int, personal: bool) -> str:
    names = {
        "members": _("Members"),
        "purchases": _("Purchases"),
        "ledger": _("Points ledger"),
        "vouchers": _("Reward vouchers"),
        "promotions": _("Promotions"),
        "certificates": _("Gift certificates"),
    }
    text = ngettext("{name}: {n} row", "{name}: {n} rows", rows).format(
        name=names[kind], n=number(rows)
    )
    if kind == "members" and not personal:
        text += "\n" + _("Names, phones and birthdays are only in the owners' export.")
    return text


def admins_only() -> str:
    return _("Reports are for the owners and admins of this place.")
