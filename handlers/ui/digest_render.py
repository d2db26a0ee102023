"""The weekly digest as the admins read it on Monday, from the figures the job stored."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_percent

from handlers.ui.render import day_range, locale, money
from handlers.ui.report_render import number, trend


def _timezone(d: dict[str, object]) -> str | None:
    timezone = d.get("timezone")
    return timezone if isinstance(timezone, str) else None


def digest_text(merchant: str, currency: str, d: dict[str, object]) -> str:
    """The Monday digest, from the figures the job stored in the outbox row."""
    c = d["current"]
    p = d["previous"]
    assert isinstance(c, dict) and isinstance(p, dict)
    first = date.fromisoformat(str(d["first_day"]))
    last = date.fromisoformat(str(d["last_day"]))

    def pair(key: str) -> tuple[float | None, float | None]:
        return c.get(key), p.get(key)

    csat = c.get("csat")
    nps = c.get("nps")
    retention = c.get("retention")
    lines = [
        _("🗓 <b>{merchant}</b>: your week, {period}").format(
            merchant=escape(merchant), period=day_range(first, last, _timezone(d))
        ),
        "",
        _("Revenue: {amount}").format(amount=money(int(c["revenue"] or 0), currency))
        + trend(*pair("revenue")),
        _("Purchases: {n}").format(n=number(int(c["purchases"] or 0))) + trend(*pair("purchases")),
        _("Customers who bought: {n}").format(n=number(int(c["active"] or 0)))
        + trend(*pair("active")),
        _("New members: {n}").format(n=number(int(c["new_members"] or 0)))
        + trend(*pair("new_members")),
        _("Retention: {share}").format(
            share="–" if retention is None else format_percent(retention, locale=locale())
        ),
        _("CSAT: {stars} ★ · NPS: {score}").format(
            stars="–" if csat is None else number(float(csat), 2),
            score="–" if nps is None else f"{int(nps):+d}",
        ),
        _("Points issued: {issued} · redeemed: {redeemed}").format(
            issued=number(int(c["issued"] or 0)), redeemed=number(int(c["redeemed"] or 0))
        ),
        "",
        _("More in /stats."),
    ]
    return "\n".join(lines)
