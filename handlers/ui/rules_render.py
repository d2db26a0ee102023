"""The rules a person accepts to join, written from the program's settings in their language:
what each level gives, what a point is worth, the bonuses, the referral shares, the birthday
gift, expiry, the stamp card, the gifts, promotions and vouchers; then what is stored about
them."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import level_name, money, percent, points
from services.dto import LevelInfo
from services.policy import bonus_points
from services.program import Program


def reach_text(level: LevelInfo, currency: str) -> str:
    """What reaches a level: from the first purchase, a spend, or a spend or friends."""
    if level.min_spend_minor == 0 and level.min_referrals == 0:
        return _("from your first purchase")
    spend = money(level.min_spend_minor, currency)
    if level.min_referrals > 0:
        return ngettext(
            "from {spend} spent or {n} friend who made a purchase",
            "from {spend} spent or {n} friends who made a purchase",
            level.min_referrals,
        ).format(spend=spend, n=level.min_referrals)
    return _("from {spend} spent").format(spend=spend)


def _levels(program: Program) -> list[str]:
    currency = program.merchant.currency
    lines = []
    for lv in program.levels:
        rates = (
            _("cashback {cashback}, points pay up to {share} of a check")
            if program.cashback_on
            else _("points pay up to {share} of a check")
        ).format(cashback=percent(lv.cashback_bp), share=percent(lv.max_redeem_bp))
        lines.append(f"  {level_name(lv)} ({reach_text(lv, currency)}): {rates}")
    return lines


def _bonuses(program: Program) -> list[str]:
    value = program.point_value_minor
    lines = []
    if program.welcome_bonus_minor:
        lines.append(
            _("• Welcome bonus: {points}.").format(
                points=points(bonus_points(program.welcome_bonus_minor, value))
            )
        )
    rates = [bp for bp in program.referral_rates_bp if bp]
    if program.referral_bonus_minor or rates:
        lines.append(
            _(
                "• For each friend you invite: {points} after their first purchase, and "
                "{shares} of what your friends (and their friends, and theirs) pay."
            ).format(
                points=points(bonus_points(program.referral_bonus_minor, value)),
                shares=" / ".join(percent(bp) for bp in program.referral_rates_bp),
            )
        )
    if program.birthday_bonus_minor:
        days = program.birthday_bonus_days
        lines.append(
            ngettext(
                "• Birthday gift: {points}, to use within {days} day.",
                "• Birthday gift: {points}, to use within {days} days.",
                days,
            ).format(points=points(bonus_points(program.birthday_bonus_minor, value)), days=days)
        )
    months = program.points_lifetime_months
    if months:
        lines.append(
            ngettext(
                "• Points expire {n} month after they were earned, the oldest first.",
                "• Points expire {n} months after they were earned, the oldest first.",
                months,
            ).format(n=months)
        )
    else:
        lines.append(_("• Points do not expire."))
    return lines


def welcome_gift_text(reward: str) -> str:
    """What a new member reads when the welcome gift's voucher was issued to them."""
    return _(
        "🎁 A welcome gift is waiting: <b>{reward}</b> — show it at the till. "
        "Your vouchers: /vouchers"
    ).format(reward=escape(reward))


def _stamps(program: Program, rewards: Mapping[int, str]) -> list[str]:
    """The stamp card: how many stamps, for what, and what earns one."""
    rule, currency = program.stamp_rule, program.merchant.currency
    if rule is None or program.stamp_reward_id is None:
        return []
    if rule.step_minor is not None:
        per = _("one per full {step} of a check").format(step=money(rule.step_minor, currency))
    elif rule.min_amount_minor:
        per = _("one per purchase from {amount}").format(
            amount=money(rule.min_amount_minor, currency)
        )
    else:
        per = _("one per purchase")
    if rule.step_minor is not None and rule.min_amount_minor:
        per += ", " + _("from {amount}").format(amount=money(rule.min_amount_minor, currency))
    if rule.daily_once:
        per += ", " + _("at most one a day")
    return [
        ngettext(
            "• Stamp card: collect {n} stamp, {per}, for {reward}. A full card becomes a "
            "voucher to show at the till.",
            "• Stamp card: collect {n} stamps, {per}, for {reward}. A full card becomes a "
            "voucher to show at the till.",
            rule.needed,
        ).format(n=rule.needed, per=per, reward=_reward(rewards, program.stamp_reward_id))
    ]


def _reward(rewards: Mapping[int, str], reward_id: int | None) -> str:
    return escape(rewards.get(reward_id or 0) or _("a gift"))


def _gifts(program: Program, rewards: Mapping[int, str]) -> list[str]:
    """The welcome gift, the invited friend's gift, promotions and vouchers."""
    lines = []
    if program.welcome_reward_id is not None:
        lines.append(
            _("• Welcome gift: {reward}, once.").format(
                reward=_reward(rewards, program.welcome_reward_id)
            )
        )
    gift = bonus_points(program.friend_gift_minor, program.point_value_minor)
    friend = program.friend_reward_id
    if gift and friend is not None:
        text = _("• A friend you invite gets {points} and {reward} with their first purchase.")
    elif gift:
        text = _("• A friend you invite gets {points} with their first purchase.")
    elif friend is not None:
        text = _("• A friend you invite gets {reward} with their first purchase.")
    else:
        text = ""
    if text:
        lines.append(text.format(points=points(gift), reward=_reward(rewards, friend)))
    lines += [
        _(
            "• Promotions may multiply cashback (or add stamps) at some hours; the card and "
            "the receipt say when one applied."
        ),
        _(
            "• Rewards for points: the points are reserved when you claim a voucher, and come "
            "back if it lapses unredeemed."
        ),
    ]
    return lines


def rules_text(
    program: Program, changed: bool = False, rewards: Mapping[int, str] | None = None
) -> str:
    """The program's rules as its settings are now, and the privacy lines. `changed`: for a
    member who accepted an earlier version (no welcome: they are not joining). `rewards`:
    the names of the rewards the stamp card and the gifts give."""
    rewards = rewards or {}
    merchant = program.merchant
    unit = money(merchant.point_value_minor, merchant.currency)
    head = (
        _("📜 The rules of <b>{merchant}</b> have changed. Please read them and accept to go on.")
        if changed
        else _("👋 Welcome to the loyalty program of <b>{merchant}</b>!")
    )
    lines = [
        head.format(merchant=escape(merchant.name)),
        "",
        _("<b>Program rules</b>"),
        _("• You earn cashback in points on every purchase; 1 point = {unit}.").format(unit=unit)
        if program.cashback_on
        else _("• Purchases earn stamps instead of cashback; 1 point = {unit}.").format(unit=unit),
        _("• Cashback and the share of a check you can pay with points, by level:")
        if program.cashback_on
        else _("• The share of a check you can pay with points, by level:"),
        *_levels(program),
        *_stamps(program, rewards),
        *_bonuses(program),
        *_gifts(program, rewards),
        _(
            "• We store your Telegram id, first name, your purchases and points, and what you "
            "choose to add to your profile (birthday, phone). Staff see only your first name and "
            "a masked phone."
        ),
        _("• News and offers are a separate choice; you can change it at any time."),
        "",
        _("Press <b>Accept</b> to go on.") if changed else _("Press <b>Accept</b> to join."),
    ]
    return "\n".join(lines)
