"""What a person reads about pushes: segment names, the counted choice buttons, and /campaigns
(what each push and automatic message brought)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import LANGUAGE_NAMES, date_time, level_name, money, whole_number
from handlers.ui.report_render import number, period_text, share
from services.campaigns.content import DAY_CHOICES, Segment, parse_segment
from services.campaigns.sending import AudienceCounts
from services.dto import LevelInfo
from services.errors import PushRefused
from services.reports.campaigns import CampaignsReport


def speakers(language: str) -> str:
    return {
        "en": _("English speakers"),
        "ru": _("Russian speakers"),
        "pl": _("Polish speakers"),
        "hu": _("Hungarian speakers"),
    }.get(language, _("Other members"))


def days_name(kind: str, days: int) -> str:
    if kind == "inactive":
        return ngettext("Inactive {days} day", "Inactive {days} days", days).format(days=days)
    return ngettext(
        "Joined in the last {days} day", "Joined in the last {days} days", days
    ).format(days=days)


def segment_name(key: str, levels: Sequence[LevelInfo] = ()) -> str:
    """ "Level Gold", "Inactive 30 days": never the stored key."""
    try:
        segment: Segment = parse_segment(key)
    except PushRefused:
        return _("Other members")
    if segment.kind == "all":
        return _("Everyone who opted in")
    if segment.kind == "birthday":
        return _("Birthday this month")
    if segment.kind == "lang":
        return speakers(segment.value or "")
    if segment.kind == "level":
        rank = int(segment.value or 0)
        names = {lv.rank: level_name(lv) for lv in levels}
        return _("Level {level}").format(level=names.get(rank, rank))
    return days_name(segment.kind, int(segment.value or 0))


def with_count(label: str, count: int) -> str:
    """ "Everyone who opted in (128)"."""
    return _("{choice} ({count})").format(choice=label, count=whole_number(count))


def level_choices(levels: Sequence[LevelInfo], counts: AudienceCounts) -> list[tuple[str, str]]:
    return [
        (with_count(level_name(lv), counts.levels.get(lv.rank, 0)), f"level:{lv.rank}")
        for lv in levels
    ]


def language_choices(counts: AudienceCounts) -> list[tuple[str, str]]:
    return [
        (with_count(name, counts.languages.get(code, 0)), f"lang:{code}")
        for code, name in LANGUAGE_NAMES.items()
    ]


def day_choices(kind: str, counts: AudienceCounts) -> list[tuple[str, str]]:
    by_days: Mapping[int, int] = counts.inactive if kind == "inactive" else counts.joined
    return [
        (
            with_count(ngettext("{days} day", "{days} days", n).format(days=n), by_days.get(n, 0)),
            f"{kind}:{n}",
        )
        for n in DAY_CHOICES
    ]


def campaigns_text(r: CampaignsReport, levels: Sequence[LevelInfo] = ()) -> str:
    cur = r.merchant.currency
    lines = [_("📣 <b>Campaigns</b> · {period}").format(period=period_text(r.period)), ""]
    if not r.pushes:
        lines.append(_("No pushes in this period."))
    for push in r.pushes:
        lines.append(
            _("<b>Push of {when}</b> ({segment})").format(
                when=date_time(push.created_at, r.merchant.timezone),
                segment=segment_name(push.segment, levels),
            )
        )
        lines.append(
            _("Recipients {n} · delivered {sent} · blocked {blocked} · failed {failed}").format(
                n=number(push.recipients),
                sent=number(push.delivered),
                blocked=number(push.blocked),
                failed=number(push.failed),
            )
        )
        lines.append(
            ngettext(
                "Brought within 7 days: {n} purchase, {amount}",
                "Brought within 7 days: {n} purchases, {amount}",
                push.purchases,
            ).format(n=number(push.purchases), amount=money(push.revenue, cur))
        )
    names = {"birthday": _("🎂 Birthday offers"), "cart_reminder": _("🛒 Cart reminders")}
    for auto in r.automatic:
        lines += [
            "",
            f"<b>{names.get(auto.kind, _('Other'))}</b>",
            _("Queued {n} · delivered {sent} · blocked {blocked}").format(
                n=number(auto.queued), sent=number(auto.delivered), blocked=number(auto.blocked)
            ),
            _("Purchases within 7 days after: {n}").format(n=number(auto.purchases)),
        ]
    lines.append(
        _("Carts checked out within 48 hours of a reminder: {share} ({n} of {total})").format(
            share=share(r.cart_recovery),
            n=number(r.cart_recovery.num),
            total=number(r.cart_recovery.den),
        )
    )
    return "\n".join(lines)
