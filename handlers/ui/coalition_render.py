"""/kpi coalition as text (services/reports/coalition.py says what each figure means), and
the weekly digest's coalition line; the chart is coalition_chart.py."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import money
from handlers.ui.report_render import number, period_text, share
from services.notices import DigestFigures
from services.reports.coalition import CoalitionReport, HandedOut, PartnerFigures

PARTNERS_SHOWN = 8


def certificates(n: int) -> str:
    return ngettext("{n} certificate", "{n} certificates", n).format(n=number(n))


def _more(shown: int, total: int) -> list[str]:
    """ "and N more" under a list cut at `shown` lines."""
    rest = total - shown
    if rest <= 0:
        return []
    return [ngettext("…and {n} more", "…and {n} more", rest).format(n=number(rest))]


def _refunds(n: int) -> str:
    return "; " + _("given back by refunds: {n}").format(n=number(n)) if n else ""


def _partner_line(p: PartnerFigures, cur: str) -> str:
    line = _(
        "• {partner} — handed out in this period: {issued}; redeemed in this period: {redeemed}"
    ).format(partner=escape(p.partner), issued=number(p.issued), redeemed=number(p.redeemed))
    line += _refunds(p.refunded)
    if p.new_customers:
        line += "; " + _brought(p, cur)
    return line


def _brought(p: PartnerFigures, cur: str) -> str:
    purchases = ngettext(
        "{n} purchase in 90 days", "{n} purchases in 90 days", p.purchases
    ).format(n=number(p.purchases))
    return ngettext(
        "{n} new customer: {purchases}, {revenue}",
        "{n} new customers: {purchases}, {revenue}",
        p.new_customers,
    ).format(n=number(p.new_customers), purchases=purchases, revenue=money(p.revenue, cur))


def _handed_line(h: HandedOut) -> str:
    line = _(
        "• for {merchant} — handed out in this period: {certificates} worth {amount}; "
        "redeemed there in this period: {redeemed}"
    ).format(
        merchant=escape(h.merchant),
        certificates=certificates(h.issued),
        amount=money(h.value_minor, h.currency),
        redeemed=number(h.redeemed),
    )
    return line + _refunds(h.refunded)


def _handed_totals(r: CoalitionReport) -> list[str]:
    """Totals of those handed out by it, one line per currency, when there are several."""
    if len(r.handed_out) < 2:
        return []
    return [
        _("Together: {certificates} worth {amount}").format(
            certificates=certificates(n), amount=money(value, cur)
        )
        for cur, n, value in r.handed_by_currency
    ]


def _rate(t: PartnerFigures) -> str:
    rate = t.redemption_rate
    if rate.value is None:
        return _("Redemption rate: not enough data")
    return _("Redemption rate: {rate}").format(rate=share(rate))


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
    lines.append(_rate(t))
    if t.cancelled:
        lines.append(_("Cancelled (their holders left): {n}").format(n=number(t.cancelled)))
    lines.append(_("Brought by partners: {brought}").format(brought=_brought(t, cur)))
    lines += [_partner_line(p, cur) for p in r.partners[:PARTNERS_SHOWN]]
    lines += _more(PARTNERS_SHOWN, len(r.partners))
    lines += ["", _("<b>Handed out by you for partners</b>")]
    lines += [_handed_line(h) for h in r.handed_out[:PARTNERS_SHOWN]]
    lines += _more(PARTNERS_SHOWN, len(r.handed_out))
    lines += _handed_totals(r)
    if not r.handed_out:
        lines.append(_("None in this period."))
    cost = _("What your certificates cost: {amount}").format(amount=money(t.cost_minor, cur))
    if t.refunded_minor:
        cost += "; " + _("refunds gave back {amount}").format(amount=money(t.refunded_minor, cur))
    if r.items:
        items = ", ".join(f"{escape(name)} × {number(n)}" for name, n in r.items)
        cost += "; " + _("items handed over: {items}").format(items=items)
    lines += ["", cost, "", _coalition_hint()]
    return "\n".join(lines)


def _coalition_hint() -> str:
    return _(
        "<i>Still open: what you owe for your certificates not used yet. New customers: "
        "joined here after receiving your certificate and used it in this period; their "
        "purchases in the 90 days after and the revenue of those. Redemption rate: redeemed "
        "out of redeemed and expired. Cost: the value of your certificates redeemed in this "
        "period and not given back by a refund since; what refunds gave back in this period "
        "is shown apart. Amounts handed out for partners are in their currency.</i>"
    )


def coalition_line(c: DigestFigures) -> list[str]:
    """The week's coalition, when the business has partners or had any of it that week
    (its certificates still redeemed after its partnerships ended)."""
    if not (c.partners or c.certificates_handed or c.certificates_redeemed or c.customers_brought):
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
