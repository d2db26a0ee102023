"""Promotions in words, in the reader's language: "×2 points · Mon–Fri 12:00–15:00 · 1–31 Dec
· from Silver", the list of /promos, one promotion's page, the form's prompts and buttons, and
the announcement a push starts from. Buttons: `prm` (a saved promotion) and `prmd` (the form)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal
from enum import StrEnum
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_time
from babel.numbers import format_decimal
from pydantic import Field

from handlers.ui.business_render import day_name
from handlers.ui.render import date_locale, day, day_range, locale, translated_level
from services.numbers import MAX_ID
from services.policy.card_promotions import what_it_does
from services.policy.promo_inputs import MINUTES_A_DAY
from services.policy.promotions import ALL_WEEKDAYS, Phase, PromotionRule
from services.promotions import PromoBoard, PromoPlace, PromoView

WORKDAYS = 0b001_1111
WEEKEND = 0b110_0000
MULTIPLIERS = (150, 200, 300)


class PromoAction(StrEnum):
    LIST = "list"
    NEW = "new"
    SHOW = "show"
    END = "end"  # asks first
    END_OK = "endok"
    ANNOUNCE = "ann"


class PromoCb(CallbackData, prefix="prm"):
    action: PromoAction
    promo: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


class DraftAction(StrEnum):
    GIVES = "x"  # a multiplier in percent
    STAMPS = "st"  # extra stamps
    DAY = "day"  # a weekday toggled (0 Monday)
    DAYS_DONE = "dd"
    ALL_DAY = "ad"
    ALWAYS = "aw"
    LEVEL = "lv"  # from this level's rank up
    SAVE = "save"
    CANCEL = "no"


class DraftCb(CallbackData, prefix="prmd"):
    action: DraftAction
    value: Annotated[int, Field(ge=0, le=1000)] = 0


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


# --- a promotion in words --------------------------------------------------------------------


def factor(multiplier_pct: int) -> str:
    """×2, ×1.5 / ×1,5."""
    return "×" + format_decimal(Decimal(multiplier_pct) / 100, locale=locale())


def gives(rule: PromotionRule) -> str:
    parts = []
    if rule.multiplier_pct > 100:
        parts.append(_("{factor} points").format(factor=factor(rule.multiplier_pct)))
    if rule.extra_stamps:
        parts.append(
            ngettext("+{count} stamp", "+{count} stamps", rule.extra_stamps).format(
                count=rule.extra_stamps
            )
        )
    return ", ".join(parts)


def days_text(weekdays: int, timezone: str) -> str:
    """every day / Mon–Fri / Mon, Wed, Sat–Sun: runs of three days or more as a range."""
    if weekdays & ALL_WEEKDAYS == ALL_WEEKDAYS:
        return _("every day")
    runs: list[list[int]] = []
    for d in range(7):
        if weekdays & (1 << d):
            if runs and runs[-1][-1] == d - 1:
                runs[-1].append(d)
            else:
                runs.append([d])
    parts = []
    for run in runs:
        names = [day_name(d, timezone, "abbreviated") for d in run]
        parts.append(f"{names[0]}–{names[-1]}" if len(run) >= 3 else ", ".join(names))
    return ", ".join(parts)


def clock(minute: int, timezone: str) -> str:
    minute %= MINUTES_A_DAY
    return format_time(time(minute // 60, minute % 60), "short", locale=date_locale(timezone))


def hours_text(rule: PromotionRule, timezone: str) -> str:
    """12:00–15:00; '' for the whole day."""
    if rule.start_minute is None or rule.end_minute is None:
        return ""
    return f"{clock(rule.start_minute, timezone)}–{clock(rule.end_minute, timezone)}"


def dates_text(rule: PromotionRule, timezone: str) -> str:
    """1–31 Dec 2026 / from 1 Dec 2026 / until 31 Dec 2026; '' when always."""
    first, last = rule.starts_on, rule.ends_on
    if first is not None and last is not None:
        return day_range(first, last, timezone)
    if first is not None:
        return _("from {day}").format(day=day(first, timezone))
    if last is not None:
        return _("until {day}").format(day=day(last, timezone))
    return ""


def level_text(rule: PromotionRule, place: PromoPlace) -> str:
    """from Silver; '' for every level. A level an owner removed since reads as the next one
    up, and past the top as the top one (as services/policy/settlement.priced_level prices a
    member past the top)."""
    if rule.min_level_rank == 0 or not place.levels:
        return ""
    above = [lv for lv in place.levels if lv.rank >= rule.min_level_rank]
    top = max(place.levels, key=lambda lv: lv.rank)
    level = min(above, key=lambda lv: lv.rank) if above else top
    if level.rank == 0:
        return ""
    return _("from {level}").format(level=escape(translated_level(level.name)))


def describe(rule: PromotionRule, place: PromoPlace) -> str:
    """×2 points · Mon–Fri 12:00–15:00 · 1–31 Dec 2026 · from Silver (HTML)."""
    tz = place.timezone
    when = " ".join(p for p in (days_text(rule.weekdays, tz), hours_text(rule, tz)) if p)
    parts = (gives(rule), when, dates_text(rule, tz), level_text(rule, place))
    return " · ".join(p for p in parts if p)


def announcement(rule: PromotionRule, place: PromoPlace) -> str:
    """The push an announcement starts from (HTML), in the current locale: the caller sets
    the merchant's default language. A running promotion says until when, not since when."""
    if rule.starts_on is not None and rule.starts_on <= place.today:
        rule = replace(rule, starts_on=None)
    terms = describe(rule, place)
    if terms.endswith("."):  # a Hungarian date (2026. márc. 31.): no "!" after its dot
        return _("⚡ <b>{name}</b>: {terms}").format(name=escape(rule.name), terms=terms)
    return _("⚡ <b>{name}</b>: {terms}!").format(name=escape(rule.name), terms=terms)


