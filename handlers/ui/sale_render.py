"""Texts and buttons for the till: the customer at the counter, the amount, the sale's preview
and confirmation, and the day's sales."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import PointsChoice, ReceiptAdd, SaleDecision
from handlers.ui.certificate_give_render import handed_out_lines
from handlers.ui.render import (
    amount_example,
    currency_sign,
    level_name,
    money,
    points,
    time_of_day,
)
from handlers.ui.sale_certificate_render import certificate_rows, check_lines, confirmed_lines
from services.notices import Receipt
from services.policy import points_worth
from services.sales import DayReport, SaleDraft, SaleResult, Till


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
                id=draft.till.order_id, amount=money(draft.check_minor, cur)
            )
        )
    value = draft.till.point_value

    def worth(n: int) -> str:  # what the points are worth, as the receipt says it
        return f" (= {money(points_worth(n, value), cur)})" if n else ""

    lines += [
        *check_lines(draft),
        _("Points to spend: {points}").format(points=points(draft.points_spent))
        + worth(draft.points_spent),
        _("To pay: <b>{amount}</b>").format(amount=money(draft.to_pay_minor, cur)),
        _("Cashback to earn: {points}").format(points=points(draft.cashback))
        + worth(draft.cashback),
    ]
    if draft.promotion:
        lines.append(
            _("⚡ including {points} from the promotion “{name}”").format(
                points=points(draft.promotion_bonus), name=escape(draft.promotion)
            )
        )
    if draft.receipt_no:
        lines.append(_("Receipt: {receipt}").format(receipt=escape(draft.receipt_no)))
    if draft.max_points:
        lines.append(
            _("The customer may spend up to {points} on this check.").format(
                points=points(draft.max_points)
            )
        )
    return "\n".join(lines)


def preview_keyboard(
    draft: SaleDraft, gifts: Sequence[list[InlineKeyboardButton]] = ()
) -> InlineKeyboardMarkup:
    """Confirm and Cancel, and the choices still open: points to spend, a receipt number,
    and `gifts`: rows of the customer's vouchers to hand over (handlers/ui/redeem_render.py).
    Every sale button carries the draft's key; a choice makes a new draft with a new key."""
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
    rows += gifts
    rows += certificate_rows(draft)
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
    text = _(
        "✅ Sale #{id} confirmed.\n"
        "Check {amount}, paid {paid}; {spent} spent, {earned} earned.\n"
        "The customer's balance is now {balance}."
    ).format(
        id=result.purchase_id,
        amount=money(result.amount_minor + result.certificate_minor, cur),
        paid=money(result.paid_minor, cur),
        spent=points(result.points_spent),
        earned=points(result.cashback),
        balance=points(result.balance_after),
    )
    lines = [*confirmed_lines(result), *_rewards_given(result)]
    return text + "".join(f"\n{line}" for line in lines)


def _rewards_given(result: SaleResult) -> list[str]:
    """To the cashier, from the buyer's receipt: what the sale gave beside what it earned
    (an invited friend's gift, so the balance adds up) and the vouchers it issued."""
    r = next((n.body for n in result.notices if isinstance(n.body, Receipt)), None)
    if r is None:
        return []
    lines = []
    if r.friend_gift:
        lines.append(_("🎁 The friend's gift: +{points}").format(points=points(r.friend_gift)))
    for reward, n in ((r.card_reward, r.cards_full), (r.friend_reward, 1)):
        if reward and n:
            lines.append(
                ngettext(
                    "🎫 {n} voucher issued: {reward}.", "🎫 {n} vouchers issued: {reward}.", n
                ).format(n=n, reward=escape(reward))
            )
    lines += handed_out_lines(r.certificates)
    return lines


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
        "member_blocked": _(
            "This customer's card is paused by the staff: no points can be earned or spent. "
            "Ask an admin."
        ),
        "certificate_used": _(
            "The certificate was just used elsewhere or given away: make the preview again "
            "without it."
        ),
        "certificate_expired": _(
            "The certificate has just expired: make the preview again without it."
        ),
        "already_refunded": _("This purchase is already fully refunded."),
        "refund_done": _("Already refunded."),
        "refund_changed": _(
            "This sale was refunded by someone else meanwhile. Send /refund again to see "
            "what is left."
        ),
    }.get(reason, _("This sale is no longer open."))


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
