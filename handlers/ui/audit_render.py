"""The audit log as owners and admins read it in the chat: a page of acts, newest first, and
the buttons that filter it by person, by kind and by day."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from html import escape, unescape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from handlers.ui.audit_actions import ACTIONS, OTHER_ACT, WRONG_CODES
from handlers.ui.offers_render import OFFER_FIELDS
from handlers.ui.render import N_, date_time, day, money, whole_number
from handlers.ui.render import points as points_text
from handlers.ui.rewards_render import FIELD_NAMES as REWARD_FIELDS
from handlers.ui.settings_render import label as setting_label
from handlers.ui.settings_render import level_label, shown
from services.audit_log import NUMBERED, OWNER, AuditEntry, AuditPage, AuditWords
from services.numbers import MAX_BIG_ID, MAX_PAGE
from services.policy.program_changes import LEVEL_KEYS, SettingKey
from services.rewards.values import RewardField

CARD_FIELDS = {
    "photo": N_("Photo"),
    "description": N_("Description"),
    "address": N_("Address"),
    "location": N_("Location"),
    "hours": N_("Opening hours"),
    "phone": N_("Phone"),
    "links": N_("Links"),
}
CODES = {"unknown": N_("no such code"), "used": N_("used already"), "expired": N_("expired")}
FLAGS = {
    "daily_flag": N_("a customer's purchases"),
    "daily_amount_flag": N_("a customer's spending"),
    "staff_daily_flag": N_("a cashier's sales"),
    "staff_amount_flag": N_("a cashier's takings"),
}


class AuditView(StrEnum):
    LIST = "list"
    PEOPLE = "people"
    KINDS = "kinds"
    DAYS = "days"


class AuditCb(CallbackData, prefix="aud"):
    """A view of /audit with its filters: person 0 is everyone, kind '' every kind, day 0
    every day (else the date's ordinal)."""

    view: AuditView
    person: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0
    kind: Annotated[str, Field(max_length=24)] = ""
    day: Annotated[int, Field(ge=0, le=date.max.toordinal())] = 0
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)] = 0


def action_label(action: str, code: str | None = None) -> str:
    """An act's label; `code`: a wrong code's details (a voucher's, a payment code's)."""
    if action == "wrong_code" and code in WRONG_CODES:
        return _(WRONG_CODES[code])
    return _(ACTIONS.get(action, OTHER_ACT))


def actor_label(name: str | None) -> str:
    if name == OWNER:
        return _("owner")
    return name if name else _("someone not on the staff")


def _setting(entry: AuditEntry, currency: str, levels: dict[int, str]) -> str | None:
    """ "Bronze · Cashback: 3% → 0.5%"; None for a key this release does not know."""
    try:
        key = SettingKey(entry.setting or "")
    except ValueError:
        return None
    text = setting_label(key)
    if entry.level is not None and key in LEVEL_KEYS and key is not SettingKey.LEVEL_REMOVE:
        name = levels.get(entry.level)
        if name:
            text = level_label(name) + " · " + text
    if entry.values is not None:
        before, after = (shown(key, v, currency) for v in entry.values)  # type: ignore[arg-type]
        text += f": {before} → {after}"
    return text


def about_text(entry: AuditEntry, currency: str, levels: dict[int, str]) -> str:
    """What an act was about, in words ("member #1, +50 points"); '' when nothing is known.
    HTML: the reason and names are escaped."""
    parts: list[str] = []
    if entry.member is not None:
        parts.append(_("member #{number}").format(number=entry.member))
    if entry.number is not None and entry.action not in NUMBERED:
        parts.append(_("sale #{number}").format(number=entry.number))
    if entry.points is not None:
        sign = "+" if entry.action == "points_adjust" and entry.points > 0 else ""
        sign = "−" if entry.points < 0 else sign
        parts.append(sign + points_text(abs(entry.points)))
    if entry.note:
        parts.append(f"“{escape(entry.note)}”")
    if entry.action == "business_card_edit" and entry.setting in CARD_FIELDS:
        parts.append(_(CARD_FIELDS[entry.setting]))
    elif entry.action == "reward_edit" and entry.setting in REWARD_FIELDS:
        parts.append(_(REWARD_FIELDS[RewardField(entry.setting)]))
    elif entry.action == "offer_edit" and entry.setting in OFFER_FIELDS:
        parts.append(_(OFFER_FIELDS[entry.setting]))
    elif entry.setting is not None and (setting := _setting(entry, currency, levels)):
        parts.append(setting)
    if entry.role is not None:
        parts.append(_("as an admin") if entry.role == "admin" else _("as a cashier"))
    if entry.code in CODES:
        parts.append(_(CODES[entry.code]))
    if entry.flag in FLAGS:
        parts.append(_(FLAGS[entry.flag]))
    return ", ".join(parts)


def _entry(entry: AuditEntry, page: AuditPage) -> str:
    when = date_time(entry.created_at, page.timezone)
    who = escape(actor_label(entry.actor))
    text = f"{when} · <b>{who}</b>: {action_label(entry.action, entry.code)}"
    if entry.number is not None and entry.action in NUMBERED:
        text += f" #{entry.number}"
    if entry.amount is not None:
        text += f", {money(entry.amount, page.currency)}"
    about = about_text(entry, page.currency, page.levels)
    return text + (f" — {about}" if about else "")


