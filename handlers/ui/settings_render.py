"""What owners and admins read and press in /settings: the program's values, the prompt for
a new one, the preview of a change (before -> after) and what was saved. Each message names
the merchant being edited."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from handlers.ui.render import (
    babel_locale,
    level_name,
    locale,
    money,
    percent,
    translated_level,
    whole_number,
)
from handlers.ui.rules_render import reach_text
from handlers.ui.settings_gifts_render import (
    gift_labels,
    reward_hint,
    reward_shown,
    step_hint,
    step_shown,
)
from services import policy
from services.policy.program_changes import (
    LEVEL_KEYS,
    SPECS,
    Kind,
    SettingKey,
    Value,
)
from services.program import Program
from services.program_gifts import RewardChoice
from services.program_settings import Change, Current, Saved, Screen, value_of


def _labels() -> dict[SettingKey, str]:
    return {
        SettingKey.WELCOME_BONUS: _("Welcome bonus"),
        SettingKey.REFERRAL_BONUS: _("Bonus for a friend's first purchase"),
        SettingKey.REFERRAL_1: _("Share of friends' purchases"),
        SettingKey.REFERRAL_2: _("Share of their friends' purchases"),
        SettingKey.REFERRAL_3: _("Share of the third circle's purchases"),
        SettingKey.BIRTHDAY_BONUS: _("Birthday gift"),
        SettingKey.BIRTHDAY_DAYS: _("Days to use the birthday gift"),
        SettingKey.EXPIRY: _("Points expire after (months)"),
        SettingKey.POINT_VALUE: _("Value of one point"),
        SettingKey.MAX_SALE: _("Largest check"),
        SettingKey.DAILY_CAP: _("Most a customer may spend a day"),
        SettingKey.DAILY_AMOUNT_FLAG: _("Flag a customer's spending a day from"),
        SettingKey.DAILY_PURCHASES_FLAG: _("Flag a customer's purchases a day from"),
        SettingKey.STAFF_SALES_FLAG: _("Flag a cashier's sales a day from"),
        SettingKey.STAFF_AMOUNT_FLAG: _("Flag a cashier's takings a day from"),
        SettingKey.RECEIPT: _("Receipt number required"),
        SettingKey.CODE_TTL: _("Payment code lifetime"),
        SettingKey.LEVEL_NAME: _("Name"),
        SettingKey.LEVEL_SPEND: _("Spend to reach it"),
        SettingKey.LEVEL_REFERRALS: _("Friends to reach it"),
        SettingKey.LEVEL_CASHBACK: _("Cashback"),
        SettingKey.LEVEL_REDEEM: _("Share of a check payable with points"),
        SettingKey.LEVEL_REMOVE: _("Level"),
        SettingKey.LEVEL_ADD: _("New level"),
        **gift_labels(),
    }


def label(key: SettingKey, rank: int | None = None, prog: Program | None = None) -> str:
    text = _labels()[key]
    if rank is not None and prog is not None and key in LEVEL_KEYS:
        level = next((lv for lv in prog.levels if lv.rank == rank), None)
        return f"{level_name(level)}: {text}" if level else text
    return text


def level_label(name: str) -> str:
    """A level's stored name as the reader reads it, escaped: a default name translated."""
    return escape(translated_level(name))


def stored_name(stored: Value, typed: str) -> str:
    """What the owner typed for a level's name; the stored default name when they typed its
    translation (Бронза for Bronze): the same name, so nothing to change."""
    if isinstance(stored, str) and typed.strip() == translated_level(stored):
        return stored
    return typed


def shown(
    key: SettingKey, value: Value, currency: str, rewards: tuple[RewardChoice, ...] = ()
) -> str:
    """A value as the reader writes it (a reward setting's: the name among `rewards`)."""
    kind = SPECS[key].kind if key in SPECS else Kind.NAME
    if kind is Kind.REWARD:
        return reward_shown(value, rewards)
    if key is SettingKey.STAMP_STEP:
        return step_shown(value, currency)
    if value is None:
        if key is SettingKey.LEVEL_ADD:
            return "—"
        if key is SettingKey.EXPIRY:
            return _("never")
        return _("removed") if key is SettingKey.LEVEL_REMOVE else _("turned off")
    if kind is Kind.FLAG:
        return _("yes") if value else _("no")
    if kind is Kind.NAME:
        return level_label(str(value))
    number = int(value)
    if kind in (Kind.MONEY, Kind.PRICE, Kind.MONEY_OR_OFF):
        return money(number, currency)
    if kind is Kind.PERCENT:
        return percent(number)
    if kind is Kind.MINUTES:
        minutes = number // 60
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    if key is SettingKey.EXPIRY:
        return ngettext("{n} month", "{n} months", number).format(n=number)
    return whole_number(number)


def _title(prog: Program, stamped: bool) -> str:
    """The merchant's name, unless the workplace stamp above the message names it already."""
    if stamped:
        return _("⚙️ Program settings")
    return _("⚙️ Settings of <b>{merchant}</b>").format(merchant=escape(prog.merchant.name))


def settings_text(screen: Screen, stamped: bool = False) -> str:
    prog, currency = screen.program, screen.program.merchant.currency
    lines = [_title(prog, stamped), ""]
    for lv in prog.levels:
        lines.append(
            _("{level}: cashback {cashback}, points pay up to {share}").format(
                level=level_name(lv),
                cashback=percent(lv.cashback_bp),
                share=percent(lv.max_redeem_bp),
            )
        )
    lines.append("")
    for key in SPECS:
        if key.value in LEVEL_FIELDS:
            continue
        value = shown(key, value_of(prog, key, None), currency, screen.rewards)
        lines.append(f"{label(key)}: <b>{value}</b>")
    if screen.points_issued:
        lines += ["", _("The value of a point is fixed: members hold points already.")]
    lines += ["", _("Choose what to change:")]
    return "\n".join(lines)


