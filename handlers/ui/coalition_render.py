"""/kpi coalition as text (services/reports/coalition.py says what each figure means), and
the weekly digest's coalition line; the chart is coalition_chart.py."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import money
from handlers.ui.report_render import number, period_text
from services.notices import DigestFigures
from services.reports.coalition import CoalitionReport, HandedOut, PartnerFigures

PARTNERS_SHOWN = 8


def certificates(n: int) -> str:
    return ngettext("{n} certificate", "{n} certificates", n).format(n=number(n))


def _partner_line(p: PartnerFigures, cur: str) -> str:
    line = _("• {partner}: {issued} handed out, {redeemed} redeemed").format(
        partner=escape(p.partner), issued=number(p.issued), redeemed=number(p.redeemed)
    )
    if p.new_customers:
        line += "; " + _brought(p, cur)
    return line


def _brought(p: PartnerFigures, cur: str) -> str:
    purchases = ngettext("{n} purchase since", "{n} purchases since", p.purchases).format(
        n=number(p.purchases)
    )
    return ngettext(
        "{n} new customer: {purchases}, {revenue}",
        "{n} new customers: {purchases}, {revenue}",
        p.new_customers,
    ).format(n=number(p.new_customers), purchases=purchases, revenue=money(p.revenue, cur))


def _handed_line(h: HandedOut) -> str:
    return _("• for {merchant}: {certificates} worth {amount}, {redeemed} redeemed").format(
        merchant=escape(h.merchant),
        certificates=certificates(h.issued),
        amount=money(h.value_minor, h.currency),
        redeemed=number(h.redeemed),
    )


def coalition_text(r: CoalitionReport) -> str:
    t, cur = r.total, r.merchant.currency
    lines = [
        _("🔗 <b>Coalition</b> · {period}").format(period=period_text(r.period)),
        ngettext("{n} partner now", "{n} partners now", r.partners_now).format(
            n=number(r.partners_now)
        ),
    ]
    if not r.active:
        lines.append(_("No partners yet: /partners invites one."))
        return "\n".join(lines)
    lines += [
        "",
        _("<b>Your certificates, handed out by partners</b>"),
        _("Handed out: {certificates} worth {amount}").format(
            certificates=certificates(t.issued), amount=money(t.issued_minor, cur)
        ),
        _("Redeemed: {n} worth {amount} ({in_sale} in a sale, {alone} on their own)").format(
            n=number(t.redeemed),
            amount=money(t.redeemed_minor, cur),
            in_sale=number(t.in_sale),
            alone=number(t.on_its_own),
        ),
        _("Expired: {expired} · gifted on: {gifted} · given back by refunds: {refunded}").format(
            expired=number(t.expired), gifted=number(t.gifted), refunded=number(t.refunded)
        ),
        _("Still open: {certificates}, you owe {amount}").format(
            certificates=certificates(t.open), amount=money(t.open_minor, cur)
        ),
    ]
    if t.cancelled:
        lines.append(_("Cancelled (their holders left): {n}").format(n=number(t.cancelled)))
    lines.append(_("Brought by partners: {brought}").format(brought=_brought(t, cur)))
    lines += [_partner_line(p, cur) for p in r.partners[:PARTNERS_SHOWN]]
    lines += ["", _("<b>Handed out by you for partners</b>")]
    lines += [_handed_line(h) for h in r.handed_out[:PARTNERS_SHOWN]]
    if not r.handed_out:
        lines.append(_("None in this period."))
    cost = _("What your certificates cost: {amount}").format(amount=money(t.cost_minor, cur))
    if r.items:
        items = ", ".join(f"{escape(name)} × {number(n)}" for name, n in r.items)
        cost += "; " + _("items handed over: {items}").format(items=items)
    lines += ["", cost, "", _coalition_hint()]
    return "\n".join(lines)


def _coalition_hint() -> str:
    return _(
        "<i>Still open: what you owe for your certificates not used yet. New customers: "
        "joined here after receiving your certificate and used it in this period; their "
        "purchases since and the revenue of those. Cost: the value of your certificates "
        "redeemed, less what refunds gave back. Amounts handed out for partners are in "
        "their currency.</i>"
    )


def coalition_line(c: DigestFigures) -> list[str]:
    """The week's coalition, when the business has partners."""
    if not c.partners:
        return []
    return [
        _(
            "Coalition: {handed} handed out by you, {redeemed} of yours redeemed, "
            "{brought} brought by partners"
        ).format(
            handed=certificates(c.certificates_handed),
            redeemed=number(c.certificates_redeemed),
            brought=ngettext("{n} new customer", "{n} new customers", c.customers_brought).format(
                n=number(c.customers_brought)
            ),
        )
    ]
