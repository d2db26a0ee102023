"""Texts for staff and admins, and for the messages a purchase sends to others."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import (
    CatalogCb,
    NpsScore,
    PointsChoice,
    Rate,
    ReceiptAdd,
    RefundDecision,
    SaleDecision,
    StaffInviteCb,
    StaffRevokeCb,
)
from handlers.ui.limits_render import limit_notice_text
from handlers.ui.render import (
    DEFAULT_LEVEL_NAMES,
    amount_example,
    currency_sign,
    date_time,
    level_name,
    money,
    points,
    time_of_day,
)
from services.dto import Notice
from services.limits import THRESHOLD_KINDS
from services.policy import points_worth
from services.sales import (
    DayReport,
    RefundPreview,
    RefundResult,
    SaleDraft,
    SaleResult,
    Till,
)
from services.staff import StaffMember

STARS = "★★★★★"


def amount_error(reason: str, limit: int, currency: str, whole: int | None = None) -> str:
    example = amount_example(currency)
    return {
        "decimals": _("Too many decimal places. Send the amount like {example}.").format(
            example=example
        ),
        "whole": _(
            "Amounts in {currency} are whole numbers, without decimals: send the amount "
            "like {example}."
        ).format(currency=currency_sign(currency), example="1990" if whole is None else whole),
        "zero": _("The amount must be more than zero."),
        "too_large": _(
            "That is over the limit for one sale ({limit}). Check the amount or ask an admin."
        ).format(limit=money(limit, currency)),
        "points_format": _("Send a whole number of points, for example 0 or 150."),
        "refund_too_large": _("That is more than is left to refund on this purchase."),
    }.get(reason, _("Send the amount as a number, for example {example}.").format(example=example))


def code_error(reason: str) -> str:
    return {
        "used": _("This code has already been used. Ask the customer for a new one (/code)."),
        "expired": _("This code has expired. Ask the customer for a new one (/code)."),
    }.get(reason, _("No customer has this code. Check the 6 digits and try again."))


def paused_text(until: datetime, timezone: str) -> str:
    return _(
        "⏸ Too many wrong codes. Sales are paused until {until}; the admins have been told."
    ).format(until=time_of_day(until, timezone))


def till_text(till: Till) -> str:
    who = escape(till.first_name or "—")
    if till.phone_masked:
        who += f" · {till.phone_masked}"
    return _("👤 {who}\nLevel: {level} · balance {points}").format(
        who=who, level=level_name(till.level), points=points(till.balance)
    )


def ask_amount(till: Till) -> str:
    return (
        till_text(till)
        + "\n\n"
        + _("Enter the check amount in {currency}, for example {example}:").format(
            currency=currency_sign(till.currency), example=amount_example(till.currency)
        )
    )


def order_text(till: Till) -> str:
    return (
        till_text(till)
        + "\n\n"
        + _("🛍 Pre-order #{id}: {amount}.").format(
            id=till.order_id, amount=money(till.order_total_minor or 0, till.currency)
        )
    )


def ask_receipt() -> str:
    return _("Enter the receipt number:")


def preview_text(draft: SaleDraft) -> str:
    cur = draft.till.currency
    lines = [
        _("🧾 <b>Check the sale</b>"),
        till_text(draft.till),
        "",
    ]
    if draft.till.order_id is not None:
        lines.append(
            _("🛍 Pre-order #{id}: {amount}.").format(
                id=draft.till.order_id, amount=money(draft.amount_minor, cur)
            )
        )
    value = draft.till.point_value

    def worth(n: int) -> str:  # what the points are worth, as the receipt says it
        return f" (= {money(points_worth(n, value), cur)})" if n else ""

    lines += [
        _("Check: {amount}").format(amount=money(draft.amount_minor, cur)),
        _("Points to spend: {points}").format(points=points(draft.points_spent))
        + worth(draft.points_spent),
        _("To pay: <b>{amount}</b>").format(amount=money(draft.to_pay_minor, cur)),
        _("Cashback to earn: {points}").format(points=points(draft.cashback))
        + worth(draft.cashback),
    ]
    if draft.receipt_no:
        lines.append(_("Receipt: {receipt}").format(receipt=escape(draft.receipt_no)))
    if draft.max_points:
        lines.append(
            _("The customer may spend up to {points} on this check.").format(
                points=points(draft.max_points)
            )
        )
    return "\n".join(lines)


def preview_keyboard(draft: SaleDraft) -> InlineKeyboardMarkup:
    """Confirm and Cancel, and the choices still open: points to spend, a receipt number.
    Every button carries the draft's key; a choice makes a new draft with a new key."""
    key = draft.key
    rows = [
        [
            InlineKeyboardButton(
                text=_("💳 Spend {points}").format(points=points(n))
                if n
                else _("💳 Spend no points"),
                callback_data=PointsChoice(key=key, points=n).pack(),
            )
        ]
        for n in draft.points_choices
    ]
    if not draft.till.receipt_required:
        label = _("🧾 Change receipt no.") if draft.receipt_no else _("🧾 Add receipt no.")
        rows.append([InlineKeyboardButton(text=label, callback_data=ReceiptAdd(key=key).pack())])
    return InlineKeyboardMarkup(
        inline_keyboard=[
            *rows,
            [
                InlineKeyboardButton(
                    text=_("✅ Confirm"), callback_data=SaleDecision(key=key, confirm=True).pack()
                ),
                InlineKeyboardButton(
                    text=_("✖️ Cancel"), callback_data=SaleDecision(key=key, confirm=False).pack()
                ),
            ],
        ]
    )


