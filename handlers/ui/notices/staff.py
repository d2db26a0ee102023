"""Texts of the notices to admins and owners about the till (services/notices/staff.py):
daily thresholds crossed, a cashier paused, code entry locked, a new colleague."""

from __future__ import annotations

from html import escape
from typing import assert_never

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.merchants_render import workplace_line
from handlers.ui.render import money
from services.notices import (
    CodesLockedAlert,
    CustomerAmountFlag,
    CustomerPurchasesFlag,
    DailyFlag,
    StaffAmountFlag,
    StaffJoined,
    StaffPausedAlert,
    StaffSalesFlag,
)


def placed(place: str | None, text: str) -> str:
    """A staff alert with the merchant's line on top, when the deployment has several."""
    return f"{workplace_line(place)}\n{text}" if place else text


def daily_flag_text(flag: DailyFlag) -> str:
    """A daily threshold crossed; a row queued before thresholds repeated (no limit) has a
    text of its own."""
    member = escape(flag.member) if flag.member else _("member #{id}").format(id=flag.member_id)
    if flag.limit is None:
        return placed(
            flag.place,
            ngettext(
                "🚩 {member} has made {count} purchase today (latest: sale #{id}). Worth a look.",
                "🚩 {member} has made {count} purchases today (latest: sale #{id}). Worth a look.",
                flag.count,
            ).format(member=member, count=flag.count, id=flag.purchase_id),
        )
    match flag:
        case CustomerPurchasesFlag():
            limit = str(flag.limit)
            text = ngettext(
                "🚩 Purchases per customer per day (flagged every {limit}): {member} has made "
                "{count} purchase today, {amount} in all; latest sale #{id}.",
                "🚩 Purchases per customer per day (flagged every {limit}): {member} has made "
                "{count} purchases today, {amount} in all; latest sale #{id}.",
                flag.count,
            )
        case CustomerAmountFlag():
            limit = money(flag.limit, flag.currency)
            text = ngettext(
                "🚩 Amount per customer per day (flagged every {limit}): {member} has bought "
                "{amount} today in {count} purchase; latest sale #{id}.",
                "🚩 Amount per customer per day (flagged every {limit}): {member} has bought "
                "{amount} today in {count} purchases; latest sale #{id}.",
                flag.count,
            )
        case StaffSalesFlag():
            limit = str(flag.limit)
            text = ngettext(
                "🚩 Sales per cashier per day (flagged every {limit}): {staff} has made {count} "
                "sale today, {amount} in all; latest sale #{id}.",
                "🚩 Sales per cashier per day (flagged every {limit}): {staff} has made {count} "
                "sales today, {amount} in all; latest sale #{id}.",
                flag.count,
            )
        case StaffAmountFlag():
            limit = money(flag.limit, flag.currency)
            text = ngettext(
                "🚩 Amount per cashier per day (flagged every {limit}): {staff} has sold {amount} "
                "today in {count} sale; latest sale #{id}.",
                "🚩 Amount per cashier per day (flagged every {limit}): {staff} has sold {amount} "
                "today in {count} sales; latest sale #{id}.",
                flag.count,
            )
        case _:
            assert_never(flag)
    return placed(
        flag.place,
        text.format(
            limit=limit,
            member=member,
            staff=escape(flag.staff) if flag.staff else _("an owner"),
            count=flag.count,
            amount=money(flag.amount, flag.currency),
            id=flag.purchase_id,
        ),
    )


def staff_paused_text(alert: StaffPausedAlert) -> str:
    return placed(
        alert.place,
        _("⏸ {staff} entered too many wrong codes; their sales are paused for 10 minutes.").format(
            staff=escape(alert.staff or _("An owner"))
        ),
    )


def codes_locked_alert_text(alert: CodesLockedAlert) -> str:
    return ngettext(
        "🔒 Code entry at {merchant} is locked for safety: {limit} wrong code within an "
        "hour. It reopens by itself as the hour passes; to reopen it now, tap the button.",
        "🔒 Code entry at {merchant} is locked for safety: {limit} wrong codes within an "
        "hour. It reopens by itself as the hour passes; to reopen it now, tap the button.",
        alert.limit,
    ).format(merchant=escape(alert.merchant), limit=alert.limit)


def staff_joined_text(joined: StaffJoined) -> str:
    text = (
        _("👋 {staff} accepted the invitation and joined the team as an admin.")
        if joined.role == "admin"
        else _("👋 {staff} accepted the invitation and joined the team as a cashier.")
    )
    return placed(joined.place, text.format(staff=escape(joined.staff or "—")))
