"""Texts and buttons for a refund at the till: the preview to confirm, and what was done."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import RefundDecision
from handlers.ui.render import date_time, money, points
from handlers.ui.sale_certificate_render import refund_certificate_line
from handlers.ui.stamp_render import taken_back
from services.sales import RefundPreview, RefundResult


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
    text += _kept_lines(result.shortfall, result.level_reversed) + _reward_lines(result)
    return text + refund_certificate_line(result.certificate, cur, result.handed_out)


def _reward_lines(done: RefundResult | RefundPreview) -> str:
    """To the cashier: a promotion's bonus, a friend's gift and the stamps the refund takes
    back, and the stamps it can't (they are in a voucher already: the customer keeps them)."""
    text = taken_back(done.promotion_reversed, done.gift_reversed)
    if done.stamps_taken:
        text += "\n" + ngettext(
            "{n} stamp taken off the customer's card.",
            "{n} stamps taken off the customer's card.",
            done.stamps_taken,
        ).format(n=done.stamps_taken)
    if done.stamps_forgiven:
        text += "\n" + ngettext(
            "{n} stamp of this sale is already in a voucher: the customer keeps it.",
            "{n} stamps of this sale are already in a voucher: the customer keeps them.",
            done.stamps_forgiven,
        ).format(n=done.stamps_forgiven)
    if done.gift_voucher and done.gift_voucher_kept:
        text += "\n" + _(
            "The friend's gift voucher for {reward} was already redeemed: the customer keeps it."
        ).format(reward=escape(done.gift_voucher))
    elif done.gift_voucher:
        text += "\n" + _("The friend's gift voucher for {reward} is cancelled.").format(
            reward=escape(done.gift_voucher)
        )
    return text


def _kept_lines(shortfall: int, level_reversed: int) -> str:
    """To the cashier: cashback already spent is kept from the money handed back, and the
    cashback of a level the refund takes away goes back too."""
    text = ""
    if shortfall:
        text += "\n" + _(
            "The customer had already spent {points} of the cashback, so that much is kept "
            "from the money handed back."
        ).format(points=points(shortfall))
    if level_reversed:
        text += "\n" + _(
            "Without the refunded amount the customer's level would have been lower, so "
            "cashback earned at the higher level since then is taken back too: {points}."
        ).format(points=points(level_reversed))
    return text


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
    kept = _kept_lines(preview.shortfall, preview.level_reversed)
    certificate = refund_certificate_line(
        preview.certificate, preview.currency, preview.handed_out
    )
    return "\n".join(lines) + kept + _reward_lines(preview) + certificate


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