def confirmed_text(result: SaleResult) -> str:
    cur = result.currency
    return _(
        "✅ Sale #{id} confirmed.\n"
        "Check {amount}, paid {paid}; {spent} spent, {earned} earned.\n"
        "The customer's balance is now {balance}."
    ).format(
        id=result.purchase_id,
        amount=money(result.amount_minor, cur),
        paid=money(result.paid_minor, cur),
        spent=points(result.points_spent),
        earned=points(result.cashback),
        balance=points(result.balance_after),
    )


def sale_refused(reason: str) -> str:
    return {
        "points_over_max": _("That is more points than this check allows."),
        "receipt_required": _("A receipt number is required."),
        "receipt_taken": _("A sale with this receipt number already exists."),
        "code_used": _("The customer's code was used or replaced meanwhile. Start again."),
        "code_expired": _("The customer's code has expired. Ask them for a new one (/code)."),
        "own_purchase": _("You can't confirm a purchase of your own. Ask a colleague."),
        "expired_draft": _("This preview is too old. Start the sale again."),
        "balance_changed": _(
            "The customer's balance changed meanwhile (points were spent elsewhere). "
            "Start the sale again."
        ),
        "already_refunded": _("This purchase is already fully refunded."),
        "refund_done": _("Already refunded."),
        "refund_changed": _(
            "This sale was refunded by someone else meanwhile. Send /refund again to see "
            "what is left."
        ),
    }.get(reason, _("This sale is no longer open."))


def refund_text(result: RefundResult) -> str:
    cur = result.currency
    text = _(
        "↩️ Refund of {amount} on sale #{id}.\n"
        "Hand back <b>{cash}</b>. Points returned to the customer: {returned}; "
        "cashback taken back: {reversed}."
    ).format(
        amount=money(result.amount_minor, cur),
        id=result.purchase_id,
        cash=money(result.cash_refund_minor, cur),
        returned=points(result.points_returned),
        reversed=points(result.cashback_reversed - result.shortfall),
    )
    return text + _spent_cashback_line(result.shortfall) + _level_lost_line(result.level_reversed)


