"""What a person reads about push segments: their names and the counted choice buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from handlers.ui.render import LANGUAGE_NAMES, level_name, locale
from services.campaigns.content import DAY_CHOICES, Segment, parse_segment
from services.campaigns.sending import AudienceCounts
from services.dto import LevelInfo
from services.errors import PushRefused


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
    return _("{choice} ({count})").format(
        choice=label, count=format_decimal(count, locale=locale())
    )


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