# --- the list and a page ---------------------------------------------------------------------

PHASES = {Phase.RUNNING: "🟢", Phase.UPCOMING: "🕒", Phase.ENDED: "⚪️"}
IDLE = "⏸"


def idle(view: PromoView, place: PromoPlace) -> bool:
    """Running, yet only multiplies the points where no cashback is earned: it gives
    nothing (what_it_does, as the member's card reads it)."""
    return (
        view.phase is Phase.RUNNING
        and not place.cashback
        and view.rule.multiplier_pct > 100
        and what_it_does(view.rule, place.cashback, place.stamps) is None
    )


def badge(view: PromoView, place: PromoPlace) -> str:
    return IDLE if idle(view, place) else PHASES[view.phase]


def status(view: PromoView, place: PromoPlace) -> str:
    if idle(view, place):
        return _("gives nothing while cashback is off")
    return phase_title(view.phase)


def phase_title(phase: Phase) -> str:
    return {
        Phase.RUNNING: _("Running now"),
        Phase.UPCOMING: _("Upcoming"),
        Phase.ENDED: _("Ended"),
    }[phase]


def board_text(board: PromoBoard) -> str:
    lines = [_("⚡ <b>Promotions</b>")]
    if not board.promotions:
        lines.append(_("No promotions yet. Double points at quiet hours bring people in."))
    place = board.place
    groups = []
    for phase in Phase:
        views = [v for v in board.promotions if v.phase is phase and not idle(v, place)]
        groups.append((f"{PHASES[phase]} {phase_title(phase)}", views))
        if phase is Phase.RUNNING:
            idle_views = [v for v in board.promotions if idle(v, place)]
            title = _("Gives nothing while cashback is off")
            groups.append((f"{IDLE} {title}", idle_views))
    for title, views in groups:
        if views:
            lines.append(f"\n<b>{title}</b>")
            lines += [f"• {escape(v.rule.name)}: {describe(v.rule, place)}" for v in views]
    return "\n".join(lines)


def board_keyboard(board: PromoBoard) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                f"{badge(v, board.place)} {v.rule.name}",
                PromoCb(action=PromoAction.SHOW, promo=v.rule.id),
            )
        ]
        for v in board.promotions
        if v.phase is not Phase.ENDED
    ]
    rows.append([_button(_("➕ New promotion"), PromoCb(action=PromoAction.NEW))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def page_text(view: PromoView, place: PromoPlace) -> str:
    return (
        f"{badge(view, place)} <b>{escape(view.rule.name)}</b> · {status(view, place)}\n"
        + describe(view.rule, place)
    )


def page_keyboard(view: PromoView) -> InlineKeyboardMarkup:
    promo = view.rule.id
    rows = []
    if view.phase is not Phase.ENDED:
        rows.append(
            [
                _button(_("📣 Announce"), PromoCb(action=PromoAction.ANNOUNCE, promo=promo)),
                _button(_("⏹ End now"), PromoCb(action=PromoAction.END, promo=promo)),
            ]
        )
    rows.append([_button(_("« All promotions"), PromoCb(action=PromoAction.LIST))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def end_question(view: PromoView) -> tuple[str, InlineKeyboardMarkup]:
    promo = view.rule.id
    text = _("End “{name}” now? Purchases from now on earn without it.").format(
        name=escape(view.rule.name)
    )
    keyboard = [
        [
            _button(_("Yes, end it"), PromoCb(action=PromoAction.END_OK, promo=promo)),
            _button(_("Keep it"), PromoCb(action=PromoAction.SHOW, promo=promo)),
        ]
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


def ended_text(name: str, now: bool) -> str:
    if now:
        return _("Ended: “{name}”. Purchases from now on earn without it.").format(
            name=escape(name)
        )
    return _("“{name}” has ended already.").format(name=escape(name))