def _spent_cashback_line(shortfall: int) -> str:
    """To the cashier: cashback already spent is kept from the money handed back."""
    if not shortfall:
        return ""
    return "\n" + _(
        "The customer had already spent {points} of the cashback, so that much is kept "
        "from the money handed back."
    ).format(points=points(shortfall))


def _level_lost_line(points_taken: int) -> str:
    """To the cashier: the cashback of a level the refund takes away goes back too."""
    if not points_taken:
        return ""
    return "\n" + _(
        "Without the refunded amount the customer's level would have been lower, so cashback "
        "earned at the higher level since then is taken back too: {points}."
    ).format(points=points(points_taken))


def refund_preview_text(preview: RefundPreview) -> str:
    """What /refund will do, for the cashier to confirm before anything is written."""
    cur = preview.currency
    when = date_time(preview.confirmed_at, preview.timezone)
    who = (
        escape(preview.customer_name)
        if preview.customer_name
        else _("member #{id}").format(id=preview.member_no)
    )
    lines = [
        _("↩️ <b>Refund on sale #{id}?</b>").format(id=preview.purchase_id),
        _("Customer: {who}").format(who=who),
        _("Sale of {date}").format(date=when),
        _("Amount to refund: {amount}").format(amount=money(preview.amount_minor, cur)),
        "",
        _("Hand back: <b>{cash}</b>").format(cash=money(preview.cash_refund_minor, cur)),
        _("Points returned to the customer: {points}").format(
            points=points(preview.points_returned)
        ),
        _("Cashback taken back: {points}").format(points=points(preview.cashback_taken)),
    ]
    return (
        "\n".join(lines)
        + _spent_cashback_line(preview.shortfall)
        + _level_lost_line(preview.level_reversed)
    )


def refund_keyboard(preview: RefundPreview) -> InlineKeyboardMarkup:
    def button(text: str, confirm: bool) -> InlineKeyboardButton:
        data = RefundDecision(
            purchase_id=preview.purchase_id,
            amount=preview.amount_minor,
            before=preview.refunded_before,
            confirm=confirm,
        )
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[[button(_("✅ Refund"), True), button(_("✖️ Cancel"), False)]]
    )


def _level_reversed_line(extra: int) -> str:
    if not extra:
        return ""
    return "\n" + _(
        "Without the refunded amount your level would have been lower, so cashback earned at "
        "the higher level since then is taken back too: {points}."
    ).format(points=points(extra))


def _kept_line(kept: int, currency: str) -> str:
    """Cashback the customer had spent can't come off the balance: the money refund paid it."""
    if not kept:
        return ""
    return "\n" + _(
        "You had already spent {points} of the cashback from this purchase, so {money} was "
        "kept back from the money returned to you."
    ).format(points=points(kept), money=money(kept, currency))


def _cash_line(cash: object, currency: str) -> str:
    """How much of the refund comes back as money (rows queued before it was said: nothing)."""
    if cash is None:
        return ""
    return "\n" + _("Money back to you: {cash}.").format(cash=money(int(str(cash)), currency))


def referral_reversed_text(d: dict[str, object]) -> str:
    """To a referrer: a friend's purchase was refunded, so part of the reward goes back."""
    friend = d.get("friend")
    if friend:
        text = _(
            "↩️ {friend}'s purchase was refunded, so your reward was reduced by {points}."
        ).format(friend=escape(str(friend)), points=points(int(str(d["points"]))))
    else:
        text = _(
            "↩️ A purchase that earned you a referral reward was refunded, so that reward was "
            "reduced by {points}."
        ).format(points=points(int(str(d["points"]))))
    owed = int(str(d.get("owed") or 0))
    if owed:
        text += "\n" + _(
            "You had already spent {points} of it, so that much will come off your next points."
        ).format(points=points(owed))
    level = int(str(d.get("level_reversed") or 0))
    if level:
        text += "\n" + _(
            "That purchase no longer counts toward your level, so the extra cashback your own "
            "purchases earned at the higher level is taken back too: {points}."
        ).format(points=points(level))
    balance = _("Balance: <b>{points}</b>").format(points=points(int(str(d["balance"]))))
    return text + "\n" + balance


