"""Texts for the limits at the till: pauses, the merchant-wide lock, the daily cap and the
alerts about daily thresholds."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import CodesResume
from handlers.ui.render import money, time_of_day
from services.dto import Notice
from services.errors import DailyCapReached, SaleRefused


def _clock(when: datetime, timezone: str) -> str:
    return time_of_day(when, timezone)


def codes_locked_text(until: datetime, timezone: str) -> str:
    return _(
        "🔒 Code entry is locked here for safety: too many wrong codes in the last hour. "
        "The owners have been told. It reopens at {time}, or sooner if an owner or admin "
        "resumes it."
    ).format(time=_clock(until, timezone))


def cap_text(error: DailyCapReached) -> str:
    return _(
        "This sale would take the customer over the daily limit of {cap}. Left for today: {left}."
    ).format(
        cap=money(error.cap_minor, error.currency), left=money(error.left_minor, error.currency)
    )


def refusal_text(error: SaleRefused, fallback: str) -> str:
    """The daily cap's message with its amounts; any other refusal's `fallback`."""
    return cap_text(error) if isinstance(error, DailyCapReached) else fallback


def resume_keyboard(merchant_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("▶️ Resume code entry"),
                    callback_data=CodesResume(merchant_id=merchant_id).pack(),
                )
            ]
        ]
    )


def _member(d: dict[str, object]) -> str:
    if d.get("member"):
        return escape(str(d["member"]))
    return _("member #{id}").format(id=d.get("member_id"))


def _seller(d: dict[str, object]) -> str:
    return escape(str(d["staff"])) if d.get("staff") else _("an owner")


def limit_notice_text(notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    """The alerts of services/limits/ to admins and owners."""
    d = notice.data
    if notice.kind == "codes_locked":
        return ngettext(
            "🔒 Code entry at {merchant} is locked for safety: {limit} wrong code within an "
            "hour. It reopens by itself as the hour passes; to reopen it now, tap the button.",
            "🔒 Code entry at {merchant} is locked for safety: {limit} wrong codes within an "
            "hour. It reopens by itself as the hour passes; to reopen it now, tap the button.",
            int(str(d["limit"])),
        ).format(merchant=escape(str(d["merchant"])), limit=d["limit"]), resume_keyboard(
            int(str(d["merchant_id"]))
        )
    count = int(str(d["count"]))
    if "limit" not in d:  # queued before thresholds repeated
        return ngettext(
            "🚩 {member} has made {count} purchase today (latest: sale #{id}). Worth a look.",
            "🚩 {member} has made {count} purchases today (latest: sale #{id}). Worth a look.",
            count,
        ).format(member=_member(d), count=count, id=d["purchase_id"]), None
    cur = str(d["currency"])
    amount, limit, sale = int(str(d["amount"])), int(str(d["limit"])), d["purchase_id"]
    if notice.kind == "daily_amount_flag":
        text = ngettext(
            "🚩 Amount per customer per day (flagged every {limit}): {member} has bought "
            "{amount} today in {count} purchase; latest sale #{id}.",
            "🚩 Amount per customer per day (flagged every {limit}): {member} has bought "
            "{amount} today in {count} purchases; latest sale #{id}.",
            count,
        )
        limit_text = money(limit, cur)
    elif notice.kind == "staff_daily_flag":
        text = ngettext(
            "🚩 Sales per cashier per day (flagged every {limit}): {staff} has made {count} "
            "sale today, {amount} in all; latest sale #{id}.",
            "🚩 Sales per cashier per day (flagged every {limit}): {staff} has made {count} "
            "sales today, {amount} in all; latest sale #{id}.",
            count,
        )
        limit_text = str(limit)
    elif notice.kind == "staff_amount_flag":
        text = ngettext(
            "🚩 Amount per cashier per day (flagged every {limit}): {staff} has sold {amount} "
            "today in {count} sale; latest sale #{id}.",
            "🚩 Amount per cashier per day (flagged every {limit}): {staff} has sold {amount} "
            "today in {count} sales; latest sale #{id}.",
            count,
        )
        limit_text = money(limit, cur)
    else:
        text = ngettext(
            "🚩 Purchases per customer per day (flagged every {limit}): {member} has made "
            "{count} purchase today, {amount} in all; latest sale #{id}.",
            "🚩 Purchases per customer per day (flagged every {limit}): {member} has made "
            "{count} purchases today, {amount} in all; latest sale #{id}.",
            count,
        )
        limit_text = str(limit)
    return text.format(
        limit=limit_text,
        member=_member(d),
        staff=_seller(d),
        count=count,
        amount=money(amount, cur),
        id=sale,
    ), None
