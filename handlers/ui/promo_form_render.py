"""The new-promotion form in words and buttons: each step's question, its keyboard, the
preview, and how a refused value or a refused promotion is worded."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date, get_date_format

from handlers.ui.business_render import day_name
from handlers.ui.promo_render import MULTIPLIERS, DraftAction, DraftCb, describe, factor
from handlers.ui.render import date_locale, day, translated_level
from services.policy.promo_inputs import MAX_EXTRA_STAMPS, MAX_NAME, PromoInput
from services.policy.promotions import Phase, PromotionRule
from services.promotions import MAX_LIVE, PromoPlace, PromoRefused, PromoView


def _button(text: str, action: DraftAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=DraftCb(action=action, value=value).pack()
    )


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def name_prompt() -> str:
    return _(
        "⚡ New promotion. What is it called? Up to {limit} characters, like Happy hours. "
        "/cancel to stop."
    ).format(limit=MAX_NAME)


def gives_prompt(place: PromoPlace) -> tuple[str, InlineKeyboardMarkup]:
    row = [_button(factor(pct), DraftAction.GIVES, pct) for pct in MULTIPLIERS]
    rows = [row]
    if place.stamps:
        rows.append([_button(_("No extra points"), DraftAction.GIVES, 100)])
    text = _("How many points does a purchase earn? Press a button or send it like 2 or 150%.")
    return text, _markup(*rows)


def stamps_prompt(more_points: bool, cashback: bool = True) -> tuple[str, InlineKeyboardMarkup]:
    """+1 to +5, and 0 only when the promotion gives more points (else it would give nothing).
    Without cashback the form starts here (no points to multiply), and says why."""
    row = [
        _button(f"+{n}" if n else "0", DraftAction.STAMPS, n)
        for n in range(0 if more_points else 1, MAX_EXTRA_STAMPS + 1)
    ]
    text = _("Extra stamps for each stamped purchase?")
    if not cashback:
        text = f"{cashback_off()}\n{text}"
    return text, _markup(row)


def cashback_off() -> str:
    return _("Cashback is off here: a promotion adds stamps.")


def days_prompt(weekdays: int, timezone: str) -> tuple[str, InlineKeyboardMarkup]:
    days = [
        _button(
            ("✅ " if weekdays & (1 << d) else "▫️ ") + day_name(d, timezone, "abbreviated"),
            DraftAction.DAY,
            d,
        )
        for d in range(7)
    ]
    text = _("On which days? Press a day to switch it off or on, then Next.")
    return text, _markup(days[:4], days[4:], [_button(_("Next ▶️"), DraftAction.DAYS_DONE)])


def hours_prompt() -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "At what hours? Send them like 12-15, 12:00–15:30 or 22-02 (past midnight), "
        "or press All day."
    )
    return text, _markup([_button(_("All day"), DraftAction.ALL_DAY)])


def month_first(timezone: str | None) -> bool:
    """The reader's locale writes a date's month before its day (hu: 2026. 12. 01., en_US:
    12/1/26): a typed 12.1 is then 1 December. Babel's short date pattern tells."""
    pattern = get_date_format("short", locale=date_locale(timezone)).pattern
    return pattern.find("M") < pattern.find("d")


def date_examples(year: int, timezone: str) -> dict[str, str]:
    """1 to 31 December as the reader writes it, short and in full: 1.12–31.12 and 01.12.2026
    – 31.12.2026 (ru), 12.1–12.31 and 2026. 12. 01. – 2026. 12. 31. (hu)."""
    first, last = date(year, 12, 1), date(year, 12, 31)
    full = [format_date(d, "short", locale=date_locale(timezone)) for d in (first, last)]
    short = ("12.1", "12.31") if month_first(timezone) else ("1.12", "31.12")
    return {"short": "–".join(short), "full": " – ".join(full)}


def dates_prompt(place: PromoPlace) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "On which dates? Send them like {short} or {full}, or press Always. "
        "The days chosen before must fall within them."
    ).format(**date_examples(place.today.year, place.timezone))
    return text, _markup([_button(_("Always"), DraftAction.ALWAYS)])


def level_prompt(place: PromoPlace) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            _button(
                _("Everyone")
                if lv.rank == 0
                else _("From {level}").format(level=translated_level(lv.name)),
                DraftAction.LEVEL,
                lv.rank,
            )
        ]
        for lv in place.levels
    ]
    return _("For which members?"), _markup(*rows)


def preview(rule: PromotionRule, place: PromoPlace) -> tuple[str, InlineKeyboardMarkup]:
    text = _("⚡ <b>{name}</b>\n{terms}\n\nSave this promotion?").format(
        name=escape(rule.name), terms=describe(rule, place)
    )
    row = [_button(_("💾 Save"), DraftAction.SAVE), _button(_("✖️ Cancel"), DraftAction.CANCEL)]
    return text, _markup(row)


def saved_text(view: PromoView, place: PromoPlace) -> str:
    starts_on = view.rule.starts_on
    if view.phase is Phase.UPCOMING and starts_on is not None:
        return _("Saved. It applies from {day}.").format(day=day(starts_on, place.timezone))
    return _("Saved. It applies from the next purchase.")


def name_again() -> str:
    return _("Send another name for it: the rest stays as you chose.")


def no_form() -> str:
    return _("This form is no longer open. Start again with /promos.")


def step_answered() -> str:
    return _("That step is answered already.")


def admins_only() -> str:
    return _("Only the owners and admins of this place can manage promotions.")


def use_buttons() -> str:
    return _("Please answer with the buttons below, or /cancel to stop.")


def one_day_at_least() -> str:
    return _("Keep at least one day.")


def input_refused(error: PromoInput) -> str:
    return {
        "name_empty": _("Send the name in words."),
        "name_long": ngettext(
            "A name can have at most {limit} character.",
            "A name can have at most {limit} characters.",
            MAX_NAME,
        ).format(limit=MAX_NAME),
        "multiplier": _("Send how many times the points, from 1 to 10, like 2, 1.5 or 150%."),
        "hours": _("Send the hours like 12-15, 12:00–15:30 or 22-02, from 00:00 to 24:00."),
        "dates": _(
            "Send the dates like {short}, or with the year as in the example above."
        ).format(short="–".join(("12.1", "12.31") if month_first(None) else ("1.12", "31.12"))),
        "date": _("There is no such day in the calendar. Check the dates and send them again."),
        "order": _("The last day is before the first. Send the dates again."),
        "past": _("Those dates have passed already. Send dates from today on."),
    }.get(error.reason, _("Please check what you sent and try again."))


def promo_refused(error: PromoRefused) -> str:
    return {
        "gone": _("This promotion is not one of this place's."),
        "too_many": ngettext(
            "A place can run {count} promotion at a time. End one first.",
            "A place can run {count} promotions at a time. End one first.",
            MAX_LIVE,
        ).format(count=MAX_LIVE),
        "name_taken": _("A running promotion has this name already. Choose another name."),
        "nothing": _("A promotion must give more points or extra stamps."),
        "no_day": _(
            "None of those dates falls on the days you chose, so it would never apply. "
            "Send other dates, or press Always."
        ),
        "stamps": _("Extra stamps need a stamp card, which this place does not run."),
        "cashback_off": _(
            "Cashback is off here, so there are no points to multiply: a promotion adds stamps."
        ),
        "level": _("That level no longer exists. Start again with /promos."),
        "past": _("Those dates have passed already. Start again with /promos."),
    }.get(error.reason, _("Please check what you sent and try again."))