def day_report_text(report: DayReport) -> str:
    if not report.lines:
        return _("No sales today yet.")
    title = _("🧾 <b>All sales today</b>") if report.everyone else _("🧾 <b>Your sales today</b>")
    lines = [title, ""]
    for line in report.lines:
        when = time_of_day(line.confirmed_at, report.timezone)
        row = f"{when}  #{line.purchase_id}  {money(line.amount_minor, report.currency)}"
        if line.refunded_minor:
            row += "  " + _("(refunded {amount})").format(
                amount=money(line.refunded_minor, report.currency)
            )
        if report.everyone:
            row += f"  · {escape(line.staff_name)}"
        lines.append(row)
    lines += [
        "",
        ngettext("{n} sale, {total}", "{n} sales, {total}", len(report.lines)).format(
            n=len(report.lines), total=money(report.total_minor, report.currency)
        ),
    ]
    if report.everyone and len(report.per_staff) > 1:
        for name, count, amount in report.per_staff:
            lines.append(f"• {escape(name)}: {count} · {money(amount, report.currency)}")
    return "\n".join(lines)


def staff_text(members: list[StaffMember]) -> str:
    roles = {"admin": _("admin"), "staff": _("cashier")}
    lines = [_("👥 <b>Staff</b>"), ""]
    if not members:
        lines.append(_("Nobody yet. Invite a cashier with the button below."))
    for m in members:
        lines.append(f"• {escape(m.name)} — {roles.get(m.role, _('staff member'))}")
    return "\n".join(lines)


def staff_keyboard(members: list[StaffMember]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=_("➕ Invite a cashier"), callback_data=StaffInviteCb(role="staff").pack()
            ),
            InlineKeyboardButton(
                text=_("➕ Invite an admin"), callback_data=StaffInviteCb(role="admin").pack()
            ),
        ]
    ]
    for m in members:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("🚫 Revoke {name}").format(name=m.name),
                    callback_data=StaffRevokeCb(staff_id=m.id).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def invite_text(link: str, role: str) -> str:
    if role == "admin":
        return _(
            "Send this link to the new admin. It works once, within 24 hours:\n{link}"
        ).format(link=link)
    return _("Send this link to the new cashier. It works once, within 24 hours:\n{link}").format(
        link=link
    )


def rating_keyboard(purchase_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{n}⭐", callback_data=Rate(purchase_id=purchase_id, stars=n).pack()
                )
                for n in range(1, 6)
            ]
        ]
    )


def expiry_warning_text(amount: int, days: int) -> str:
    """The verb agrees with the points (wygasną 2 punkty), the days have their own plural."""
    within = ngettext("in {days} day", "in {days} days", days).format(days=days)
    return ngettext(
        "⏳ {points} will expire {within}. Use it on your next visit!",
        "⏳ {points} will expire {within}. Use them on your next visit!",
        amount,
    ).format(points=points(amount), within=within)


def push_done_text(d: dict[str, object]) -> str:
    """Each count on its own line after a label, so no count bends a verb."""
    return "\n".join(
        [
            _("📣 Push #{id} is done.").format(id=d["campaign_id"]),
            _("Delivered: {sent} of {recipients}").format(
                sent=d["sent"], recipients=d["recipients"]
            ),
            _("Blocked the bot: {blocked}").format(blocked=d["blocked"]),
            _("Not delivered (errors): {failed}").format(failed=d["failed"]),
        ]
    )


def _level_label(name: str) -> str:
    return _(name) if name in DEFAULT_LEVEL_NAMES else name


