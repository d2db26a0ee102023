"""What a member reads about their own membership: the rules to accept, the card, the payment
code, the invitation, the profile and the points history."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import (
    LANGUAGE_NAMES,
    birthday_text,
    date_time,
    level_name,
    locale,
    money,
    percent,
    points,
    reason_label,
    time_of_day,
    whole_number,
)
from handlers.ui.stamp_render import card_lines
from services.dto import (
    Card,
    HistoryPage,
    IssuedCode,
    LevelInfo,
    MerchantView,
    Profile,
)
from services.policy import points_worth
from services.states import LedgerReason


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = min(width, max(0, int(fraction * width)))
    return "▰" * filled + "▱" * (width - filled)


def card_text(card: Card) -> str:
    m = card.merchant
    code = locale()
    progress = card.progress
    head, unit, tail = _card_frame(
        code, m, card.level, progress and progress.next_level, card.cashback_on
    )
    lines = [
        head,
        _("Balance: <b>{points}</b> (= {value})").format(
            points=points(card.balance_minor),
            value=money(points_worth(card.balance_minor, m.point_value_minor), m.currency),
        ),
        unit,
        "",
        tail,
    ]
    if progress is not None:
        lines.append(f"{progress_bar(progress.fraction)} {int(progress.fraction * 100)}%")
        spend = money(progress.spend_left_minor, m.currency)
        if progress.next_level.min_referrals > 0:
            lines.append(
                ngettext(
                    "Spend {spend} more, or bring {n} more friend who makes a purchase.",
                    "Spend {spend} more, or bring {n} more friends who make a purchase.",
                    progress.referrals_left,
                ).format(spend=spend, n=progress.referrals_left)
            )
        else:
            lines.append(_("Spend {spend} more.").format(spend=spend))
    lines += card_lines(card)
    return "\n".join(lines)


@lru_cache(maxsize=1024)
def _card_frame(
    code: str,
    m: MerchantView,
    level: LevelInfo,
    next_level: LevelInfo | None,
    cashback_on: bool = True,
) -> tuple[str, str, str]:
    """What a card in language `code` (the current one) says whatever the balance: the lines
    above it (merchant, level, its rates: no cashback where stamps replace it), the worth of
    a point, the top level reached or the next one. Formatted once per language, merchant and
    level."""
    share = percent(level.max_redeem_bp)
    rates = (
        _("Cashback {cashback} · pay up to {share} of a check with points").format(
            cashback=percent(level.cashback_bp), share=share
        )
        if cashback_on
        else _("Pay up to {share} of a check with points").format(share=share)
    )
    head = "\n".join(
        [
            _("💳 <b>{merchant}</b> loyalty card").format(merchant=escape(m.name)),
            "",
            _("Level: <b>{level}</b>").format(level=level_name(level)),
            rates,
        ]
    )
    unit = f"{points(1)} = {money(m.point_value_minor, m.currency)}"
    if next_level is None:
        return head, unit, _("🏆 You are at the top level. Thank you for being with us!")
    return head, unit, _("Next level: <b>{level}</b>").format(level=level_name(next_level))


def code_caption(code: IssuedCode, merchant: MerchantView) -> str:
    until = time_of_day(code.expires_at, merchant.timezone)
    minutes = max(1, code.ttl_seconds // 60)
    return ngettext(
        "🔢 Your payment code: <b>{code}</b>\n\n"
        "Show it (or the QR) at the till. It works once, until {until} ({minutes} minute).\n"
        "Asking for a new code replaces this one.",
        "🔢 Your payment code: <b>{code}</b>\n\n"
        "Show it (or the QR) at the till. It works once, until {until} ({minutes} minutes).\n"
        "Asking for a new code replaces this one.",
        minutes,
    ).format(code=f"{code.code[:3]} {code.code[3:]}", until=until, minutes=minutes) + (
        "\n\n" + paused_note() if code.paused else ""
    )


def paused_note() -> str:
    return _(
        "⏸ Your card is paused: you can't earn or spend points for now. Please contact the "
        "staff of the place."
    )


def invite_caption(link: str, merchant: MerchantView) -> str:
    return _(
        "🎁 Invite friends to <b>{merchant}</b>\n\n"
        "Share your link or let a friend scan this QR. Friends who join through it and make "
        "a purchase count towards your next level, and their purchases bring you points.\n\n"
        "{link}"
    ).format(merchant=escape(merchant.name), link=link)


def share_text(merchant: MerchantView) -> str:
    return _(
        "Join me in the {merchant} loyalty program and earn points on every purchase!"
    ).format(merchant=merchant.name)


def profile_text(profile: Profile) -> str:
    not_set = _("not set")
    lines = [
        _("👤 <b>Your profile</b>"),
        "",
        _("Name: {name}").format(name=escape(profile.first_name or "—")),
        _("Birthday: {birthday}").format(
            birthday=birthday_text(profile.birthday) if profile.birthday else not_set
        ),
        _("Phone: {phone}").format(phone=profile.phone_masked or not_set),
        _("Language: {language}").format(
            language=LANGUAGE_NAMES.get(profile.language or locale(), "English")
        ),
        _("News and offers: {state}").format(
            state=_("on") if profile.marketing_opt_in else _("off")
        ),
    ]
    if profile.member_number is not None:  # what the staff look the member up by
        lines.insert(3, _("Member number: #{number}").format(number=profile.member_number))
    if profile.birthday:
        lines += ["", _("To change your birthday, please ask the staff.")]
    return "\n".join(lines)


def history_text(page: HistoryPage, merchant: MerchantView) -> str:
    if page.total == 0:
        return _("📜 No points yet. Your purchases and rewards will show up here.")
    lines = [
        _("📜 <b>Points history</b> (page {page} of {pages})").format(
            page=page.page + 1, pages=page.pages
        ),
        "",
    ]
    for e in page.entries:
        when = date_time(e.created_at, merchant.timezone)
        sign = "+" if e.delta_minor > 0 else "−"
        label = reason_label(e.reason)
        if e.reward is not None and e.reason == LedgerReason.REWARD:
            label = _("🎁 Reward: {name}").format(name=e.reward)
        elif e.reward is not None and e.reason == LedgerReason.REWARD_RETURNED:
            label = _("Voucher lapsed: {name}").format(name=e.reward)
        lines.append(f"{when}  <b>{sign}{whole_number(abs(e.delta_minor))}</b>  {escape(label)}")
        if e.reason == LedgerReason.ADJUSTMENT and e.note:  # what the admin typed, to them
            lines.append(f"    ↳ <i>{escape(e.note)}</i>")
    lines += ["", _("Balance: <b>{points}</b>").format(points=points(page.balance_minor))]
    return "\n".join(lines)
