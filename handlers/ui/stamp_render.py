"""How the stamp card and promotions read (issue 15): the row of stamps on the card, the
promotions of today, and what a receipt adds when a purchase earned under a promotion, was
stamped, filled a card or brought an invited friend's gift. Stamps are ● and ○: they render
in every Telegram client."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.promo_render import factor, gives, hours_text
from handlers.ui.render import points
from services.dto import Card
from services.notices import Receipt, RefundReceipt
from services.policy.promotions import PromotionRule

FULL, EMPTY = "●", "○"
ROW_MAX = 20  # a longer card shows its count only


def stamp_row(stamps: int, needed: int, count: bool = True) -> str:
    """●●●●●●○○○○ 6/10: the stamps held on a card of `needed` (without `count`: the row
    alone, nothing for a card too long to draw)."""
    held = min(max(stamps, 0), needed)
    row = f"{FULL * held}{EMPTY * (needed - held)}" if needed <= ROW_MAX else ""
    numbers = f"{held}/{needed}"
    if not count:
        return row
    return f"{row} {numbers}" if row else numbers


def promotion_line(rule: PromotionRule, timezone: str) -> str:
    """⚡ Happy hours: ×2 points today 12:00–15:00 (promo_render says what it gives)."""
    name, gain = escape(rule.name), gives(rule)
    if not (hours := hours_text(rule, timezone)):
        return _("⚡ {name}: {gain} all day today").format(name=name, gain=gain)
    return _("⚡ {name}: {gain} today {hours}").format(name=name, gain=gain, hours=hours)


def card_lines(card: Card) -> list[str]:
    """The card's stamp row and today's promotions; nothing for a merchant with neither."""
    lines = []
    if card.stamps_needed:
        row = stamp_row(card.stamps, card.stamps_needed)
        if card.stamp_reward:
            row = f"{row} → {escape(card.stamp_reward)}"
        lines.append(f"☕ {row}")
    lines += [promotion_line(rule, card.merchant.timezone) for rule in card.promotions]
    return ["", *lines] if lines else []


def receipt_lines(r: Receipt) -> list[str]:
    """What a receipt says of a promotion, the stamp card and an invited friend's gift."""
    lines = []
    if r.promotion_points and r.promotion:
        lines.append(
            _("⚡ {multiplier} {promotion}: +{points}").format(
                multiplier=factor(r.promotion_pct),
                promotion=escape(r.promotion),
                points=points(r.promotion_points),
            )
        )
    if r.promotion_stamps and r.promotion:
        lines.append(
            ngettext(
                "⚡ {promotion}: +{n} stamp", "⚡ {promotion}: +{n} stamps", r.promotion_stamps
            ).format(promotion=escape(r.promotion), n=r.promotion_stamps)
        )
    if r.friend_gift:
        lines.append(
            _("🎁 A gift for joining through a friend's invitation: +{points}").format(
                points=points(r.friend_gift)
            )
        )
    if r.friend_reward:
        lines.append(
            _("🎁 A voucher for {reward} is in your vouchers: a gift from your friend.").format(
                reward=escape(r.friend_reward)
            )
        )
    if r.stamps_needed and r.cards_full:
        reward = escape(r.card_reward or "")
        if r.cards_full == 1:
            full = _("☕ Your card is full: a voucher for {reward} is in your vouchers.")
        else:  # a check worth several cards at once (a card of a stamp per amount)
            full = ngettext(
                "☕ {n} card is full: {n} voucher for {reward} is in your vouchers.",
                "☕ {n} cards are full: {n} vouchers for {reward} are in your vouchers.",
                r.cards_full,
            )
        lines.append(full.format(reward=reward, n=r.cards_full))
        if r.stamps:  # a check worth more than the card: the rest on a new one
            lines.append(f"☕ {stamp_row(r.stamps, r.stamps_needed)}")
    elif r.stamps_needed and r.stamps_added:
        lines.append(_("☕ Stamp {n} of {needed}").format(n=r.stamps, needed=r.stamps_needed))
        if row := stamp_row(r.stamps, r.stamps_needed, count=False):
            lines.append(row)
    return lines


def taken_back(promotion: int, gift: int) -> str:
    """A refund's lines (each after a newline) for a promotion's bonus and a friend's gift
    taken back: to the cashier and to the customer alike."""
    text = ""
    if promotion:
        text += "\n" + _("Promotion bonus taken back: {points}.").format(points=points(promotion))
    if gift:
        text += "\n" + _("Friend's gift taken back: {points}.").format(points=points(gift))
    return text


def refund_reward_lines(r: RefundReceipt) -> str:
    """What a refund receipt adds: a promotion's bonus, a friend's gift and stamps taken
    back."""
    text = taken_back(r.promotion_reversed, r.gift_reversed)
    if r.stamps_taken:
        text += "\n" + ngettext(
            "{n} stamp taken off your card.", "{n} stamps taken off your card.", r.stamps_taken
        ).format(n=r.stamps_taken)
    if r.voucher_cancelled:
        text += "\n" + _(
            "Your voucher for {reward}, the gift for joining through a friend, is cancelled."
        ).format(reward=escape(r.voucher_cancelled))
    return text