def notice_text(notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    """A message to a customer or an admin about something that just happened."""
    d = notice.data
    if notice.kind == "receipt":
        cur = str(d["currency"])
        lines = [
            _("🧾 Thank you for your purchase at {merchant}!").format(
                merchant=escape(str(d["merchant"]))
            ),
            _("Check: {amount}").format(amount=money(int(str(d["amount"])), cur)),
        ]
        value = int(str(d.get("point_value", 1)))  # rows queued before point values: 1

        def worth(n: int) -> str:  # what the points are worth, in money
            return f" (= {money(points_worth(int(n), value), cur)})"

        if d["spent"]:
            lines.append(
                _("Points spent: {points}").format(points=points(int(str(d["spent"]))))
                + worth(int(str(d["spent"])))
            )
        lines.append(
            _("Points earned: +{points}").format(points=points(int(str(d["earned"]))))
            + worth(int(str(d["earned"])))
        )
        lines.append(
            _("Balance: <b>{points}</b>").format(points=points(int(str(d["balance"]))))
            + worth(int(str(d["balance"])))
        )
        if d["level_up"]:
            lines += [
                "",
                _("🎉 New level: <b>{level}</b>!").format(
                    level=escape(_level_label(str(d["level"])))
                ),
            ]
        lines += ["", _("How was it? Rate your purchase:")]
        return "\n".join(lines), rating_keyboard(int(str(d["purchase_id"])))
    if notice.kind == "referral_reward":
        lines = []
        if d["bonus"]:
            lines.append(
                _("🎁 Your friend {friend} made a first purchase: +{points}!").format(
                    friend=escape(str(d["friend"] or "")), points=points(int(str(d["points"])))
                )
            )
        elif d["points"]:
            lines.append(
                _("🎁 +{points} for a purchase by a friend you invited.").format(
                    points=points(int(str(d["points"])))
                )
            )
        lines.append(_("Balance: <b>{points}</b>").format(points=points(int(str(d["balance"])))))
        if d["level_up"]:
            lines.append(
                _("🎉 New level: <b>{level}</b>!").format(
                    level=escape(_level_label(str(d["level"])))
                )
            )
        return "\n".join(lines), None
    if notice.kind == "refund":
        cur = str(d["currency"])
        return _(
            "↩️ {amount} of purchase #{id} was refunded.\n"
            "Points returned: {returned}; cashback taken back: {reversed}.\n"
            "Balance: <b>{balance}</b>"
        ).format(
            amount=money(int(str(d["amount"])), cur),
            id=d["purchase_id"],
            returned=points(int(str(d["returned"]))),
            reversed=points(int(str(d["reversed"]))),
            balance=points(int(str(d["balance"]))),
        ) + _cash_line(d.get("cash"), cur) + _kept_line(
            int(str(d.get("kept") or 0)), cur
        ) + _level_reversed_line(int(str(d.get("level_reversed") or 0))), None
    if notice.kind == "referral_reversed":
        return referral_reversed_text(d), None
    if notice.kind == "low_rating":
        when = d.get("confirmed_at")
        text = _(
            "⚠️ Low rating {stars} for sale #{id} ({amount}) by {staff}, customer {customer}."
        ).format(
            stars=STARS[: int(str(d["stars"]))],
            id=d["purchase_id"],
            amount=money(int(str(d["amount"])), str(d["currency"])),
            staff=escape(str(d["staff"])),
            customer=escape(str(d["customer"] or "—")),
        )
        if isinstance(when, datetime):
            text += "\n" + date_time(when, str(d["timezone"]))
        if d.get("comment"):
            text += "\n" + _("Comment: {comment}").format(comment=escape(str(d["comment"])))
        return text, None
    if notice.kind in (*THRESHOLD_KINDS, "codes_locked"):
        return limit_notice_text(notice)
    if notice.kind == "birthday":
        days = int(str(d.get("days", 14)))
        return ngettext(
            "🎂 Happy birthday from {merchant}! Here is a gift: +{points}, valid for {days} "
            "day.\nBalance: <b>{balance}</b>",
            "🎂 Happy birthday from {merchant}! Here is a gift: +{points}, valid for {days} "
            "days.\nBalance: <b>{balance}</b>",
            days,
        ).format(
            merchant=escape(str(d["merchant"])),
            points=points(int(str(d["bonus"]))),
            days=days,
            balance=points(int(str(d["balance"]))),
        ), None
    if notice.kind == "birthday_corrected":
        from handlers.ui.render import birthday_text
        from services.dto import Birthday

        year = d.get("year")
        birthday = Birthday(
            int(str(d["day"])), int(str(d["month"])), int(str(year)) if year else None
        )
        text = _("🎂 {merchant} corrected your birthday: {birthday}.").format(
            merchant=escape(str(d["merchant"])), birthday=birthday_text(birthday)
        )
        if d.get("gift_next_year"):
            text += "\n" + _("It's coming up soon, so your birthday gift starts next year.")
        return text, None
    if notice.kind == "new_order":
        return _("🛍 New pre-order #{id}: {items}. Total {total}.").format(
            id=d["order_id"],
            items=escape(str(d["items"])),
            total=money(int(str(d["total"])), str(d["currency"])),
        ) + "\n" + _("All waiting: /openorders"), None
    if notice.kind.startswith("order_"):
        from handlers.ui.order_render import order_notice_text

        return order_notice_text(notice), None
    if notice.kind == "cart_reminder":
        keyboard: InlineKeyboardMarkup | None = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✅ Check out"), callback_data=CatalogCb(action="checkout").pack()
                    )
                ]
            ]
        )
        return _("🛒 Your cart is waiting: {items}. Total {total}.").format(
            items=escape(str(d["items"])), total=money(int(str(d["total"])), str(d["currency"]))
        ), keyboard
    if notice.kind == "expired":
        return _("⌛ {points} expired. Balance: <b>{balance}</b>").format(
            points=points(int(str(d["points"]))), balance=points(int(str(d["balance"])))
        ), None
    if notice.kind == "expiry_warning":
        return expiry_warning_text(int(str(d["points"])), int(str(d["days"]))), None
    if notice.kind == "nps":
        survey = str(d["survey"]).replace(":", "-")
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=str(n), callback_data=NpsScore(survey=survey, score=n).pack()
                    )
                    for n in row
                ]
                for row in (range(0, 6), range(6, 11))
            ]
        )
        return _(
            "How likely are you to recommend us to a friend? 0 is not at all, 10 is "
            "extremely likely."
        ), keyboard
    if notice.kind == "push":
        keyboard = None
        if d.get("button_url"):
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=str(d.get("button_text") or _("Open")), url=str(d["button_url"])
                        )
                    ]
                ]
            )
        return str(d.get("text") or ""), keyboard
    if notice.kind == "push_done":
        return push_done_text(d), None
    if notice.kind == "staff_paused":
        return _(
            "⏸ {staff} entered too many wrong codes; their sales are paused for 10 minutes."
        ).format(staff=escape(str(d["staff"] or _("An owner")))), None
    if notice.kind == "friend_joined":
        if not d.get("friend"):  # the friend left the program since: their name went too
            return _("🤝 A friend you invited joined the program!"), None
        return _("🤝 Your friend {friend} joined the program through your link!").format(
            friend=escape(str(d["friend"]))
        ), None
    if notice.kind == "staff_joined":
        text = (
            _("👋 {staff} accepted the invitation and joined the team as an admin.")
            if d.get("role") == "admin"
            else _("👋 {staff} accepted the invitation and joined the team as a cashier.")
        )
        return text.format(staff=escape(str(d.get("staff") or "—"))), None
    if notice.kind == "digest":
        from handlers.ui.digest_render import digest_text

        return digest_text(str(d["merchant"]), str(d["currency"]), d), None
    return "", None