LEVEL_FIELDS = {"name", "min_spend_minor", "min_referrals", "cashback_bp", "max_redeem_bp"}


def levels_text(prog: Program, stamped: bool = False) -> str:
    currency = prog.merchant.currency
    lines = [_title(prog, stamped), "", _("<b>Levels</b>")]
    for lv in prog.levels:
        lines.append(
            _("{level}: {reach}; cashback {cashback}, points pay up to {share}").format(
                level=level_name(lv),
                reach=reach_text(lv, currency),
                cashback=percent(lv.cashback_bp),
                share=percent(lv.max_redeem_bp),
            )
        )
    return "\n".join(lines)


def _amount_hint(currency: str, zero_for_none: bool) -> str:
    """How to type an amount, with examples the currency takes, as the reader writes them:
    5 or 2.50 (2,50 in Russian, Polish, Hungarian); 500 where there are no smaller units."""
    exponent = policy.currency_exponent(currency)
    if exponent == 0 or policy.whole_units_only(currency):
        whole = whole_number(500)
        if zero_for_none:
            return _("Send a whole amount, for example {whole}; 0 for none.").format(whole=whole)
        return _("Send a whole amount, for example {whole}.").format(whole=whole)
    fraction = format_decimal(
        Decimal(250).scaleb(-2),
        format="0." + "0" * exponent,
        locale=babel_locale(locale()),
        group_separator=False,
    )
    if zero_for_none:
        return _("Send the amount, for example {whole} or {fraction}; 0 for none.").format(
            whole=whole_number(5), fraction=fraction
        )
    return _("Send the amount, for example {whole} or {fraction}.").format(
        whole=whole_number(5), fraction=fraction
    )


def prompt_text(current: Current, stamped: bool = False) -> str:
    prog, key = current.program, current.key
    currency = prog.merchant.currency
    hints: dict[Kind, Callable[[], str]] = {
        Kind.MONEY: lambda: _amount_hint(currency, zero_for_none=True),
        Kind.PRICE: lambda: _amount_hint(currency, zero_for_none=False),
        Kind.MONEY_OR_OFF: lambda: _("Send the amount, for example 500; 0 turns it off."),
        Kind.PERCENT: lambda: _("Send a percentage, for example 5, 2.5 or 5%."),
        Kind.COUNT: lambda: _("Send a whole number."),
        Kind.COUNT_OR_OFF: lambda: _("Send a whole number; 0 turns it off."),
        Kind.MINUTES: lambda: _("Send the number of minutes, 1 to 60."),
        Kind.NAME: lambda: _("Send the new name, at most 40 characters."),
        Kind.REWARD: lambda: reward_hint(key),
    }
    if key is SettingKey.STAMP_STEP:
        hints[Kind.MONEY_OR_OFF] = step_hint
    if key is SettingKey.LEVEL_ADD:
        ask = _(
            "Send the name of the new level, at most 40 characters. It starts with the "
            "thresholds and rates of the top level: change them next."
        )
        return "\n".join([_title(prog, stamped), "", ask, _("Send /cancel to leave it as it is.")])
    now = shown(key, current.value, currency, current.rewards)
    return "\n".join(
        [
            _title(prog, stamped),
            "",
            _("{setting} is now <b>{value}</b>.").format(
                setting=label(key, current.rank, prog), value=now
            ),
            hints[SPECS[key].kind](),
            _("Send /cancel to leave it as it is."),
        ]
    )


def preview_text(change: Change, prog: Program, stamped: bool = False) -> str:
    currency = prog.merchant.currency
    lines = [
        _title(prog, stamped),
        "",
        _("{setting}: {before} → <b>{after}</b>").format(
            setting=label(change.key, change.rank, prog),
            before=shown(change.key, change.before_name or change.before, currency),
            after=shown(change.key, change.after_name or change.after, currency),
        ),
    ]
    if change.worse:
        lines += [
            "",
            _(
                "This takes something from members: they will be asked to accept the new rules "
                "at their next visit. Tell them about the change now as well?"
            ),
        ]
    return "\n".join(lines)


def saved_text(saved: Saved) -> str:
    change, prog = saved.change, saved.program
    if saved.again:
        return _("Already saved.")
    text = _("✅ Saved for <b>{merchant}</b>: {setting} is now {value}.").format(
        merchant=escape(prog.merchant.name),
        setting=label(change.key, change.rank, prog),
        value=shown(change.key, change.after_name or change.after, prog.merchant.currency),
    )
    if saved.told:
        text += "\n" + ngettext(
            "{n} member will be told and asked to accept the rules again.",
            "{n} members will be told and asked to accept the rules again.",
            saved.told,
        ).format(n=saved.told)
    elif saved.new_rules:
        text += "\n" + _("Members will be asked to accept the new rules at their next visit.")
    return text


def changed_text(current: Current) -> str:
    prog = current.program
    return _(
        "Not saved: the program of <b>{merchant}</b> changed since this preview. {setting} is "
        "now <b>{value}</b>. Open /settings to change it again."
    ).format(
        merchant=escape(prog.merchant.name),
        setting=label(current.key, current.rank, prog),
        value=shown(current.key, current.value, prog.merchant.currency, current.rewards),
    )