def _csv_act(entry: AuditEntry, currency: str, levels: dict[int, str]) -> tuple[str, str, str]:
    parts = []
    if entry.number is not None and entry.action in NUMBERED:
        order = entry.action.startswith("order_")
        number = _("pre-order #{number}") if order else _("sale #{number}")
        parts.append(number.format(number=entry.number))
    if entry.amount is not None:
        parts.append(money(entry.amount, currency))
    if about := about_text(entry, currency, levels):
        parts.append(about)
    return (
        actor_label(entry.actor),
        action_label(entry.action, entry.code),
        unescape(", ".join(parts)),
    )


def audit_words() -> AuditWords:
    """The audit CSV's columns and acts in the reader's language, as /audit says them."""
    header = (_("Entry"), _("Time"), _("Who"), _("Act"), _("About"))
    return AuditWords(header, _csv_act)


def audit_text(page: AuditPage, cb: AuditCb) -> str:
    filters = []
    if cb.person:
        name = dict(page.people).get(cb.person)
        filters.append(escape(actor_label(name)))
    if cb.kind:
        filters.append(action_label(cb.kind))
    if page.day is not None:
        filters.append(day(page.day, page.timezone))
    head = _("📜 Audit log")
    if filters:
        head += " · " + ", ".join(filters)
    if not page.entries:
        return head + "\n\n" + _("Nothing here.")
    lines = [_entry(e, page) for e in page.entries]
    count = ngettext("{count} entry", "{count} entries", page.total).format(
        count=whole_number(page.total)
    )
    pages = _("page {page} of {pages}").format(page=page.page + 1, pages=page.pages)
    return f"{head}\n{count}, {pages}\n\n" + "\n".join(lines)


def _to(cb: AuditCb, **changes: object) -> AuditCb:
    return cb.model_copy(update=changes)


def audit_keyboard(page: AuditPage, cb: AuditCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    base = _to(cb, view=AuditView.LIST, day=page.day.toordinal() if page.day else 0)
    nav = 0
    if page.page > 0:
        kb.button(text="◀", callback_data=_to(base, page=page.page - 1))
        nav += 1
    if page.page + 1 < page.pages:
        kb.button(text="▶", callback_data=_to(base, page=page.page + 1))
        nav += 1
    kb.button(text=_("👤 Person"), callback_data=_to(base, view=AuditView.PEOPLE))
    kb.button(text=_("🏷 Kind"), callback_data=_to(base, view=AuditView.KINDS))
    kb.button(text=_("📅 Day"), callback_data=_to(base, view=AuditView.DAYS))
    kb.button(text=_("✖️ All entries"), callback_data=AuditCb(view=AuditView.LIST))
    kb.adjust(*([nav] if nav else []), 3, 1)
    return kb.as_markup()


def _choices(
    cb: AuditCb, field: str, options: list[tuple[str, int | str]]
) -> InlineKeyboardMarkup:
    """A button per value of one filter (the first: no filter), each back to the list."""
    kb = InlineKeyboardBuilder()
    for text, value in options:
        update = {"view": AuditView.LIST, field: value, "page": 0}
        kb.button(text=text, callback_data=_to(cb, **update))
    kb.adjust(2)
    return kb.as_markup()


def people_keyboard(page: AuditPage, cb: AuditCb) -> InlineKeyboardMarkup:
    people: list[tuple[str, int | str]] = [(actor_label(n), i) for i, n in page.people]
    return _choices(cb, "person", [(_("Everyone"), 0), *people])


def kinds_keyboard(page: AuditPage, cb: AuditCb) -> InlineKeyboardMarkup:
    # A kind too long for a button's data is found by person or day instead.
    kinds: list[tuple[str, int | str]] = [(action_label(k), k) for k in page.kinds if len(k) <= 24]
    return _choices(cb, "kind", [(_("Every kind"), ""), *kinds])


def days_keyboard(page: AuditPage, cb: AuditCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    yesterday = page.today - timedelta(days=1)
    for text, chosen in (
        (_("Every day"), 0),
        (_("Today"), page.today.toordinal()),
        (_("Yesterday"), yesterday.toordinal()),
    ):
        kb.button(text=text, callback_data=_to(cb, view=AuditView.LIST, day=chosen, page=0))
    kb.adjust(1, 2)
    return kb.as_markup()


def pick_text(view: AuditView) -> str:
    if view == AuditView.PEOPLE:
        return _("Whose acts?")
    if view == AuditView.KINDS:
        return _("Which kind of act?")
    return _("Which day? Or type a date: /audit 31.12.2026")


def bad_day_text() -> str:
    return _("Please type the date as 31.12.2026 (not in the future), e.g. /audit 31.12.2026.")


def audit_caption(rows: int) -> str:
    return ngettext("Audit log: {n} row", "Audit log: {n} rows", rows).format(n=whole_number(rows))
